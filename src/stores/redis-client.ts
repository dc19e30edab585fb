import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

const require = createRequire(import.meta.url);

/**
 * ioredis is loaded on first use, so a gateway that uses no Redis never loads it (~20 MB of RSS).
 */
export function createRedisClient(url: string, options: RedisOptions): Redis {
  const ioredis = require('ioredis') as typeof import('ioredis');
  return new ioredis.Redis(url, options);
}
