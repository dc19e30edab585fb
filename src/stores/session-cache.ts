import { LRUCache } from 'lru-cache';
import type { Eventually } from '../eventually.ts';

/**
 * Session affinity storage (DESIGN §5): which targets a conversation is pinned to. Keys arrive
 * already tenant-scoped (`{tenant}:{session}`); implementations add their own prefix if shared.
 * The value is the ordered target keys (`provider/model`), the served one first. A store in this
 * process answers at once; one across the network returns promises (see `Eventually`). Either may
 * throw or reject when the store fails.
 */
export interface SessionCache {
  get(key: string): Eventually<readonly string[] | undefined>;
  set(key: string, targets: readonly string[], ttlSeconds: number): Eventually<void>;
  close(): Promise<void>;
}

/** In-process LRU with a TTL per entry: the zero-setup default for one machine. */
export class MemorySessionCache implements SessionCache {
  readonly #entries: LRUCache<string, readonly string[]>;

  constructor(maxEntries: number) {
    this.#entries = new LRUCache({ max: maxEntries, ttlAutopurge: false });
  }

  get(key: string): readonly string[] | undefined {
    return this.#entries.get(key);
  }

  set(key: string, targets: readonly string[], ttlSeconds: number): void {
    this.#entries.set(key, targets, { ttl: ttlSeconds * 1000 });
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
