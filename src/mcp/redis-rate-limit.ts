import type { Redis } from 'ioredis';
import { createRedisClient } from '../stores/redis-client.ts';
import type { RateLimit, RateLimiter, TakeResult } from './rate-limit.ts';

/*
 * The token bucket as one Lua script, so that reading, refilling and taking are atomic however
 * many replicas share the bucket. Time comes from the Redis server, so replicas with skewed clocks
 * still agree. The key expires once a full bucket would have refilled: an idle user costs nothing.
 * Fractional token counts are kept as strings (Lua numbers in replies are truncated to integers).
 */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
return {allowed, wait}
`;

interface TakeCommand {
  switchyardTakeToken(key: string, capacity: number, perMs: number): Promise<[number, number]>;
}

export interface RedisRateLimiterOptions {
  url: string;
  keyPrefix: string;
}

export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;
  /** Settles once the first connection attempt has (bounded wait); later outages fail fast. */
  readonly #firstConnect: Promise<void>;

  constructor(options: RedisRateLimiterOptions) {
    this.#redis = createRedisClient(options.url, {
      // A rate-limit check sits on the request path: fail fast and let on_store_error decide.
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      // No offline queue: while Redis is down a check fails at once instead of waiting out the timeout.
      enableOfflineQueue: false,
    });
    // Errors surface on each take(); without a listener ioredis would also print them.
    this.#redis.on('error', () => {});
    this.#redis.defineCommand('switchyardTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.#prefix = options.keyPrefix;
    this.#firstConnect = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      timer.unref();
      const settle = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#redis.once('ready', settle);
      this.#redis.once('error', settle);
    });
  }

  async take(key: string, limit: RateLimit): Promise<TakeResult> {
    await this.#firstConnect;
    const command = this.#redis as unknown as TakeCommand;
    const [allowed, wait] = await command.switchyardTakeToken(
      `${this.#prefix}:${key}`,
      limit.capacity,
      limit.refillPerSecond / 1000,
    );
    return { allowed: allowed === 1, retryAfterMs: allowed === 1 ? 0 : wait };
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
