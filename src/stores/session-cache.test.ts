import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deleteKeys, SHARED_REDIS_URL, uniquePrefix } from '../../test/helpers/redis.ts';
import { RedisSessionCache } from './redis-session-cache.ts';
import { MemorySessionCache, type SessionCache } from './session-cache.ts';

/** The same behaviour from both session stores (DESIGN §5): memory here, Redis shared. */
const redisPrefix = uniquePrefix('session-contract');

const stores: Array<[string, () => SessionCache]> = [
  ['memory', () => new MemorySessionCache(100)],
  [
    'redis',
    () =>
      new RedisSessionCache({
        url: SHARED_REDIS_URL,
        prefix: redisPrefix,
        commandTimeoutMs: 1000,
        connectTimeoutMs: 2000,
      }),
  ],
];

afterAll(() => deleteKeys(redisPrefix));

describe.each(stores)('%s session cache', (_name, make) => {
  let cache: SessionCache | undefined;
  const open = () => {
    cache = make();
    return cache;
  };
  afterEach(async () => {
    await cache?.close();
    cache = undefined;
  });

  it('returns what was stored, in order, and nothing for an unknown key', async () => {
    const sessions = open();
    await sessions.set('acme:conv-1', ['cloud/gpt-4o', 'onprem/llama3.1:8b'], 60);
    expect(await sessions.get('acme:conv-1')).toEqual(['cloud/gpt-4o', 'onprem/llama3.1:8b']);
    expect(await sessions.get('acme:conv-unknown')).toBeUndefined();
  });

  it('keeps tenants apart: the same session id under another tenant is another key', async () => {
    const sessions = open();
    await sessions.set('acme:shared-id', ['cloud/gpt-4o'], 60);
    await sessions.set('globex:shared-id', ['onprem/llama3.1:8b'], 60);
    expect(await sessions.get('acme:shared-id')).toEqual(['cloud/gpt-4o']);
    expect(await sessions.get('globex:shared-id')).toEqual(['onprem/llama3.1:8b']);
  });

  it('overwrites a pin and its TTL', async () => {
    const sessions = open();
    await sessions.set('acme:conv-2', ['cloud/gpt-4o'], 1);
    await sessions.set('acme:conv-2', ['claude/claude-sonnet-4'], 60);
    expect(await sessions.get('acme:conv-2')).toEqual(['claude/claude-sonnet-4']);
  });

  it('forgets a pin when its TTL ends', async () => {
    const sessions = open();
    await sessions.set('acme:short', ['cloud/gpt-4o'], 1);
    await sessions.set('acme:long', ['cloud/gpt-4o'], 60);
    expect(await sessions.get('acme:short')).toEqual(['cloud/gpt-4o']);
    await expect.poll(() => sessions.get('acme:short'), { timeout: 5000, interval: 200 }).toBeUndefined();
    expect(await sessions.get('acme:long')).toEqual(['cloud/gpt-4o']);
  });
});

describe('memory session cache', () => {
  it('answers at once: a pinned session is decided without waiting', async () => {
    const sessions = new MemorySessionCache(10);
    expect(sessions.set('acme:conv', ['cloud/gpt-4o'], 60)).toBeUndefined();
    expect(sessions.get('acme:conv')).toEqual(['cloud/gpt-4o']);
    await sessions.close();
  });
});
