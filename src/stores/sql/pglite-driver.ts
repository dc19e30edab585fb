import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDataFolder } from './data-folder-lock.ts';
import type { NotificationHandlers, Row, SqlDriver, SqlQueryable } from './driver.ts';

/**
 * PGlite (PostgreSQL compiled to WASM, in this process) persisted to a data folder: the embedded
 * default, with the same SQL and JSONB as a PostgreSQL server. One process per folder.
 */
export async function openPgliteDriver(path: string): Promise<SqlDriver> {
  const folder = resolve(path);
  // PGlite creates the folder itself, but not its parents.
  await mkdir(dirname(folder), { recursive: true });
  const unlock = await lockDataFolder(folder);
  try {
    const db = await PGlite.create(folder);
    return new PgliteDriver(db, unlock);
  } catch (error) {
    await unlock();
    throw error;
  }
}

/** A PGlite instance opened elsewhere (tests share one per file); closing the driver closes it. */
export function pgliteDriver(db: PGlite, onClose: () => Promise<void> = async () => {}): SqlDriver {
  return new PgliteDriver(db, onClose);
}

class PgliteDriver implements SqlDriver {
  constructor(
    private readonly db: PGlite,
    private readonly onClose: () => Promise<void>,
  ) {}

  query<R extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return rowsOf<R>(this.db, text, params);
  }

  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      work({
        query: <R extends Row = Row>(text: string, params: readonly unknown[] = []) =>
          rowsOf<R>(tx, text, params),
      }),
    );
  }

  /**
   * PGlite runs LISTEN/NOTIFY within its one session: a NOTIFY sent in a transaction arrives when
   * it commits. The session lives as long as the process, so the feed is never lost (no reset).
   */
  async listen(channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(channel, (payload) => handlers.notify(payload));
    return async () => {
      if (!this.db.closed) await unlisten();
    };
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
    await this.onClose();
  }
}

async function rowsOf<R extends Row>(
  db: PGlite | Transaction,
  text: string,
  params: readonly unknown[],
): Promise<R[]> {
  return (await db.query<R>(text, [...params])).rows;
}
