import type { Logger } from '../observability/logger.ts';
import type { McpRuntime } from './compile.ts';
import { MemoryRateLimiter, type RateLimiter } from './rate-limit.ts';
import { RedisRateLimiter } from './redis-rate-limit.ts';
import type { McpRateLimitStoreConfig } from './schema.ts';

/**
 * The MCP state that outlives config snapshots: the rate-limit buckets. A reload that keeps the
 * store settings keeps every bucket; one that changes them starts a new store (and closes the old
 * one, a Redis connection included).
 */
export class McpState {
  #limiter: { settings: McpRateLimitStoreConfig; key: string; limiter: RateLimiter } | undefined;

  constructor(private readonly logger: Logger) {}

  limiterFor(runtime: McpRuntime): RateLimiter {
    const settings = runtime.rateLimit;
    // The settings object is shared by every request of a snapshot: compare it, not its text.
    if (this.#limiter?.settings === settings) return this.#limiter.limiter;
    const key = JSON.stringify(settings);
    if (this.#limiter?.key === key) {
      this.#limiter.settings = settings;
      return this.#limiter.limiter;
    }
    const previous = this.#limiter?.limiter;
    this.#limiter = { settings, key, limiter: createLimiter(settings) };
    if (previous) {
      previous
        .close()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'closing the old rate-limit store failed'),
        );
    }
    return this.#limiter.limiter;
  }

  async close(): Promise<void> {
    const current = this.#limiter?.limiter;
    this.#limiter = undefined;
    await current?.close();
  }
}

function createLimiter(settings: McpRateLimitStoreConfig): RateLimiter {
  if (settings.store === 'redis' && settings.redis_url !== undefined) {
    return new RedisRateLimiter({ url: settings.redis_url, keyPrefix: settings.key_prefix });
  }
  return new MemoryRateLimiter(settings.max_buckets);
}
