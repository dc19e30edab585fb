import type { Snapshot } from '../config/snapshot.ts';
import { errors, GatewayError } from '../errors.ts';
import { andThen, type Eventually } from '../eventually.ts';
import type { SessionCache } from '../stores/session-cache.ts';
import { type DecidedBy, type Decision, decision, type Trace, type TraceDetail } from './decision.ts';
import type { RequestFacts } from './facts.ts';
import { decideByModel } from './model-step.ts';
import type { CompiledPolicy, PreferenceRoute } from './policy/compile-policy.ts';
import type { HeaderBag } from './request-facts.ts';
import type { RoutingFields } from './routing-fields.ts';
import type { CompiledRule } from './rules/compile.ts';
import { explainRules } from './rules/evaluate.ts';
import type { RuleList } from './rules/rule-index.ts';
import { isImplicitSessionKey, pinnedTargets, sessionKey } from './steps/affinity.ts';
import { directBackendTarget } from './steps/direct-backend.ts';
import { targetsForAction } from './steps/rule-targets.ts';
import type { Target } from './target.ts';
import type { TenantRuleSet } from './tenant-rules.ts';

/**
 * The routing decision, in the order of DESIGN §2; the first step that yields targets wins:
 *   1. enforced rules  2. direct-backend header  3. session affinity
 *   4. the policy (inline > external provider > stored + static rules): rules → preference routes → default
 *   5. the requested model, else the configured default.
 * Every step records in the trace why it did or did not decide.
 */
export interface DecideInput {
  snapshot: Snapshot;
  facts: RequestFacts;
  headers: HeaderBag;
  /** The request body (OpenAI or Anthropic shape); read for an implicit session key. */
  body: Readonly<Record<string, unknown>>;
  fields: RoutingFields;
  /**
   * The chat messages, for the router model of preference routes. Absent for a request that is not
   * a chat (embeddings): preference routes name chat models, so they do not apply to it.
   */
  chatMessages?: () => unknown;
  /** How much of the trace to build. */
  traceDetail: TraceDetail;
}

export interface RoutingServices {
  tenantRules(snapshot: Snapshot, tenant: string): Eventually<TenantRuleSet>;
  /** Resolves step 4's policy from its sources; null when none beyond stored + static rules. */
  resolvePolicy(input: DecideInput, trace: Trace): Eventually<CompiledPolicy | null>;
  /** Picks a preference route with the router model; null when none fits or no router is set. */
  choosePreference(
    input: DecideInput,
    routes: readonly PreferenceRoute[],
    trace: Trace,
  ): Promise<PreferenceChoice | null>;
  sessions: SessionCache | null;
  /** A session store operation failed; affinity is skipped, the request goes on. */
  sessionStoreFailed(operation: 'get' | 'set', error: unknown): void;
}

export interface PreferenceChoice {
  route: PreferenceRoute;
  targets: readonly Target[];
}

export interface RoutedDecision extends Decision {
  /** Where to remember the served target for later turns; undefined when affinity does not apply. */
  sessionKey: string | undefined;
}

/**
 * Decides without waiting when every lookup answers at once (see `Eventually`): the tenant's
 * rules, the session and the policy are read from memory on almost every request.
 */
export function decide(input: DecideInput, services: RoutingServices): Eventually<RoutedDecision> {
  const trace: Trace = input.traceDetail === 'none' ? null : [];
  try {
    const decided = decideSteps(input, services, trace);
    return decided instanceof Promise ? decided.catch((error: unknown) => withTrace(error, trace)) : decided;
  } catch (error) {
    return withTrace(error, trace);
  }
}

function withTrace(error: unknown, trace: Trace): never {
  if (error instanceof GatewayError && trace) error.trace = trace;
  throw error;
}

/**
 * Field by field, not `{ ...d, sessionKey }`: extending a spread copy made a new hidden class on
 * every request (seen with `--log-maps`).
 */
function routed(d: Decision, key: string | undefined): RoutedDecision {
  return {
    decidedBy: d.decidedBy,
    targets: d.targets,
    rule: d.rule,
    route: d.route,
    policy: d.policy,
    trace: d.trace,
    sessionKey: key,
  };
}

function decideSteps(
  input: DecideInput,
  services: RoutingServices,
  trace: Trace,
): Eventually<RoutedDecision> {
  return andThen(services.tenantRules(input.snapshot, input.facts.tenantId), (tenantRules) =>
    enforcedDirectSession(input, services, trace, tenantRules),
  );
}

