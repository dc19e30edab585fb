import pg from 'pg';
import type { NotificationHandlers, Row, SqlDriver, SqlQueryable } from './driver.ts';
import { isConnectionError } from './driver.ts';
import { PgListener } from './pg-listener.ts';

/** PostgreSQL through `pg`: a pool for queries and transactions, one dedicated client per LISTEN. */
export interface PgDriverOptions {
  /** e.g. postgres://user:password@host:5432/db (a password in it is a secret). */
  url: string;
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Client-side bound on one statement, so a hung database cannot hang a request forever. */
  queryTimeoutMs?: number;
}

export function createPgDriver(options: PgDriverOptions): SqlDriver {
  return new PgDriver(options);
}

class PgDriver implements SqlDriver {
  readonly #pool: pg.Pool;
  readonly #listeners = new Set<PgListener>();

  constructor(private readonly options: PgDriverOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      query_timeout: options.queryTimeoutMs ?? 10_000,
      keepAlive: true,
      application_name: 'switchyard',
    });
    // An idle client whose backend went away emits here; without a handler the process would
    // crash. The pool drops that client and the next query opens a fresh one.
    this.#pool.on('error', function ignoreIdleClientError() {});
  }

  async query<R extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.#pool.query<R>(text, [...params]);
    return result.rows;
  }

  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin');
      const result = await work({
        async query<R extends Row = Row>(text: string, params: readonly unknown[] = []) {
          return (await client.query<R>(text, [...params])).rows;
        },
      });
      await client.query('commit');
      return result;
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      await client.query('rollback').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      // A client that failed mid-transaction is destroyed rather than handed to the next caller.
      client.release(broken);
    }
  }

  async listen(channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>> {
    const listener = new PgListener({
      url: this.options.url,
      channel,
      handlers,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 5_000,
    });
    await listener.start();
    this.#listeners.add(listener);
    return async () => {
      this.#listeners.delete(listener);
      await listener.close();
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#listeners].map((listener) => listener.close()));
    this.#listeners.clear();
    await this.#pool.end();
  }
}
