import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteKeys,
  type OwnedRedis,
  ownedRedis,
  SHARED_REDIS_URL,
  uniquePrefix,
} from '../../test/helpers/redis.ts';
import { RedisSessionCache } from './redis-session-cache.ts';

/** Redis specifics: the key layout other tools may rely on, prefixes, outages. */
const prefix = uniquePrefix('redis-session');
const otherPrefix = uniquePrefix('redis-session-other');
let raw: Redis;

const open = (
  keyPrefix = prefix,
  url = SHARED_REDIS_URL,
  events?: ConstructorParameters<typeof RedisSessionCache>[0]['events'],
) =>
  new RedisSessionCache({
    url,
    prefix: keyPrefix,
    commandTimeoutMs: 1000,
    connectTimeoutMs: 1000,
    ...(events ? { events } : {}),
  });

beforeAll(() => {
  raw = new Redis(SHARED_REDIS_URL);
});

afterAll(async () => {
  await deleteKeys(prefix);
  await deleteKeys(otherPrefix);
  raw.disconnect();
});

describe('RedisSessionCache', () => {
  it('stores {prefix}:{tenant}:{session} as a JSON list with the TTL on the key', async () => {
    const cache = open();
    await cache.set('acme:conv-1', ['cloud/gpt-4o', 'onprem/llama3.1:8b'], 120);
    expect(await raw.get(`${prefix}:acme:conv-1`)).toBe('["cloud/gpt-4o","onprem/llama3.1:8b"]');
    const ttl = await raw.ttl(`${prefix}:acme:conv-1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120);
    await cache.close();
  });

  it('writes a pin at once, ahead of anything the gateway does next (its answer, a close)', async () => {
    const cache = open();
    await cache.get('acme:warm-up');
    const pinned = cache.set('acme:conv-now', ['cloud/gpt-4o'], 60);
    // Closing right away sends QUIT: a pin written a turn later than asked would come after it.
    await cache.close();
    await pinned.catch(() => undefined);
    expect(await raw.get(`${prefix}:acme:conv-now`)).toBe('["cloud/gpt-4o"]');
  });

  it('keeps stores with different prefixes apart', async () => {
    const a = open(prefix);
    const b = open(otherPrefix);
    await a.set('acme:conv-2', ['cloud/gpt-4o'], 60);
    expect(await b.get('acme:conv-2')).toBeUndefined();
    await b.set('acme:conv-2', ['claude/claude-sonnet-4'], 60);
    expect(await a.get('acme:conv-2')).toEqual(['cloud/gpt-4o']);
    await Promise.all([a.close(), b.close()]);
  });

  it('treats a value of an unknown shape as no pin', async () => {
    const cache = open();
    await raw.set(`${prefix}:acme:garbage`, 'not json', 'EX', 60);
    await raw.set(`${prefix}:acme:object`, '{"targets":["cloud/gpt-4o"]}', 'EX', 60);
    await raw.set(`${prefix}:acme:numbers`, '[1,2]', 'EX', 60);
    expect(await cache.get('acme:garbage')).toBeUndefined();
    expect(await cache.get('acme:object')).toBeUndefined();
    expect(await cache.get('acme:numbers')).toBeUndefined();
    await cache.close();
  });

  describe('outage', () => {
    let server: OwnedRedis;
    beforeAll(async () => {
      server = await ownedRedis();
    });
    afterAll(() => server.stop());

    it('fails instead of waiting while Redis is down, and recovers by itself when it returns', async () => {
      const events: string[] = [];
      const cache = open('outage', server.url, {
        down: () => events.push('down'),
        up: () => events.push('up'),
      });
      // Nothing listens yet: operations reject (the caller degrades), they do not queue.
      await expect(cache.get('acme:conv')).rejects.toThrow();
      await expect(cache.set('acme:conv', ['cloud/gpt-4o'], 60)).rejects.toThrow();
      expect(events).toEqual(['down']);

      await server.start();
      await expect
        .poll(
          () =>
            cache.set('acme:conv', ['cloud/gpt-4o'], 60).then(
              () => 'ok',
              () => 'failed',
            ),
          { timeout: 10_000, interval: 100 },
        )
        .toBe('ok');
      expect(await cache.get('acme:conv')).toEqual(['cloud/gpt-4o']);
      expect(events).toEqual(['down', 'up']);

      await server.stop();
      await expect
        .poll(
          () =>
            cache.get('acme:conv').then(
              () => 'ok',
              () => 'failed',
            ),
          { timeout: 10_000, interval: 100 },
        )
        .toBe('failed');
      // Closing while Redis is away does not hang.
      await cache.close();
    });
  });
});
