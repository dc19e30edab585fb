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

/**
 * How much of the decision's trace is built: none on the proxy path, where nobody reads it; each
 * step's outcome for `POST /v1/route`; that and each rule's conditions for the explain endpoint and
 * debug logging.
 */
export type TraceDetail = 'none' | 'steps' | 'rules';

/**
 * Where the steps record why they did or did not decide; null when the detail is `none`, and then
 * the steps build no records at all (`trace?.push(…)` evaluates nothing when there is no trace).
 */
export type Trace = TraceStep[] | null;

/** The trace of a decision made without one. */
const NO_TRACE: readonly TraceStep[] = Object.freeze([]);

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
  /** Every step consulted, in order; empty when it was decided with trace detail `none`. */
  trace: readonly TraceStep[];
}

export function decision(
  decidedBy: DecidedBy,
  targets: readonly Target[],
  trace: Trace,
  extra: Partial<Pick<Decision, 'rule' | 'route' | 'policy'>> = {},
): Decision {
  return {
    decidedBy,
    targets,
    rule: extra.rule,
    route: extra.route,
    policy: extra.policy,
    trace: trace ?? NO_TRACE,
  };
}
