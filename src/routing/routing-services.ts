import type { Snapshot } from '../config/snapshot.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { openSessionCache, sessionStoreIdentity } from '../stores/open-session-cache.ts';
import type { RuleStore, RuleStoreStatus } from '../stores/rule-store.ts';
import type { SessionCache } from '../stores/session-cache.ts';
import type { Trace } from './decision.ts';
import type { DecideInput, PreferenceChoice, RoutingServices } from './pipeline.ts';
import type { PreferenceRoute } from './policy/compile-policy.ts';
import { PolicyCache } from './policy/policy-cache.ts';
import { PolicySources } from './policy-sources.ts';
import { PreferenceRouter } from './preferences/preference-router.ts';
import { TenantRules } from './tenant-rules.ts';

const SESSION_WARN_INTERVAL_MS = 10_000;

/**
 * The long-lived state behind the decision pipeline — stored rules, session affinity, the policy
 * cache — kept across config reloads. Parts whose config changed are rebuilt on the next request
 * that needs them.
 */
export class RoutingState implements RoutingServices {
  readonly tenantRuleCache: TenantRules;
  /** The router model call, ranking, and the latency and price data ranking reads. */
  readonly preferences: PreferenceRouter;
  readonly #policySources: PolicySources;
  #policyCache:
    | { config: NonNullable<Snapshot['routing']['policyProvider']>; key: string; cache: PolicyCache }
    | undefined;
  #sessions: SessionCache | null = null;
  /** What the open session store was built from; an injected store is never replaced. */
  #sessionsIdentity: string | null = null;
  readonly #injectedSessions: boolean;
  readonly #sessionWarnings = new Map<string, { lastAt: number; suppressed: number }>();
  #current: Snapshot;

  constructor(
    snapshot: Snapshot,
    readonly ruleStore: RuleStore | null,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    sessions?: SessionCache,
  ) {
    this.#current = snapshot;
    this.tenantRuleCache = new TenantRules(
      ruleStore,
      snapshot.config.rules_store.cache_ttl_seconds * 1000,
      logger,
    );
    metrics.rulesStoreProbe = () => this.ruleStoreStatus().ok;
    this.#policySources = new PolicySources(() => this.#policyCacheFor(this.#current));
    this.#sessions = sessions ?? null;
    this.#injectedSessions = sessions !== undefined;
    this.preferences = new PreferenceRouter({
      routerCall: (outcome, ms) => {
        this.metrics.routerCalls.inc({ outcome });
        if (ms !== undefined) this.metrics.routerLatency.observe({ outcome }, ms / 1000);
      },
      loaded: (models) => this.logger.info({ models }, 'price list loaded'),
      failed: (reason) => this.logger.warn({ reason }, 'price list fetch failed; keeping the last good one'),
    });
    this.adopt(snapshot);
  }

  /** Called when a new snapshot is swapped in. */
  adopt(snapshot: Snapshot): void {
    this.#current = snapshot;
    this.#adoptSessionStore(snapshot);
    this.preferences.adopt(snapshot);
  }

  /** Opens the session store the config asks for; a changed store replaces (and closes) the old one. */
  #adoptSessionStore(snapshot: Snapshot): void {
    if (this.#injectedSessions) return;
    const affinity = snapshot.config.routing.session_affinity;
    const identity = affinity ? sessionStoreIdentity(affinity) : null;
    if (identity === this.#sessionsIdentity) return;
    const previous = this.#sessions;
    this.#sessions = affinity
      ? openSessionCache(affinity, {
          down: (reason) =>
            this.logger.warn({ reason }, 'session store unreachable; affinity degrades until it returns'),
          up: () => this.logger.info('session store reachable again; affinity restored'),
        })
      : null;
    this.#sessionsIdentity = identity;
    // Reads in flight on the old store finish first: quit waits for their replies.
    previous?.close().catch((error: unknown) => {
      this.logger.warn({ err: (error as Error).message }, 'closing the previous session store failed');
    });
  }

  /**
   * A session store operation failed: the request goes on without affinity. Counted every time;
   * logged at most once per interval per operation so an outage does not flood the log.
   */
  sessionStoreFailed(operation: 'get' | 'set', error: unknown): void {
    this.metrics.sessionErrors.inc({ operation });
    const now = Date.now();
    const seen = this.#sessionWarnings.get(operation);
    if (seen && now - seen.lastAt < SESSION_WARN_INTERVAL_MS) {
      seen.suppressed += 1;
      return;
    }
    this.#sessionWarnings.set(operation, { lastAt: now, suppressed: 0 });
    const err = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      { operation, err, suppressed: seen?.suppressed ?? 0 },
      'session store operation failed; affinity skipped',
    );
  }

  get sessions(): SessionCache | null {
    return this.#current.routing.affinity ? this.#sessions : null;
  }

  /**
   * The rule store's state for /readyz. A replica whose store is down stays ready while it has
   * compiled rules to serve; one that has none (it started without its database) is not.
   */
  ruleStoreStatus(): RuleStoreStatus & { ready: boolean } {
    const status = this.ruleStore?.status() ?? { ok: true };
    return { ...status, ready: status.ok || this.tenantRuleCache.hasCachedRules };
  }

  tenantRules(snapshot: Snapshot, tenant: string) {
    return this.tenantRuleCache.forTenant(snapshot, tenant);
  }

  resolvePolicy(input: DecideInput, trace: Trace) {
    return this.#policySources.resolve(input, trace);
  }

  choosePreference(
    input: DecideInput,
    routes: readonly PreferenceRoute[],
    trace: Trace,
  ): Promise<PreferenceChoice | null> {
    return this.preferences.choose(input, routes, trace);
  }

  /** One policy cache per provider configuration; a changed provider starts with an empty cache. */
  #policyCacheFor(snapshot: Snapshot): PolicyCache | null {
    const config = snapshot.routing.policyProvider;
    if (!config) return null;
    // A snapshot's config never changes: the same object needs no comparison (this runs per request).
    if (this.#policyCache?.config === config) return this.#policyCache.cache;
    const key = JSON.stringify(config);
    if (this.#policyCache?.key !== key) {
      const counter = this.metrics.policyCache;
      const hits = counter.series({ result: 'hit' });
      const misses = counter.series({ result: 'miss' });
      const stale = counter.series({ result: 'stale' });
      const notFound = counter.series({ result: 'not_found' });
      const failures = counter.series({ result: 'error' });
      this.#policyCache = {
        config,
        key,
        cache: new PolicyCache(config, {
          events: {
            hit: () => hits.inc(),
            miss: () => misses.inc(),
            stale: () => stale.inc(),
            notFound: () => notFound.inc(),
            error: (reason) => {
              failures.inc();
              this.logger.warn({ reason }, 'policy provider fetch failed');
            },
          },
        }),
      };
    } else {
      // A reload that left the provider's settings as they were keeps the cache and what it holds.
      this.#policyCache.config = config;
    }
    return this.#policyCache.cache;
  }

  async close(): Promise<void> {
    this.tenantRuleCache.close();
    this.preferences.close();
    await this.#sessions?.close();
    await this.ruleStore?.close();
  }
}
