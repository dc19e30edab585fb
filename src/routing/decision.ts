import type { Target } from './target.ts';

/**
 * The routing decision for one request (DESIGN §2): which step decided, the ordered targets
 * (primary first, then fallbacks), what stood behind it, and a trace of every step consulted.
 */
export type DecidedBy =
  | 'enforced_rule'
  | 'direct_backend'
  | 'session'
  | 'rule'
  | 'preference'
  | 'policy_default'
  | 'model'
  | 'alias'
  | 'default';

export interface TraceStep {
  step: string;
  decided: boolean;
  reason: string;
  details?: unknown;
}

export interface PolicyRef {
  id: string;
  revision: number | undefined;
  source: 'inline' | 'provider' | 'provider_stale' | 'stored';
}

export interface Decision {
  decidedBy: DecidedBy;
  targets: readonly Target[];
  rule: { id: string | undefined; name: string } | undefined;
  route: string | undefined;
  policy: PolicyRef | undefined;
  trace: TraceStep[];
}

export function decision(
  decidedBy: DecidedBy,
  targets: readonly Target[],
  trace: TraceStep[],
  extra: Partial<Pick<Decision, 'rule' | 'route' | 'policy'>> = {},
): Decision {
  return { decidedBy, targets, rule: extra.rule, route: extra.route, policy: extra.policy, trace };
}
