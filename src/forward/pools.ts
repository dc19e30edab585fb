import { Pool } from 'undici';

/**
 * Keep-alive connection pools, one per upstream origin, shared across config snapshots so that a
 * reload does not drop warm connections. After a swap, pools the new snapshot no longer uses are
 * closed gracefully: undici's `close()` lets in-flight requests finish first.
 */
export interface PoolOptions {
  connections: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

async function closeWithin(pool: Pool, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), graceMs);
    timer.unref();
  });
  const outcome = await Promise.race([pool.close().then(() => 'closed' as const), expired]);
  clearTimeout(timer);
  if (outcome === 'expired') await pool.destroy();
}

export class PoolRegistry {
  readonly #pools = new Map<string, Pool>();

  get(origin: string, options: PoolOptions): Pool {
    const key = `${origin}|${options.connections}|${options.headersTimeoutMs}|${options.bodyTimeoutMs}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections: options.connections,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
        keepAliveTimeout: 30_000,
        pipelining: 1,
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /**
   * Closes every pool not in `inUse`, letting in-flight requests finish for up to `graceMs`;
   * whatever is still running then is destroyed, so a stuck upstream cannot hold a shutdown.
   */
  async retainOnly(inUse: ReadonlySet<Pool>, graceMs = 10_000): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, pool] of this.#pools) {
      if (inUse.has(pool)) continue;
      this.#pools.delete(key);
      closing.push(closeWithin(pool, graceMs));
    }
    await Promise.allSettled(closing);
  }

  async closeAll(graceMs?: number): Promise<void> {
    await this.retainOnly(new Set(), graceMs);
  }
}
