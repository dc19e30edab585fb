import { LRUCache } from 'lru-cache';

/**
 * Session affinity storage (DESIGN §5): which targets a conversation is pinned to. Keys arrive
 * already tenant-scoped (`{tenant}:{session}`); implementations add their own prefix if shared.
 * The value is the ordered target keys (`provider/model`), the served one first.
 */
export interface SessionCache {
  get(key: string): Promise<readonly string[] | undefined>;
  set(key: string, targets: readonly string[], ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}

/** In-process LRU with a TTL per entry: the zero-setup default for one machine. */
export class MemorySessionCache implements SessionCache {
  readonly #entries: LRUCache<string, readonly string[]>;

  constructor(maxEntries: number) {
    this.#entries = new LRUCache({ max: maxEntries, ttlAutopurge: false });
  }

  async get(key: string): Promise<readonly string[] | undefined> {
    return this.#entries.get(key);
  }

  async set(key: string, targets: readonly string[], ttlSeconds: number): Promise<void> {
    this.#entries.set(key, targets, { ttl: ttlSeconds * 1000 });
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
