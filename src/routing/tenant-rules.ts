import { LRUCache } from 'lru-cache';
import type { Snapshot } from '../config/snapshot.ts';
import { errors } from '../errors.ts';
import type { Eventually } from '../eventually.ts';
import type { Logger } from '../observability/logger.ts';
import { type RuleStore, ruleSpecOf } from '../stores/rule-store.ts';
import { type CompiledRule, compileRule } from './rules/compile.ts';
import { mergeByPriority } from './rules/evaluate.ts';
import { type RuleList, ruleList } from './rules/rule-index.ts';

/**
 * Each tenant's stored rules in compiled form, cached per tenant (DESIGN §5). An entry lives for
 * `ttlMs` as a safety net, and is dropped at once when the store reports a change for the tenant.
 * When the store cannot be read, the last compiled rules keep serving.
 */
export interface TenantRuleSet {
  /** The config's enforced rules, then the tenant's. */
  readonly enforced: RuleList;
  /** The config's other rules merged with the tenant's by priority (the config's first on ties). */
  readonly normal: RuleList;
}

interface Entry extends TenantRuleSet {
  /** The tenant's own compiled rules, kept to re-merge them with a newer snapshot's platform rules. */
  readonly own: readonly CompiledRule[];
  readonly generation: number;
  readonly loadedAt: number;
  /** Loads are numbered as they begin: a load that began later read newer rules. */
  readonly loadNumber: number;
}

export class TenantRules {
  readonly #cache = new LRUCache<string, Entry>({ max: 10_000 });
  readonly #loading = new Map<string, Promise<Entry>>();
  readonly #unsubscribe: () => void;
  /**
   * Invalidations are numbered; a tenant remembers its last one (and `#allInvalidatedAt` the last
   * drop of everything). A load that began before its tenant's last invalidation may hold rules
   * read before the change: it answers the requests that waited for it, but is cached only as
   * the outage fallback, never as fresh.
   */
  #invalidations = 0;
  #allInvalidatedAt = 0;
  #loads = 0;
  readonly #invalidatedAt = new LRUCache<string, number>({ max: 10_000 });
  /** Set while the store is unreachable; reported on /readyz and in metrics. */
  lastError: string | undefined;

  constructor(
    private readonly store: RuleStore | null,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.#unsubscribe = store?.onChange(this.#onStoreChange.bind(this)) ?? (() => {});
  }

  #onStoreChange(tenant: string | null): void {
    if (tenant === null) this.invalidateAll();
    else this.invalidate(tenant);
  }

  invalidate(tenant: string): void {
    this.#invalidatedAt.set(tenant, ++this.#invalidations);
    this.#expire(tenant);
  }

  /** The store's change feed was lost and is back: any tenant may have changed unseen. */
  invalidateAll(): void {
    this.#allInvalidatedAt = ++this.#invalidations;
    for (const tenant of [...this.#cache.keys()]) this.#expire(tenant);
  }

  /**
   * The next request reloads; the old entry stays only as the fallback for when that reload
   * fails, since stale rules serve better than none while the store is down.
   */
  #expire(tenant: string): void {
    const entry = this.#cache.peek(tenant);
    if (entry) this.#cache.set(tenant, { ...entry, loadedAt: Number.NEGATIVE_INFINITY });
  }

  #lastInvalidation(tenant: string): number {
    return Math.max(this.#invalidatedAt.get(tenant) ?? 0, this.#allInvalidatedAt);
  }

  /** Whether any tenant's rules are cached: what a replica can still serve while the store is down. */
  get hasCachedRules(): boolean {
    return this.#cache.size > 0;
  }

  /** Answered at once from the cache; only a load from the store is waited for. */
  forTenant(snapshot: Snapshot, tenant: string): Eventually<TenantRuleSet> {
    if (!this.store)
      return { enforced: snapshot.routing.enforcedRules, normal: snapshot.routing.staticRules };
    const cached = this.#cache.get(tenant);
    if (cached && cached.generation === snapshot.generation && this.now() - cached.loadedAt < this.ttlMs)
      return cached;
    // While the store says it is down, the last compiled rules answer at once rather than every
    // request waiting on a connect timeout; the store tells us (status, reset) when it is back.
    const status = this.store.status();
    if (cached && !status.ok && !status.feedOnly) return withPlatformRules(cached, snapshot);
    return this.#reload(snapshot, tenant, cached);
  }

  async #reload(snapshot: Snapshot, tenant: string, cached: Entry | undefined): Promise<TenantRuleSet> {
    try {
      return await this.#load(snapshot, tenant);
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      if (cached) {
        this.logger.warn(
          { tenant, err: this.lastError },
          'rule store unreachable; serving the last compiled rules',
        );
        return withPlatformRules(cached, snapshot);
      }
      throw errors.storeUnavailable();
    }
  }

  #load(snapshot: Snapshot, tenant: string): Promise<Entry> {
    // A request after an invalidation never joins a load that began before it.
    const key = `${tenant}\u0000${snapshot.generation}\u0000${this.#lastInvalidation(tenant)}`;
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.#fetchAndCompile(snapshot, tenant).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    return loading;
  }

  async #fetchAndCompile(snapshot: Snapshot, tenant: string): Promise<Entry> {
    const startedAt = this.#invalidations;
    const loadNumber = ++this.#loads;
    const stored = await (this.store as RuleStore).listEnabled(tenant);
    this.lastError = undefined;
    const knownProviders = new Set(snapshot.providers.keys());
    const compiled: CompiledRule[] = [];
    for (const rule of stored) {
      try {
        // The store's tenant wins over anything in the row: a rule never leaves its tenant.
        compiled.push(
          compileRule({ ...ruleSpecOf(rule), tenant_id: tenant }, { knownProviders, source: 'store' }),
        );
      } catch (error) {
        // Valid when written, but the config may since have dropped a provider it names.
        this.logger.warn({ tenant, rule: rule.id, err: (error as Error).message }, 'stored rule skipped');
      }
    }
    const entry: Entry = {
      own: compiled,
      generation: snapshot.generation,
      loadedAt: this.now(),
      loadNumber,
      ...merge(compiled, snapshot),
    };
    if (this.#lastInvalidation(tenant) <= startedAt) {
      this.#cache.set(tenant, entry);
    } else if ((this.#cache.peek(tenant)?.loadNumber ?? 0) < loadNumber) {
      this.#cache.set(tenant, { ...entry, loadedAt: Number.NEGATIVE_INFINITY });
    }
    return entry;
  }

  close(): void {
    this.#unsubscribe();
  }
}

/** The tenant's rules with the snapshot's platform rules: enforced first, the rest by priority. */
function merge(own: readonly CompiledRule[], snapshot: Snapshot): TenantRuleSet {
  return {
    enforced: ruleList([...snapshot.routing.enforcedRules.rules, ...own.filter((rule) => rule.enforce)]),
    // A tenant cannot shadow a platform rule by giving its own the same priority.
    normal: ruleList(
      mergeByPriority(
        snapshot.routing.staticRules.rules,
        own.filter((rule) => !rule.enforce),
      ),
    ),
  };
}

/**
 * Cached rules served while the store is down: if the config was reloaded since they were loaded,
 * they are merged again with the new snapshot's platform rules, so a newly enforced rule applies.
 */
function withPlatformRules(entry: Entry, snapshot: Snapshot): TenantRuleSet {
  return entry.generation === snapshot.generation ? entry : merge(entry.own, snapshot);
}
