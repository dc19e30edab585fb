import type { RequestFacts } from '../facts.ts';
import type { CompiledRule, ConditionTrace, RuleSource } from './compile.ts';

/**
 * The hot path: the first enabled rule, in the given (priority) order, whose conditions all hold.
 * Rules after it are never evaluated, so their expensive facts are never computed.
 */
export function firstMatch(rules: readonly CompiledRule[], facts: RequestFacts): CompiledRule | undefined {
  for (const rule of rules) {
    if (rule.enabled && rule.matches(facts)) return rule;
  }
  return undefined;
}

export interface RuleTrace {
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly source: RuleSource;
  readonly enforce: boolean;
  /** `disabled` rules are listed (the trace says why they did not decide) but not evaluated. */
  readonly outcome: 'matched' | 'not_matched' | 'disabled';
  readonly conditions: readonly ConditionTrace[];
}

/**
 * The debug trace of `firstMatch`: one record per rule, in order, up to and including the rule
 * that matches (all of them when none does). Plain data, safe to serialize.
 */
export function explainRules(rules: readonly CompiledRule[], facts: RequestFacts): RuleTrace[] {
  const traces: RuleTrace[] = [];
  for (const rule of rules) {
    const trace = explainOne(rule, facts);
    traces.push(trace);
    if (trace.outcome === 'matched') break;
  }
  return traces;
}

function explainOne(rule: CompiledRule, facts: RequestFacts): RuleTrace {
  const base = {
    id: rule.id,
    name: rule.name,
    priority: rule.priority,
    source: rule.source,
    enforce: rule.enforce,
  };
  if (!rule.enabled) return { ...base, outcome: 'disabled', conditions: [] };
  const explanation = rule.explain(facts);
  return {
    ...base,
    outcome: explanation.matched ? 'matched' : 'not_matched',
    conditions: explanation.conditions,
  };
}

/**
 * Merges two lists that are each already sorted by priority, in linear time, so the combined list
 * (the platform's static rules + a tenant's stored rules) is built when either changes, not per
 * request.
 *
 * On equal priority every rule of `first` goes before the rules of `second`. Pass the config's
 * static rules as `first`: they are the platform's, and a tenant must not be able to shadow a
 * platform rule by giving its own rule the same priority.
 */
export function mergeByPriority(
  first: readonly CompiledRule[],
  second: readonly CompiledRule[],
): CompiledRule[] {
  const merged: CompiledRule[] = [];
  let i = 0;
  let j = 0;
  while (i < first.length && j < second.length) {
    const a = first[i]!;
    const b = second[j]!;
    if (b.priority < a.priority) {
      merged.push(b);
      j++;
    } else {
      merged.push(a);
      i++;
    }
  }
  while (i < first.length) merged.push(first[i++]!);
  while (j < second.length) merged.push(second[j++]!);
  return merged;
}

/** Every field any of the rules reads: the snapshot computes only facts that appear here. */
export function fieldsRead(rules: readonly CompiledRule[]): ReadonlySet<string> {
  const fields = new Set<string>();
  for (const rule of rules) {
    for (const field of rule.reads) fields.add(field);
  }
  return fields;
}
