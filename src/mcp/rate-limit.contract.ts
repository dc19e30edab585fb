import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RateLimiter } from './rate-limit.ts';

/**
 * What every RateLimiter does, whatever keeps the buckets (DESIGN §5: each store passes the same
 * suite). Each test uses keys of its own, so one limiter can serve the whole suite. Refill is
 * checked only as "after waiting at least the refill time, a call is allowed": waiting longer can
 * only add tokens, so the check does not depend on how fast the machine is.
 */
export function rateLimiterContract(limiter: () => RateLimiter): void {
  const key = () => `k-${randomUUID()}`;

  describe('rate limiter contract', () => {
    it('allows a burst of `capacity` calls, then refuses with a positive wait', async () => {
      const k = key();
      const limit = { capacity: 3, refillPerSecond: 3 / 3600 };
      for (let i = 0; i < 3; i++) expect((await limiter().take(k, limit)).allowed).toBe(true);
      const refused = await limiter().take(k, limit);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      // One token comes back every 1200 s; most of that is still to wait.
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1_200_000);
      expect(refused.retryAfterMs).toBeGreaterThan(1_000_000);
    });

    it('keeps buckets apart by key', async () => {
      const limit = { capacity: 1, refillPerSecond: 1 / 3600 };
      const a = key();
      const b = key();
      expect((await limiter().take(a, limit)).allowed).toBe(true);
      expect((await limiter().take(a, limit)).allowed).toBe(false);
      expect((await limiter().take(b, limit)).allowed).toBe(true);
    });

    it('refills over time', async () => {
      const k = key();
      const limit = { capacity: 1, refillPerSecond: 20 };
      expect((await limiter().take(k, limit)).allowed).toBe(true);
      const refused = await limiter().take(k, limit);
      // A fast machine refuses here; a slow one may already have earned the token back.
      if (!refused.allowed) expect(refused.retryAfterMs).toBeLessThanOrEqual(50);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect((await limiter().take(k, limit)).allowed).toBe(true);
    });

    it('counts concurrent takes exactly', async () => {
      const k = key();
      const limit = { capacity: 10, refillPerSecond: 1 / 3600 };
      const results = await Promise.all(Array.from({ length: 25 }, () => limiter().take(k, limit)));
      expect(results.filter((result) => result.allowed)).toHaveLength(10);
    });
  });
}
