import { LRUCache } from 'lru-cache';
import type { Eventually } from '../../eventually.ts';
import type { PolicyDocument } from './document.ts';
import { type FetchOutcome, fetchPolicy } from './provider-client.ts';
import type { PolicyProviderConfig, PolicyProviderOnError } from './provider-config.ts';

/**
 * The revision-aware cache in front of the external policy provider (DESIGN §3, §5): in-process,
 * per replica, keyed by tenant + policy id. The provider stays the source of truth; the cache only
 * saves round trips and rides out provider outages with the last document it saw.
 */

export type PolicyLookup =
  | { status: 'hit' | 'fetched'; document: PolicyDocument; revision: number | undefined }
  /** The provider failed; this is the last document it gave, however old. `reason` is for logs. */
  | { status: 'stale'; document: PolicyDocument; revision: number | undefined; reason: string }
  | { status: 'not_found' }
  /**
   * The provider failed and nothing is cached. `onError` is the configured `on_error`, carried
   * here so the caller need not reach back into config: `fallthrough` → next policy source,
   * `reject` → 503.
   */
  | { status: 'error'; reason: string; onError: PolicyProviderOnError };

/**
 * Counters for metrics, so this module needs no prom-client. Each lookup reports exactly one of
 * `hit` (served from a fresh entry, a cached not-found included) or `miss` (went to the provider,
 * alone or by joining a fetch in progress); after a miss, `notFound` when the answer is not-found,
 * `error(reason)` when the provider failed, and `stale` when a stale document was served anyway.
 */
export interface PolicyCacheEvents {
  hit(): void;
  miss(): void;
  stale(): void;
  error(reason: string): void;
  notFound(): void;
}

export interface PolicyCacheOptions {
  /** Milliseconds, like Date.now (the default); injected so tests can move time. */
  now?: () => number;
  events?: PolicyCacheEvents;
}

/**
 * `covers`: the newest revision this entry is known to answer for. A request naming a newer one
 * (or any revision, when `covers` is undefined) must ask the provider again.
 */
type Entry =
  | { kind: 'found'; document: PolicyDocument; covers: number | undefined; expiresAt: number }
  | { kind: 'not_found'; covers: number | undefined; expiresAt: number };

interface Flight {
  /** The revision this fetch asked the provider for. */
  readonly asked: number | undefined;
  readonly done: Promise<FetchOutcome>;
}

export class PolicyCache {
  readonly #config: PolicyProviderConfig;
  readonly #now: () => number;
  readonly #events: PolicyCacheEvents | undefined;
  // No TTL inside the LRU: expired entries must outlive their TTL to be served stale on error.
  readonly #entries: LRUCache<string, Entry>;
  /** At most one fetch per key at a time (single flight). */
  readonly #flights = new Map<string, Flight>();

  constructor(config: PolicyProviderConfig, options: PolicyCacheOptions = {}) {
    this.#config = config;
    this.#now = options.now ?? Date.now;
    this.#events = options.events;
    this.#entries = new LRUCache<string, Entry>({ max: config.max_entries });
  }

  /** Entries held, fresh or expired. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The policy `policyId` for `tenant`, at least at `revision` when the provider has it. Never
   * rejects. Callers' aborts are not taken: the fetch may be shared with other requests, and it is
   * bounded by `timeout_ms` anyway. A fresh entry is answered at once; only a fetch is waited for.
   */
  get(tenant: string, policyId: string, revision: number | undefined): Eventually<PolicyLookup> {
    const key = cacheKey(tenant, policyId);
    const entry = this.#freshEntry(key, revision);
    if (entry) {
      this.#events?.hit();
      return fromEntry(entry, 'hit');
    }
    this.#events?.miss();
    return this.#resolve(key, tenant, policyId, revision);
  }

