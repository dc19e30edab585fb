import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { PoolRegistry } from '../forward/pools.ts';
import type { Identity } from '../identity/identity.ts';
import { compileMcp } from './compile.ts';
import { bucketKey, type EnforceContext, runChain } from './enforce.ts';
import { person } from './identities.fixture.ts';
import { MemoryRateLimiter, type RateLimiter } from './rate-limit.ts';
import { RedisRateLimiter } from './redis-rate-limit.ts';
import { chainForTool } from './resolver.ts';

const pools = new PoolRegistry();
afterAll(() => pools.closeAll());

const { config } = parseConfig(
  `version: 1
providers: [{name: p, kind: openai, api_key: k}]
mcp_servers:
  - name: tools
    url: "http://127.0.0.1:9000/mcp"
    policies: [{deny: {role: intern}}, {rate_limit: {requests: 2, per_seconds: 3600}}]
    tools:
      delete_record: [{allow: {role: admin}}]
`,
  'test.yaml',
  {},
);
const server = compileMcp(config.mcp, config.mcp_servers, pools).servers.get('tools')!;
const logger = pino({ level: 'silent' });

const admin = person('acme', 'alice', 'admin');
const analyst = person('acme', 'bob', 'analyst');
const intern = person('acme', 'ivy', 'intern');

function ctx(
  identity: Identity,
  limiter: RateLimiter,
  onStoreError: 'allow' | 'deny' = 'allow',
): EnforceContext {
  return { server, identity, limiter, onStoreError, logger };
}

describe('runChain', () => {
  it('stops at the first gate that refuses, naming the tool or the server', async () => {
    const limiter = new MemoryRateLimiter(100);
    const denied = await runChain(ctx(intern, limiter), chainForTool(server, 'echo'), 'echo');
    expect(denied?.outcome).toBe('denied');
    expect(denied?.error.message).toBe('Tool "echo" on MCP server "tools" is not allowed for this caller');
    const serverDenied = await runChain(ctx(intern, limiter), server.serverChain, null);
    expect(serverDenied?.error.message).toBe('MCP server "tools" is not allowed for this caller');
    expect(await runChain(ctx(admin, limiter), server.serverChain, null)).toBeNull();
  });

  it('rate-limits per user and per tool; other methods take no tokens', async () => {
    const limiter = new MemoryRateLimiter(100);
    const echo = chainForTool(server, 'echo');
    for (let i = 0; i < 5; i++)
      expect(await runChain(ctx(analyst, limiter), server.serverChain, null)).toBeNull();
    expect(await runChain(ctx(analyst, limiter), echo, 'echo')).toBeNull();
    expect(await runChain(ctx(analyst, limiter), echo, 'echo')).toBeNull();
    const limited = await runChain(ctx(analyst, limiter), echo, 'echo');
    expect(limited?.outcome).toBe('rate_limited');
    expect(limited?.error.data).toMatchObject({ retry_after_seconds: 1800 });
    expect(limited?.error.headers).toEqual({ 'retry-after': '1800' });
    expect(await runChain(ctx(admin, limiter), echo, 'echo')).toBeNull();
    // Tools not listed under `tools` share one bucket, so invented names cannot mint fresh buckets;
    // a listed tool has its own.
    expect((await runChain(ctx(analyst, limiter), chainForTool(server, 'add'), 'add'))?.outcome).toBe(
      'rate_limited',
    );
    expect(
      (await runChain(ctx(analyst, limiter), chainForTool(server, 'invented-1'), 'invented-1'))?.outcome,
    ).toBe('rate_limited');
    expect(
      await runChain(ctx(admin, limiter), chainForTool(server, 'delete_record'), 'delete_record'),
    ).toBeNull();
  });

  it('runs steps in order: a limit before a gate counts calls the gate refuses; a gate before it saves tokens', async () => {
    const limiter = new MemoryRateLimiter(100);
    const del = chainForTool(server, 'delete_record');
    // deny(intern) → rate_limit → allow(admin): an analyst passes the limit, then is refused.
    for (let i = 0; i < 2; i++)
      expect((await runChain(ctx(analyst, limiter), del, 'delete_record'))?.outcome).toBe('denied');
    expect((await runChain(ctx(analyst, limiter), del, 'delete_record'))?.outcome).toBe('rate_limited');
    // An intern is refused by the first gate, before the limit: no tokens taken.
    const key = bucketKey({ server, identity: intern }, del.steps[1] as never, 'delete_record');
    expect(await limiter.take(key, { capacity: 2, refillPerSecond: 2 / 3600 })).toMatchObject({
      allowed: true,
    });
  });

  it('lets calls through or refuses them when the store is down, as on_store_error says', async () => {
    const down = new RedisRateLimiter({ url: 'redis://127.0.0.1:1', keyPrefix: 'unused' });
    try {
      const echo = chainForTool(server, 'echo');
      expect(await runChain(ctx(analyst, down, 'allow'), echo, 'echo')).toBeNull();
      expect((await runChain(ctx(analyst, down, 'deny'), echo, 'echo'))?.outcome).toBe('rate_limited');
    } finally {
      await down.close();
    }
  });

  it('keys buckets by server, limit, tool, tenant and user, escaping free-form parts', () => {
    const step = chainForTool(server, 'echo').steps[1] as never;
    expect(bucketKey({ server, identity: analyst }, step, 'echo')).toBe(
      'tools:policies%5B1%5D:echo:acme:bob',
    );
    expect(bucketKey({ server, identity: person('acme', 'a:b') }, step, 'x:y')).toBe(
      'tools:policies%5B1%5D:x%3Ay:acme:a%3Ab',
    );
  });
});
