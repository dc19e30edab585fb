import type { SwitchyardConfig } from '../config/schema.ts';
import type { SensitivityLevel } from '../inspect/sensitivity.ts';
import type { PreferenceRoute } from './policy/compile-policy.ts';
import type { PolicyProviderConfig } from './policy/provider-config.ts';
import type { RouterRuntime } from './preferences/compile-router.ts';
import type { PriceListConfig } from './preferences/config.ts';
import type { RuleList } from './rules/rule-index.ts';

/**
 * The routing part of a snapshot: everything the decision pipeline needs, compiled once per config
 * load. `null` marks a feature that is off, so the request path only tests for null (STYLE §6).
 */
export interface DirectBackendRuntime {
  readonly header: string;
  /** Providers or `provider/model` keys the header may name; null when the header is disabled. */
  readonly allowed: ReadonlySet<string> | null;
}

export interface AffinityRuntime {
  readonly header: string;
  readonly ttlSeconds: number;
  /** Without the header, key the session by a hash of the conversation's opening (off by default). */
  readonly implicit: boolean;
}

export interface RoutingRuntime {
  /** Static rules with `enforce: true`: step 1, before anything a client can influence. */
  readonly enforcedRules: RuleList;
  /** The remaining static rules, merged with each tenant's stored rules at step 4. */
  readonly staticRules: RuleList;
  readonly preferences: readonly PreferenceRoute[];
  readonly directBackend: DirectBackendRuntime;
  readonly affinity: AffinityRuntime | null;
  /** Inline policies: the most bytes a request's routing fields may take; null when not allowed. */
  readonly inlineMaxBytes: number | null;
  readonly policyProvider: PolicyProviderConfig | null;
  /** The router model for preference routes; null when none is configured. */
  readonly router: RouterRuntime | null;
  readonly priceList: PriceListConfig | null;
  readonly useCaseHeader: string;
  /** The least sensitivity of a request carrying media the PII scan cannot read. */
  readonly mediaSensitivity: SensitivityLevel;
}

export type RoutingConfig = SwitchyardConfig['routing'];
