import type { SwitchyardConfig } from '../config/schema.ts';
import { type RedisConnectionEvents, RedisSessionCache } from './redis-session-cache.ts';
import { MemorySessionCache, type SessionCache } from './session-cache.ts';

export type SessionAffinityConfig = NonNullable<SwitchyardConfig['routing']['session_affinity']>;

/** The session store `routing.session_affinity` asks for. */
export function openSessionCache(
  config: SessionAffinityConfig,
  events?: RedisConnectionEvents,
): SessionCache {
  if (config.store === 'memory' || !config.redis) return new MemorySessionCache(config.max_entries);
  const redis = config.redis;
  return new RedisSessionCache({
    url: redis.url,
    prefix: redis.prefix,
    commandTimeoutMs: redis.command_timeout_ms,
    connectTimeoutMs: redis.connect_timeout_ms,
    ...(events ? { events } : {}),
  });
}

/**
 * The settings that shape the store itself. A reload that changes them opens a new store; one that
 * changes only the header, TTL or implicit keys keeps the sessions already pinned.
 */
export function sessionStoreIdentity(config: SessionAffinityConfig): string {
  return config.store === 'memory' ? `memory:${config.max_entries}` : `redis:${JSON.stringify(config.redis)}`;
}