/** Steps 1-3; the policy's steps follow when none of them decides. */
function enforcedDirectSession(
  input: DecideInput,
  services: RoutingServices,
  trace: Trace,
  tenantRules: TenantRuleSet,
): Eventually<RoutedDecision> {
  const { snapshot, facts } = input;
  const key = sessionKey(snapshot, input.headers, facts.tenantId, input.body);

  // 1. Enforced rules: the platform's first, then the tenant's.
  const enforcedMatch = evaluateRules(tenantRules.enforced, input, trace, 'enforced_rules');
  if (enforcedMatch)
    return routed(ruleDecision(enforcedMatch, 'enforced_rule', input, trace, undefined), undefined);

  // 2. Direct-backend header.
  const direct = directBackendTarget(snapshot, input.headers, facts.model);
  if (direct) {
    trace?.push({
      step: 'direct_backend',
      decided: true,
      reason: `header ${snapshot.routing.directBackend.header} names ${direct.key}`,
    });
    return routed(decision('direct_backend', [direct], trace), undefined);
  }
  trace?.push({ step: 'direct_backend', decided: false, reason: 'header absent' });

  // 3. Session affinity.
  if (key && services.sessions) {
    return andThen(pinnedTargets(services.sessions, key, snapshot), (pinned) => {
      if (pinned.kind === 'unavailable') services.sessionStoreFailed('get', pinned.error);
      if (pinned.kind === 'pinned') {
        const which = isImplicitSessionKey(key) ? 'implicit session (hash of its opening)' : 'session';
        trace?.push({
          step: 'session',
          decided: true,
          reason: `${which} pinned to ${pinned.targets[0]?.key}`,
        });
        return routed(decision('session', pinned.targets, trace), key);
      }
      trace?.push({ step: 'session', decided: false, reason: SESSION_MISS[pinned.kind] });
      return policySteps(input, services, trace, tenantRules, key);
    });
  }
  trace?.push({
    step: 'session',
    decided: false,
    reason: snapshot.routing.affinity ? 'no session header' : 'affinity off',
  });
  return policySteps(input, services, trace, tenantRules, key);
}

/** Step 4 (the policy: its rules, preference routes, default) and step 5. */
function policySteps(
  input: DecideInput,
  services: RoutingServices,
  trace: Trace,
  tenantRules: TenantRuleSet,
  key: string | undefined,
): Eventually<RoutedDecision> {
  return andThen(services.resolvePolicy(input, trace), (policy) => {
    const rules = policy ? policy.rules : tenantRules.normal;
    const ruleMatch = evaluateRules(rules, input, trace, policy ? `policy_rules (${policy.id})` : 'rules');
    if (ruleMatch) return routed(ruleDecision(ruleMatch, 'rule', input, trace, policy), key);

    const routes = policy ? policy.preferences : input.snapshot.routing.preferences;
    if (routes.length === 0) {
      trace?.push({ step: 'preferences', decided: false, reason: 'no preference routes' });
      return defaults(input, trace, policy, key);
    }
    return andThen(services.choosePreference(input, routes, trace), (choice) =>
      choice
        ? routed(
            decision('preference', choice.targets, trace, {
              route: choice.route.name,
              policy: policyRef(policy),
            }),
            key,
          )
        : defaults(input, trace, policy, key),
    );
  });
}

/** The policy's default, else step 5: the requested model, else the configured default. */
function defaults(
  input: DecideInput,
  trace: Trace,
  policy: CompiledPolicy | null,
  key: string | undefined,
): RoutedDecision {
  if (policy?.defaultTargets) {
    trace?.push({ step: 'policy_default', decided: true, reason: `default of policy ${policy.id}` });
    return routed(
      decision('policy_default', policy.defaultTargets, trace, { policy: policyRef(policy) }),
      key,
    );
  }
  return routed(decideByModel(input.snapshot, input.facts.model, trace), key);
}

const SESSION_MISS = {
  none: 'no pinned target for this session yet',
  stale: 'pinned targets are no longer configured',
  unavailable: 'session store unavailable; affinity skipped',
} as const;

function evaluateRules(
  list: RuleList,
  input: DecideInput,
  trace: Trace,
  step: string,
): CompiledRule | undefined {
  const { rules } = list;
  if (rules.length === 0) {
    trace?.push({ step, decided: false, reason: 'no rules' });
    return undefined;
  }
  const match = list.firstMatch(input.facts);
  const details = input.traceDetail === 'rules' ? explainRules(rules, input.facts) : undefined;
  trace?.push({
    step,
    decided: match !== undefined,
    reason: match ? `rule "${match.name}" matched` : `none of ${rules.length} rules matched`,
    ...(details ? { details } : {}),
  });
  return match;
}

function ruleDecision(
  rule: CompiledRule,
  decidedBy: DecidedBy,
  input: DecideInput,
  trace: Trace,
  policy: CompiledPolicy | null | undefined,
): Decision {
  if (rule.action.kind === 'reject') throw errors.rejectedByRule(rule.action.message);
  const targets = targetsForAction(rule.action, rule.name, input.facts.model, input.snapshot);
  return decision(decidedBy, targets, trace, {
    rule: { id: rule.id, name: rule.name },
    policy: policyRef(policy),
  });
}

function policyRef(policy: CompiledPolicy | null | undefined): Decision['policy'] {
  return policy ? { id: policy.id, revision: policy.revision, source: policy.source } : undefined;
}
