import pg from 'pg';
import type { NotificationHandlers } from './driver.ts';

/**
 * `LISTEN` on a dedicated connection (a pooled one would be handed to other queries, and a
 * LISTEN only hears while its session lives). When the connection drops, it reconnects with
 * backoff and then reports `reset`: notifications sent meanwhile are lost, so whoever caches must
 * drop everything.
 */
export interface PgListenerOptions {
  url: string;
  channel: string;
  handlers: NotificationHandlers;
  connectTimeoutMs: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export const LISTENER_APPLICATION_NAME = 'switchyard-rules-listener';

export class PgListener {
  #client: pg.Client | undefined;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PgListenerOptions) {}

  /** Connects and listens; throws when the first connection fails (the caller retries). */
  async start(): Promise<void> {
    this.#client = await this.#connect();
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      keepAlive: true,
      application_name: LISTENER_APPLICATION_NAME,
    });
    client.on('error', (error) => this.#dropped(client, error));
    client.on('end', () => this.#dropped(client, new Error('the listening connection ended')));
    client.on('notification', (message) => {
      if (message.channel === this.options.channel) this.options.handlers.notify(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`listen "${this.options.channel}"`);
      return client;
    } catch (error) {
      client.end().catch(function alreadyGone() {});
      throw error;
    }
  }

  #dropped(client: pg.Client, error: Error): void {
    // 'error' and 'end' both fire for one drop; only the current client's first one counts.
    if (client !== this.#client || this.#closed) return;
    this.#client = undefined;
    client.end().catch(function alreadyGone() {});
    this.options.handlers.lost(error);
    this.#schedule(this.options.minBackoffMs ?? 250);
  }

  #schedule(delayMs: number): void {
    // Jitter, so replicas that lost the database together do not all come back in one instant.
    const wait = delayMs / 2 + Math.random() * (delayMs / 2);
    this.#timer = setTimeout(() => void this.#reconnect(delayMs), wait);
    this.#timer.unref();
  }

  async #reconnect(delayMs: number): Promise<void> {
    if (this.#closed) return;
    try {
      const client = await this.#connect();
      if (this.#closed) {
        await client.end().catch(function alreadyGone() {});
        return;
      }
      this.#client = client;
      this.options.handlers.reset();
    } catch (error) {
      this.options.handlers.lost(error as Error);
      this.#schedule(Math.min(delayMs * 2, this.options.maxBackoffMs ?? 5_000));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(function alreadyGone() {});
  }
}
