import type { Snapshot } from '../config/snapshot.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RuleStore } from '../stores/rule-store.ts';
import type { SessionCache } from '../stores/session-cache.ts';
import { MemorySessionCache } from '../stores/session-cache.ts';
import type { TraceStep } from './decision.ts';
import type { DecideInput, PreferenceChoice, RoutingServices } from './pipeline.ts';
import type { PreferenceRoute } from './policy/compile-policy.ts';
import { PolicyCache } from './policy/policy-cache.ts';
import { PolicySources } from './policy-sources.ts';
import { TenantRules } from './tenant-rules.ts';

/**
 * The long-lived state behind the decision pipeline — stored rules, session affinity, the policy
 * cache — kept across config reloads. Parts whose config changed are rebuilt on the next request
 * that needs them.
 */
export class RoutingState implements RoutingServices {
  readonly tenantRuleCache: TenantRules;
  readonly #policySources: PolicySources;
  #policyCache: { key: string; cache: PolicyCache } | undefined;
  #sessions: SessionCache | null = null;
  #current: Snapshot;

  constructor(
    snapshot: Snapshot,
    readonly ruleStore: RuleStore | null,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    sessions?: SessionCache,
  ) {
    this.#current = snapshot;
    this.tenantRuleCache = new TenantRules(ruleStore, snapshot.config.rules_store.cache_ttl_seconds * 1000, logger);
    this.#policySources = new PolicySources(() => this.#policyCacheFor(this.#current));
    this.#sessions = sessions ?? null;
    this.adopt(snapshot);
  }

  /** Called when a new snapshot is swapped in. */
  adopt(snapshot: Snapshot): void {
    this.#current = snapshot;
    const affinity = snapshot.config.routing.session_affinity;
    if (affinity && !this.#sessions) this.#sessions = new MemorySessionCache(affinity.max_entries);
  }

  get sessions(): SessionCache | null {
    return this.#current.routing.affinity ? this.#sessions : null;
  }

  tenantRules(snapshot: Snapshot, tenant: string) {
    return this.tenantRuleCache.forTenant(snapshot, tenant);
  }

  resolvePolicy(input: DecideInput, trace: TraceStep[]) {
    return this.#policySources.resolve(input, trace);
  }

  async choosePreference(
    _input: DecideInput,
    routes: readonly PreferenceRoute[],
    trace: TraceStep[],
  ): Promise<PreferenceChoice | null> {
    trace.push({ step: 'preferences', decided: false, reason: `${routes.length} routes, but no router model is configured` });
    return null;
  }

  /** One policy cache per provider configuration; a changed provider starts with an empty cache. */
  #policyCacheFor(snapshot: Snapshot): PolicyCache | null {
    const config = snapshot.routing.policyProvider;
    if (!config) return null;
    const key = JSON.stringify(config);
    if (this.#policyCache?.key !== key) {
      const counter = this.metrics.policyCache;
      this.#policyCache = {
        key,
        cache: new PolicyCache(config, {
          events: {
            hit: () => counter.inc({ result: 'hit' }),
            miss: () => counter.inc({ result: 'miss' }),
            stale: () => counter.inc({ result: 'stale' }),
            notFound: () => counter.inc({ result: 'not_found' }),
            error: (reason) => {
              counter.inc({ result: 'error' });
              this.logger.warn({ reason }, 'policy provider fetch failed');
            },
          },
        }),
      };
    }
    return this.#policyCache.cache;
  }

  async close(): Promise<void> {
    this.tenantRuleCache.close();
    await this.#sessions?.close();
    await this.ruleStore?.close();
  }
}
