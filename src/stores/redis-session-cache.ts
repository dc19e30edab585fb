import type { Redis } from 'ioredis';
import { createRedisClient } from './redis-client.ts';
import type { SessionCache } from './session-cache.ts';

/**
 * Session affinity shared by every replica (DESIGN §5): one Redis key per session,
 * `{prefix}:{tenant}:{session}`, holding the JSON list of pinned targets, with its TTL set in the
 * same `SET … EX` that writes it.
 *
 * Affinity is a nicety, never a reason to stall or fail a request: commands time out quickly, and
 * while Redis is unreachable they fail at once (no offline queue) until ioredis reconnects by itself.
 */
export interface RedisSessionCacheOptions {
  url: string;
  prefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Connection lost and regained, once per outage — for logs. */
  events?: RedisConnectionEvents;
}

export interface RedisConnectionEvents {
  down(reason: string): void;
  up(): void;
}

/** Longest pause between reconnection attempts: a recovered Redis is used again within this. */
const MAX_RECONNECT_DELAY_MS = 2_000;

export class RedisSessionCache implements SessionCache {
  readonly #client: Redis;
  readonly #prefix: string;
  /**
   * Until the first connection attempt settles, a command waits for it rather than failing: a store
   * opened at start-up or by a reload is not "down" just because its socket is not up yet.
   */
  #firstConnection: Promise<void> | null;
  #down = false;
  #closing = false;

  constructor(options: RedisSessionCacheOptions) {
    this.#prefix = options.prefix;
    this.#client = createRedisClient(options.url, {
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: reconnectDelay,
    });
    // ioredis reports a first attempt that cannot connect within connectTimeout as an error; the
    // limit here is only a backstop.
    this.#firstConnection = firstConnection(
      this.#client,
      options.connectTimeoutMs + options.commandTimeoutMs,
    );
    const events = options.events;
    const goDown = (reason: string) => {
      if (this.#down || this.#closing) return;
      this.#down = true;
      events?.down(reason);
    };
    // An 'error' listener is required: without one ioredis reports every failed reconnect on stderr.
    this.#client.on('error', (error: Error) => goDown(error.message));
    this.#client.on('close', () => goDown('connection closed'));
    this.#client.on('ready', () => {
      if (!this.#down) return;
      this.#down = false;
      events?.up();
    });
  }

  async get(key: string): Promise<readonly string[] | undefined> {
    await this.#connected();
    const raw = await this.#client.get(this.#key(key));
    return raw === null ? undefined : parseTargets(raw);
  }

  /**
   * Once connected, the command is written at once, not a microtask later: the gateway pins a
   * session just before its answer goes out, and the client's next turn may reach another replica
   * as soon as it has that answer. Written after the answer, the pin could arrive after that
   * replica's read (the workers test caught one such turn going to the wrong target).
   */
  set(key: string, targets: readonly string[], ttlSeconds: number): Promise<void> {
    const write = async () => {
      await this.#client.set(this.#key(key), JSON.stringify(targets), 'EX', ttlSeconds);
    };
    return this.#firstConnection === null ? write() : this.#connected().then(write);
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#firstConnection = null;
    if (this.#client.status !== 'ready') {
      this.#client.disconnect();
      return;
    }
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }

  #key(key: string): string {
    return `${this.#prefix}:${key}`;
  }

  async #connected(): Promise<void> {
    if (this.#firstConnection === null) return;
    await this.#firstConnection;
    this.#firstConnection = null;
  }
}

function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS);
}

/** Resolves when the first connection is ready or has failed (or after `limitMs`, a backstop). */
function firstConnection(client: Redis, limitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, limitMs);
    timer.unref();
    client.once('ready', done);
    client.once('error', done);
    client.once('end', done);
    function done(): void {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      client.off('end', done);
      resolve();
    }
  });
}

/** A value some other writer left in a shape we do not know is treated as no pin at all. */
function parseTargets(raw: string): readonly string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
}
