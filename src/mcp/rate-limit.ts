import { LRUCache } from 'lru-cache';

/**
 * Per-user, per-tool rate limits (DESIGN §5: counters are in-process by default, in Redis when
 * shared by several replicas). Both stores implement the same token bucket: `capacity` calls in a
 * burst, refilled evenly at `refillPerSecond`. They pass one test suite (rate-limit.contract.ts).
 */
export interface RateLimit {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface TakeResult {
  readonly allowed: boolean;
  /** When refused: how long until one call is allowed again. */
  readonly retryAfterMs: number;
}

export interface RateLimiter {
  /** Takes one token from the bucket `key`; rejects when the store cannot be reached. */
  take(key: string, limit: RateLimit): Promise<TakeResult>;
  close(): Promise<void>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** In-process buckets; the least recently used go first when there are too many. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #buckets: LRUCache<string, Bucket>;

  constructor(
    maxBuckets: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#buckets = new LRUCache({ max: maxBuckets });
  }

  async take(key: string, limit: RateLimit): Promise<TakeResult> {
    const now = this.now();
    const bucket = this.#buckets.get(key);
    const elapsedSeconds = bucket ? Math.max(0, now - bucket.at) / 1000 : 0;
    const tokens = bucket
      ? Math.min(limit.capacity, bucket.tokens + elapsedSeconds * limit.refillPerSecond)
      : limit.capacity;
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, at: now });
      return { allowed: true, retryAfterMs: 0 };
    }
    this.#buckets.set(key, { tokens, at: now });
    return { allowed: false, retryAfterMs: Math.ceil(((1 - tokens) / limit.refillPerSecond) * 1000) };
  }

  async close(): Promise<void> {
    this.#buckets.clear();
  }
}
