import type { RequestFacts } from '../facts.ts';
import { type CompiledAction, compileAction } from './action.ts';
import { type CompiledCondition, compileCondition } from './conditions.ts';
import { RuleError, type RuleProblem } from './errors.ts';
import type { Operator } from './operators.ts';
import { type ConditionValue, parseRuleSpec, type RuleSpec, type RuleSpecInput } from './schema.ts';

/** Where a rule came from; carried into the decision record. */
export type RuleSource = 'config' | 'store' | 'policy' | 'inline';

export interface CompileContext {
  readonly knownProviders: ReadonlySet<string>;
  readonly source: RuleSource;
}

export interface ConditionTrace {
  readonly field: string;
  readonly operator: Operator;
  readonly expected: ConditionValue;
  readonly actual: unknown;
  readonly passed: boolean;
}

export interface RuleExplanation {
  readonly matched: boolean;
  readonly conditions: readonly ConditionTrace[];
}

export interface CompiledRule {
  /** The rule's `id`, or its `name` when it has none (rules written in the config). */
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  /** A rule with a tenant only matches that tenant's requests (see `compileRule`). */
  readonly tenantId?: string;
  readonly priority: number;
  readonly enabled: boolean;
  readonly enforce: boolean;
  readonly action: CompiledAction;
  readonly source: RuleSource;
  /** Canonical names of the fields the conditions read, so unread expensive facts are never computed. */
  readonly reads: ReadonlySet<string>;
  /** The compiled conditions, in evaluation order (read by the rule index to skip rules fast). */
  readonly conditions: readonly CompiledCondition[];
  /** The hot path: conditions in order, stopping at the first that fails. Ignores `enabled`. */
  matches(facts: RequestFacts): boolean;
  /** For the debug trace: evaluates every condition, even after one fails. */
  explain(facts: RequestFacts): RuleExplanation;
}

/**
 * Validates and compiles one rule, throwing a RuleError that lists every problem found.
 *
 * The input is validated against the schema again (with defaults applied) so that rules built in
 * code or read from a store get the same guarantees as rules from the config file.
 *
 * A rule with `tenant_id` gets an implicit first condition `tenant.id eq <tenant_id>`: a rule
 * written for one tenant must never route another tenant's traffic, wherever it is loaded from.
 */
export function compileRule(input: RuleSpecInput, ctx: CompileContext): CompiledRule {
  const spec = parseRuleSpec(input);
  const problems: RuleProblem[] = [];
  const conditions: CompiledCondition[] = [];
  if (spec.tenant_id !== undefined) {
    const scope = { field: 'tenant.id', operator: 'eq', value: spec.tenant_id } as const;
    const compiled = compileCondition(scope, 'tenant_id', problems);
    if (compiled !== undefined) conditions.push(compiled);
  }
  spec.conditions.forEach(function compileEach(condition, index) {
    const compiled = compileCondition(condition, `conditions[${index}]`, problems);
    if (compiled !== undefined) conditions.push(compiled);
  });
  const action = compileAction(spec.action, ctx.knownProviders, problems);
  if (problems.length > 0 || action === undefined) throw new RuleError(spec.name, problems);
  return buildRule(spec, action, conditions, ctx);
}

function buildRule(
  spec: RuleSpec,
  action: CompiledAction,
  conditions: readonly CompiledCondition[],
  ctx: CompileContext,
): CompiledRule {
  const rule: CompiledRule = {
    id: spec.id ?? spec.name,
    name: spec.name,
    priority: spec.priority,
    enabled: spec.enabled,
    enforce: spec.enforce,
    action,
    source: ctx.source,
    reads: new Set(conditions.map((c) => c.field)),
    conditions,
    matches: buildMatcher(conditions.map((c) => c.holds)),
    explain: buildExplainer(conditions),
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.tenant_id === undefined ? {} : { tenantId: spec.tenant_id }),
  };
  return Object.freeze(rule);
}

function buildMatcher(predicates: readonly ((facts: RequestFacts) => boolean)[]): CompiledRule['matches'] {
  if (predicates.length === 0) {
    return function matchesEverything() {
      return true;
    };
  }
  return function matchesAll(facts) {
    for (const holds of predicates) {
      if (!holds(facts)) return false;
    }
    return true;
  };
}

function buildExplainer(conditions: readonly CompiledCondition[]): CompiledRule['explain'] {
  return function explain(facts) {
    const traces = conditions.map(function trace(condition): ConditionTrace {
      const actual = condition.read(facts);
      return {
        field: condition.field,
        operator: condition.operator,
        expected: condition.expected,
        actual,
        passed: condition.test(actual),
      };
    });
    return { matched: traces.every((t) => t.passed), conditions: traces };
  };
}

export interface CompileResult {
  /** The rules that compiled, sorted by priority ascending; ties keep their input order. */
  readonly rules: readonly CompiledRule[];
  /** One error per refused rule. Callers decide: the config loader refuses the whole snapshot. */
  readonly errors: readonly RuleError[];
}

/**
 * Compiles a list of rules, collecting every refused rule rather than stopping at the first, so a
 * config with three bad rules is reported in one pass. Two rules with the same id are a mistake
 * (the decision record could not say which one decided); the later one is refused.
 */
export function compileRules(specs: readonly RuleSpecInput[], ctx: CompileContext): CompileResult {
  const rules: CompiledRule[] = [];
  const errors: RuleError[] = [];
  const ids = new Set<string>();
  for (const spec of specs) {
    const compiled = tryCompile(spec, ctx, errors);
    if (compiled === undefined) continue;
    if (ids.has(compiled.id)) {
      const path = spec.id === undefined ? 'name' : 'id';
      const message = `another rule already has id "${compiled.id}" (a rule without an id uses its name)`;
      errors.push(new RuleError(compiled.name, [{ path, message }]));
      continue;
    }
    ids.add(compiled.id);
    rules.push(compiled);
  }
  // Array.prototype.sort is stable, so equal priorities keep their input order.
  rules.sort(byPriority);
  return { rules, errors };
}

function tryCompile(spec: RuleSpecInput, ctx: CompileContext, errors: RuleError[]): CompiledRule | undefined {
  try {
    return compileRule(spec, ctx);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    errors.push(error);
    return undefined;
  }
}

export function byPriority(a: CompiledRule, b: CompiledRule): number {
  return a.priority - b.priority;
}
