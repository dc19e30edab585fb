import { LRUCache } from 'lru-cache';
import type { Snapshot } from '../config/snapshot.ts';
import { errors } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { type RuleStore, ruleSpecOf } from '../stores/rule-store.ts';
import { type CompiledRule, compileRule } from './rules/compile.ts';

/**
 * Each tenant's stored rules in compiled form, cached per tenant (DESIGN §5). An entry lives for
 * `ttlMs` as a safety net, and is dropped at once when the store reports a change for the tenant.
 * When the store cannot be read, the last compiled rules keep serving.
 */
export interface TenantRuleSet {
  readonly enforced: readonly CompiledRule[];
  readonly normal: readonly CompiledRule[];
}

interface Entry extends TenantRuleSet {
  readonly generation: number;
  readonly loadedAt: number;
}

const EMPTY: TenantRuleSet = { enforced: [], normal: [] };

export class TenantRules {
  readonly #cache = new LRUCache<string, Entry>({ max: 10_000 });
  readonly #loading = new Map<string, Promise<Entry>>();
  readonly #unsubscribe: () => void;
  /** Set while the store is unreachable; reported on /readyz and in metrics. */
  lastError: string | undefined;

  constructor(
    private readonly store: RuleStore | null,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.#unsubscribe = store?.onChange((tenant) => this.invalidate(tenant)) ?? (() => {});
  }

  invalidate(tenant: string): void {
    this.#cache.delete(tenant);
  }

  async forTenant(snapshot: Snapshot, tenant: string): Promise<TenantRuleSet> {
    if (!this.store) return EMPTY;
    const cached = this.#cache.get(tenant);
    if (cached && cached.generation === snapshot.generation && this.now() - cached.loadedAt < this.ttlMs) return cached;
    try {
      return await this.#load(snapshot, tenant);
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      if (cached) {
        this.logger.warn({ tenant, err: this.lastError }, 'rule store unreachable; serving the last compiled rules');
        return cached;
      }
      throw errors.storeUnavailable();
    }
  }

  #load(snapshot: Snapshot, tenant: string): Promise<Entry> {
    const key = `${tenant}\u0000${snapshot.generation}`;
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.#fetchAndCompile(snapshot, tenant).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    return loading;
  }

  async #fetchAndCompile(snapshot: Snapshot, tenant: string): Promise<Entry> {
    const stored = await (this.store as RuleStore).listEnabled(tenant);
    this.lastError = undefined;
    const knownProviders = new Set(snapshot.providers.keys());
    const compiled: CompiledRule[] = [];
    for (const rule of stored) {
      try {
        // The store's tenant wins over anything in the row: a rule never leaves its tenant.
        compiled.push(compileRule({ ...ruleSpecOf(rule), tenant_id: tenant }, { knownProviders, source: 'store' }));
      } catch (error) {
        // Valid when written, but the config may since have dropped a provider it names.
        this.logger.warn({ tenant, rule: rule.id, err: (error as Error).message }, 'stored rule skipped');
      }
    }
    const entry: Entry = {
      generation: snapshot.generation,
      loadedAt: this.now(),
      enforced: compiled.filter((rule) => rule.enforce),
      normal: compiled.filter((rule) => !rule.enforce),
    };
    this.#cache.set(tenant, entry);
    return entry;
  }

  close(): void {
    this.#unsubscribe();
  }
}
