import type { RequestFacts } from '../facts.ts';
import type { CompiledRule } from './compile.ts';
import type { FieldReader } from './fields.ts';

/**
 * A priority-ordered rule list with a first-match lookup that does not touch every rule.
 *
 * Most large rule sets discriminate on one identity field (`user.department eq finance`,
 * `request.model in [...]`). The index picks the field with the most distinct `eq`/`in` values,
 * maps each value to the positions of the rules that require it, and at request time walks only
 * those positions merged with the rules that do not constrain the field — in priority order, so
 * the first match is exactly the one a plain scan would find (a property test checks this).
 */
export interface RuleList {
  readonly rules: readonly CompiledRule[];
  firstMatch(facts: RequestFacts): CompiledRule | undefined;
}

/** Below this size a plain scan is as fast as the index. */
const INDEX_THRESHOLD = 32;
const INDEXABLE_FIELDS = [
  'user.department',
  'user.role',
  'user.id',
  'tenant.id',
  'request.model',
  'request.use_case',
];

export function ruleList(rules: readonly CompiledRule[]): RuleList {
  if (rules.length < INDEX_THRESHOLD) return { rules, firstMatch: (facts) => scan(rules, facts) };
  const index = buildIndex(rules);
  if (!index) return { rules, firstMatch: (facts) => scan(rules, facts) };
  return { rules, firstMatch: (facts) => indexedFirstMatch(rules, index, facts) };
}

function scan(rules: readonly CompiledRule[], facts: RequestFacts): CompiledRule | undefined {
  for (const rule of rules) {
    if (rule.enabled && rule.matches(facts)) return rule;
  }
  return undefined;
}

interface Index {
  readonly read: FieldReader;
  /** Rule positions (ascending) that can only match when the field has this value. */
  readonly byValue: ReadonlyMap<string, readonly number[]>;
  /** Rule positions (ascending) that do not constrain the field. */
  readonly unconstrained: readonly number[];
}

/** The values a rule requires of `field` (from its first eq/in condition on it), or null. */
function requiredValues(rule: CompiledRule, field: string): readonly string[] | null {
  for (const condition of rule.conditions) {
    if (condition.field !== field) continue;
    if (condition.operator === 'eq' && typeof condition.expected === 'string') return [condition.expected];
    if (
      condition.operator === 'in' &&
      Array.isArray(condition.expected) &&
      condition.expected.every((v) => typeof v === 'string')
    ) {
      return condition.expected as string[];
    }
  }
  return null;
}

function buildIndex(rules: readonly CompiledRule[]): Index | null {
  let best: { field: string; distinct: number } | null = null;
  for (const field of INDEXABLE_FIELDS) {
    const distinct = new Set<string>();
    for (const rule of rules) for (const value of requiredValues(rule, field) ?? []) distinct.add(value);
    if (distinct.size > 1 && (!best || distinct.size > best.distinct))
      best = { field, distinct: distinct.size };
  }
  if (!best) return null;
  const field = best.field;
  let read: FieldReader | undefined;
  const byValue = new Map<string, number[]>();
  const unconstrained: number[] = [];
  rules.forEach((rule, position) => {
    const values = requiredValues(rule, field);
    if (!values) {
      unconstrained.push(position);
      return;
    }
    read ??= rule.conditions.find((c) => c.field === field)?.read;
    for (const value of new Set(values)) {
      const positions = byValue.get(value) ?? [];
      positions.push(position);
      byValue.set(value, positions);
    }
  });
  return read ? { read, byValue, unconstrained } : null;
}

function indexedFirstMatch(
  rules: readonly CompiledRule[],
  index: Index,
  facts: RequestFacts,
): CompiledRule | undefined {
  const value = index.read(facts);
  const candidates = typeof value === 'string' ? (index.byValue.get(value) ?? NONE) : NONE;
  const others = index.unconstrained;
  let i = 0;
  let j = 0;
  while (i < candidates.length || j < others.length) {
    const a = candidates[i] ?? Number.POSITIVE_INFINITY;
    const b = others[j] ?? Number.POSITIVE_INFINITY;
    let position: number;
    if (a < b) {
      position = a;
      i++;
    } else {
      position = b;
      j++;
    }
    const rule = rules[position] as CompiledRule;
    if (rule.enabled && rule.matches(facts)) return rule;
  }
  return undefined;
}

const NONE: readonly number[] = [];
