import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, SHARED_REDIS_URL, scanKeys, uniquePrefix } from '../../test/helpers/redis.ts';
import { rateLimiterContract } from './rate-limit.contract.ts';
import { RedisRateLimiter } from './redis-rate-limit.ts';

const prefix = uniquePrefix('mcp-rate-limit');
const limiter = new RedisRateLimiter({ url: SHARED_REDIS_URL, keyPrefix: prefix });
const second = new RedisRateLimiter({ url: SHARED_REDIS_URL, keyPrefix: prefix });

afterAll(async () => {
  await Promise.all([limiter.close(), second.close()]);
  await deleteKeys(prefix);
});

rateLimiterContract(() => limiter);

describe('RedisRateLimiter', () => {
  it('shares a bucket between two limiters (two replicas) on the same Redis', async () => {
    const limit = { capacity: 2, refillPerSecond: 2 / 3600 };
    expect((await limiter.take('shared', limit)).allowed).toBe(true);
    expect((await second.take('shared', limit)).allowed).toBe(true);
    expect((await limiter.take('shared', limit)).allowed).toBe(false);
    expect((await second.take('shared', limit)).allowed).toBe(false);
  });

  it('keeps one hash per bucket under its prefix, expiring once it would be full again', async () => {
    await limiter.take('layout', { capacity: 5, refillPerSecond: 1 });
    const raw = new Redis(SHARED_REDIS_URL);
    try {
      expect(await scanKeys(raw, prefix)).toContain(`${prefix}:layout`);
      expect(Number(await raw.hget(`${prefix}:layout`, 'tokens'))).toBeCloseTo(4, 0);
      const ttl = await raw.pttl(`${prefix}:layout`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(6000);
    } finally {
      raw.disconnect();
    }
  });

  it('rejects a take when Redis cannot be reached', async () => {
    const unreachable = new RedisRateLimiter({ url: 'redis://127.0.0.1:1', keyPrefix: prefix });
    try {
      await expect(unreachable.take('x', { capacity: 1, refillPerSecond: 1 })).rejects.toThrow();
    } finally {
      await unreachable.close();
    }
  });
});
