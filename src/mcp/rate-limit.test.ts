import { describe, expect, it } from 'vitest';
import { rateLimiterContract } from './rate-limit.contract.ts';
import { MemoryRateLimiter } from './rate-limit.ts';

const shared = new MemoryRateLimiter(10_000);
rateLimiterContract(() => shared);

describe('MemoryRateLimiter', () => {
  it('refills evenly with the clock it is given', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(100, () => now);
    const limit = { capacity: 2, refillPerSecond: 1 };
    expect((await limiter.take('u', limit)).allowed).toBe(true);
    expect((await limiter.take('u', limit)).allowed).toBe(true);
    expect(await limiter.take('u', limit)).toEqual({ allowed: false, retryAfterMs: 1000 });
    now = 400;
    expect(await limiter.take('u', limit)).toEqual({ allowed: false, retryAfterMs: 600 });
    now = 1000;
    expect((await limiter.take('u', limit)).allowed).toBe(true);
    now = 1_000_000;
    // Idle for long: back to a full bucket, not more.
    expect((await limiter.take('u', limit)).allowed).toBe(true);
    expect((await limiter.take('u', limit)).allowed).toBe(true);
    expect((await limiter.take('u', limit)).allowed).toBe(false);
  });

  it('forgets the least recently used bucket beyond max_buckets (it starts full again)', async () => {
    const limiter = new MemoryRateLimiter(2, () => 0);
    const limit = { capacity: 1, refillPerSecond: 1 };
    await limiter.take('a', limit);
    await limiter.take('b', limit);
    await limiter.take('c', limit);
    expect((await limiter.take('a', limit)).allowed).toBe(true);
    expect((await limiter.take('c', limit)).allowed).toBe(false);
  });
});