  /** Drops one policy of a tenant, or all of its policies; fetches in progress for them are disowned. */
  invalidate(tenant: string, policyId?: string): void {
    if (policyId !== undefined) {
      this.#drop(cacheKey(tenant, policyId));
      return;
    }
    const prefix = tenantPrefix(tenant);
    const keys = [...this.#entries.keys(), ...this.#flights.keys()];
    for (const key of keys) if (key.startsWith(prefix)) this.#drop(key);
  }

  clear(): void {
    this.#entries.clear();
    this.#flights.clear();
  }

  async #resolve(
    key: string,
    tenant: string,
    policyId: string,
    revision: number | undefined,
  ): Promise<PolicyLookup> {
    for (;;) {
      const flight = this.#flights.get(key);
      if (flight === undefined)
        return this.#answer(key, await this.#start(key, tenant, policyId, revision).done);
      if (covers(flight.asked, revision)) return this.#answer(key, await flight.done);
      // The fetch in progress asked for an older revision than this request needs. Racing it
      // could let the older answer overwrite the newer, so wait, then see what it brought back.
      await flight.done;
      const entry = this.#freshEntry(key, revision);
      if (entry) return fromEntry(entry, 'fetched');
    }
  }

  #start(key: string, tenant: string, policyId: string, revision: number | undefined): Flight {
    const flight: Flight = {
      asked: revision,
      done: this.#fetchAndStore(key, tenant, policyId, revision, () => this.#flights.get(key) === flight),
    };
    this.#flights.set(key, flight);
    return flight;
  }

  async #fetchAndStore(
    key: string,
    tenant: string,
    policyId: string,
    revision: number | undefined,
    stillOwned: () => boolean,
  ): Promise<FetchOutcome> {
    let outcome: FetchOutcome;
    try {
      outcome = await fetchPolicy(this.#config, policyId, revision, undefined, tenant);
    } catch {
      // fetchPolicy does not throw; should it ever, a rejected flight would fail every waiter.
      outcome = { kind: 'error', reason: 'policy provider fetch failed unexpectedly' };
    }
    // A flight disowned by invalidate/clear must not write back what it fetched before that.
    if (stillOwned()) {
      this.#flights.delete(key);
      this.#store(key, revision, outcome);
    }
    return outcome;
  }

  #store(key: string, asked: number | undefined, outcome: FetchOutcome): void {
    const now = this.#now();
    if (outcome.kind === 'found') {
      // A document without a revision answers for the revision it was asked for.
      const entryCovers = outcome.document.revision ?? asked;
      const expiresAt = now + this.#config.ttl_seconds * 1000;
      this.#entries.set(key, { kind: 'found', document: outcome.document, covers: entryCovers, expiresAt });
      return;
    }
    if (outcome.kind === 'not_found') {
      const expiresAt = now + this.#config.not_found_ttl_seconds * 1000;
      this.#entries.set(key, { kind: 'not_found', covers: asked, expiresAt });
    }
    // Errors leave the entry alone: it is what gets served stale.
  }

  #answer(key: string, outcome: FetchOutcome): PolicyLookup {
    if (outcome.kind === 'found') {
      return { status: 'fetched', document: outcome.document, revision: outcome.document.revision };
    }
    if (outcome.kind === 'not_found') {
      this.#events?.notFound();
      return { status: 'not_found' };
    }
    this.#events?.error(outcome.reason);
    const last = this.#entries.get(key);
    if (last?.kind === 'found') {
      this.#events?.stale();
      return {
        status: 'stale',
        document: last.document,
        revision: last.document.revision,
        reason: outcome.reason,
      };
    }
    return { status: 'error', reason: outcome.reason, onError: this.#config.on_error };
  }

  #freshEntry(key: string, revision: number | undefined): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.#now() >= entry.expiresAt) return undefined;
    return covers(entry.covers, revision) ? entry : undefined;
  }

  #drop(key: string): void {
    this.#entries.delete(key);
    this.#flights.delete(key);
  }
}

/** JSON keeps the pair unambiguous: no tenant/id split can collide with another. */
function cacheKey(tenant: string, policyId: string): string {
  return JSON.stringify([tenant, policyId]);
}

/** Every key of `tenant` starts with this; the closing quote is part of it, so `acme` ≠ `acme2`. */
function tenantPrefix(tenant: string): string {
  return `${JSON.stringify([tenant]).slice(0, -1)},`;
}

function covers(known: number | undefined, requested: number | undefined): boolean {
  if (requested === undefined) return true;
  return known !== undefined && known >= requested;
}

function fromEntry(entry: Entry, status: 'hit' | 'fetched'): PolicyLookup {
  if (entry.kind === 'not_found') return { status: 'not_found' };
  return { status, document: entry.document, revision: entry.document.revision };
}
