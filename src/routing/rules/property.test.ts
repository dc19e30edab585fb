import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SENSITIVITY_LEVELS, type SensitivityLevel } from '../../inspect/sensitivity.ts';
import { type CompileContext, compileRule, compileRules } from './compile.ts';
import { explainRules, firstMatch, mergeByPriority } from './evaluate.ts';
import { type FakeFactsInit, fakeFacts } from './fake-facts.ts';
import type { ConditionSpec, ConditionValue, RuleSpec } from './schema.ts';

/*
 * The compiled evaluator against a deliberately naive interpreter of the documented semantics,
 * over random valid rules and random facts.
 */

const ctx: CompileContext = { knownProviders: new Set(['openai']), source: 'config' };

// ── the reference interpreter ──────────────────────────────────────────────────────────────

interface Facts {
  readonly tenantId: string;
  readonly userId?: string;
  readonly userRole?: string;
  readonly userDepartment?: string;
  readonly model?: string;
  readonly useCase?: string;
  readonly stream: boolean;
  readonly hasTools: boolean;
  readonly tokenEstimate: number;
  readonly sensitivity: SensitivityLevel;
  readonly headers: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, unknown>>;
}

function referenceValue(field: string, facts: Facts): unknown {
  if (field.startsWith('request.header.')) return facts.headers[field.slice(15).toLowerCase()];
  if (field.startsWith('request.metadata.')) return facts.metadata[field.slice(17)];
  const plain: Record<string, unknown> = {
    'user.id': facts.userId,
    'user.role': facts.userRole,
    'user.department': facts.userDepartment,
    'tenant.id': facts.tenantId,
    'request.model': facts.model,
    'request.use_case': facts.useCase,
    'request.stream': facts.stream,
    'request.has_tools': facts.hasTools,
    'request.token_estimate': facts.tokenEstimate,
    'request.sensitivity': facts.sensitivity,
  };
  return plain[field];
}

function referenceNumber(field: string, value: unknown): number | undefined {
  if (field === 'request.sensitivity') {
    const rank = (SENSITIVITY_LEVELS as readonly unknown[]).indexOf(value);
    return rank < 0 ? undefined : rank;
  }
  if (field.startsWith('request.header.')) {
    if (typeof value !== 'string' || !/^-?[0-9]+(\.[0-9]+)?$/.test(value.trim())) return undefined;
    return Number.parseFloat(value);
  }
  return typeof value === 'number' ? value : undefined;
}

function referenceHolds(condition: ConditionSpec, facts: Facts): boolean {
  const actual = referenceValue(condition.field, facts);
  const expected = condition.value;
  switch (condition.operator) {
    case 'eq':
      return actual === expected;
    case 'neq':
      return actual !== expected;
    case 'in':
      return (expected as unknown[]).includes(actual);
    case 'nin':
      return !(expected as unknown[]).includes(actual);
    case 'contains':
      if (typeof actual === 'string') return actual.indexOf(expected as string) >= 0;
      return Array.isArray(actual) && actual.some((element) => element === expected);
    case 'matches':
      return typeof actual === 'string' && new RegExp(expected as string).test(actual);
    case 'exists':
      return (actual !== undefined && actual !== null) === (expected ?? true);
  }
  const a = referenceNumber(condition.field, actual);
  // The operand is a level name for sensitivity and a number everywhere else.
  const b = condition.field === 'request.sensitivity' ? referenceNumber(condition.field, expected) : expected;
  if (a === undefined || typeof b !== 'number') return false;
  if (condition.operator === 'gt') return a > b;
  if (condition.operator === 'gte') return a >= b;
  if (condition.operator === 'lt') return a < b;
  return a <= b;
}

function referenceConditions(rule: RuleSpec): ConditionSpec[] {
  const scope: ConditionSpec[] =
    rule.tenant_id === undefined ? [] : [{ field: 'tenant.id', operator: 'eq', value: rule.tenant_id }];
  return [...scope, ...rule.conditions];
}

function referenceMatches(rule: RuleSpec, facts: Facts): boolean {
  return referenceConditions(rule).every((condition) => referenceHolds(condition, facts));
}

function referenceFirstMatch(rules: readonly RuleSpec[], facts: Facts): RuleSpec | undefined {
  const ordered = rules
    .map((rule, index) => ({ rule, index }))
    .sort((x, y) => x.rule.priority - y.rule.priority || x.index - y.index)
    .map((entry) => entry.rule);
  return ordered.find((rule) => rule.enabled && referenceMatches(rule, facts));
}

/** How many times a lazy field is read when rules are evaluated in order with short-circuiting. */
function referenceReads(rules: readonly RuleSpec[], facts: Facts, field: string): number {
  let reads = 0;
  const ordered = [...rules].sort((x, y) => x.priority - y.priority);
  for (const rule of ordered) {
    if (!rule.enabled) continue;
    let matched = true;
    for (const condition of referenceConditions(rule)) {
      if (condition.field === field) reads++;
      if (!referenceHolds(condition, facts)) {
        matched = false;
        break;
      }
    }
    if (matched) return reads;
  }
  return reads;
}

// ── generators ─────────────────────────────────────────────────────────────────────────────

const words = fc.constantFrom('a', 'b', 'ab', 'ba', '', 'gold');
const numbers = fc.constantFrom(-1, 0, 1, 2.5, 5, 100, 101);
const levels = fc.constantFrom(...SENSITIVITY_LEVELS);
const patterns = fc.constantFrom('^a', 'b$', '^(a|b)$', '^ab', 'a', '^$', '^go+ld$');
const scalars = fc.oneof(words, numbers, fc.boolean());
const listOf = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 1, maxLength: 3 });
const ordering = fc.constantFrom('gt', 'gte', 'lt', 'lte' as const);

type Kind = 'text' | 'header' | 'metadata' | 'number' | 'level' | 'flag';
const FIELDS: ReadonlyArray<readonly [string, Kind]> = [
  ['user.id', 'text'],
  ['user.role', 'text'],
  ['user.department', 'text'],
  ['tenant.id', 'text'],
  ['request.model', 'text'],
  ['request.use_case', 'text'],
  ['request.header.x-a', 'header'],
  ['request.header.X-A', 'header'],
  ['request.header.x-b', 'header'],
  ['request.metadata.m', 'metadata'],
  ['request.metadata.n', 'metadata'],
  ['request.token_estimate', 'number'],
  ['request.sensitivity', 'level'],
  ['request.stream', 'flag'],
  ['request.has_tools', 'flag'],
];

function condition(
  field: string,
  operator: ConditionSpec['operator'],
  value?: ConditionValue,
): ConditionSpec {
  return value === undefined ? { field, operator } : { field, operator, value };
}

function conditionFor(field: string, kind: Kind): fc.Arbitrary<ConditionSpec> {
  const c = (operator: ConditionSpec['operator']) => (value?: ConditionValue) =>
    condition(field, operator, value);
  const exists = fc.option(fc.boolean(), { nil: undefined }).map(c('exists'));
  const textLike = [
    words.map(c('eq')),
    words.map(c('neq')),
    listOf(words).map(c('in')),
    listOf(words).map(c('nin')),
    words.map(c('contains')),
    patterns.map(c('matches')),
    exists,
  ];
  const orderedBy = <T extends ConditionValue>(arb: fc.Arbitrary<T>) =>
    fc.tuple(ordering, arb).map(([operator, value]) => condition(field, operator, value));
  switch (kind) {
    case 'text':
      return fc.oneof(...textLike);
    case 'header':
      return fc.oneof(...textLike, orderedBy(numbers));
    case 'metadata':
      return fc.oneof(
        scalars.map(c('eq')),
        scalars.map(c('neq')),
        listOf(scalars).map(c('in')),
        listOf(scalars).map(c('nin')),
        orderedBy(numbers),
        words.map(c('contains')),
        patterns.map(c('matches')),
        exists,
      );
    case 'number':
      return fc.oneof(
        numbers.map(c('eq')),
        numbers.map(c('neq')),
        listOf(numbers).map(c('in')),
        listOf(numbers).map(c('nin')),
        orderedBy(numbers),
      );
    case 'level':
      return fc.oneof(
        levels.map(c('eq')),
        levels.map(c('neq')),
        listOf(levels).map(c('in')),
        listOf(levels).map(c('nin')),
        orderedBy(levels),
      );
    case 'flag':
      return fc.oneof(fc.boolean().map(c('eq')), fc.boolean().map(c('neq')));
  }
}

const conditions = fc.constantFrom(...FIELDS).chain(([field, kind]) => conditionFor(field, kind));

const ruleSpecs = fc
  .array(
    fc.record({
      priority: fc.integer({ min: 0, max: 4 }),
      enabled: fc.boolean(),
      tenant: fc.option(fc.constantFrom('acme', 'globex'), { nil: undefined }),
      conditions: fc.array(conditions, { maxLength: 4 }),
    }),
    { maxLength: 8 },
  )
  .map((drafts) =>
    drafts.map(
      (draft, index): RuleSpec => ({
        name: `rule-${index}`,
        priority: draft.priority,
        enabled: draft.enabled,
        enforce: false,
        conditions: draft.conditions,
        action: { provider: 'openai' },
        ...(draft.tenant === undefined ? {} : { tenant_id: draft.tenant }),
      }),
    ),
  );

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const headerValues = fc.oneof(words, fc.constantFrom('0', '1', '2.5', '-1', '100', ' 5 ', 'x1', '0x10'));
const metadataValues = fc.oneof(
  scalars,
  fc.constant(null),
  fc.array(words, { maxLength: 3 }),
  fc.constant({ a: 1 }),
);

const facts: fc.Arbitrary<Facts> = fc.record({
  tenantId: fc.constantFrom('acme', 'globex', 'a'),
  userId: maybe(words),
  userRole: maybe(words),
  userDepartment: maybe(words),
  model: maybe(fc.oneof(words, fc.constantFrom('gold', 'goooold'))),
  useCase: maybe(words),
  stream: fc.boolean(),
  hasTools: fc.boolean(),
  tokenEstimate: numbers,
  sensitivity: levels,
  headers: fc.dictionary(fc.constantFrom('x-a', 'x-b'), headerValues, { maxKeys: 2 }),
  metadata: fc.dictionary(fc.constantFrom('m', 'n'), metadataValues, { maxKeys: 2 }),
});

function toFake(data: Facts): ReturnType<typeof fakeFacts> {
  const init: FakeFactsInit = data;
  return fakeFacts(init);
}

// ── properties ─────────────────────────────────────────────────────────────────────────────

const RUNS = { numRuns: 400 };

describe('compiled rules agree with the reference interpreter', () => {
  it('matches and explain agree per rule', () => {
    fc.assert(
      fc.property(ruleSpecs, facts, (specs, data) => {
        for (const spec of specs) {
          const compiled = compileRule(spec, ctx);
          const expected = referenceMatches(spec, data);
          expect(compiled.matches(toFake(data))).toBe(expected);
          const explanation = compiled.explain(toFake(data));
          expect(explanation.matched).toBe(expected);
          expect(explanation.conditions.map((c) => c.passed)).toEqual(
            referenceConditions(spec).map((c) => referenceHolds(c, data)),
          );
        }
      }),
      RUNS,
    );
  });

  it('firstMatch and explainRules agree with the reference first match', () => {
    fc.assert(
      fc.property(ruleSpecs, facts, (specs, data) => {
        const { rules, errors } = compileRules(specs, ctx);
        expect(errors).toEqual([]);
        const expected = referenceFirstMatch(specs, data)?.name;
        expect(firstMatch(rules, toFake(data))?.name).toBe(expected);
        const trace = explainRules(rules, toFake(data));
        const matched = trace.filter((t) => t.outcome === 'matched');
        expect(matched.map((t) => t.name)).toEqual(expected === undefined ? [] : [expected]);
        if (expected !== undefined) expect(trace.at(-1)?.name).toBe(expected);
        else expect(trace).toHaveLength(rules.length);
      }),
      RUNS,
    );
  });

  it('reads lazy fields exactly as often as short-circuit evaluation requires', () => {
    fc.assert(
      fc.property(ruleSpecs, facts, (specs, data) => {
        const { rules } = compileRules(specs, ctx);
        const fake = toFake(data);
        firstMatch(rules, fake);
        expect(fake.calls.sensitivity).toBe(referenceReads(specs, data, 'request.sensitivity'));
        expect(fake.calls.tokenEstimate).toBe(referenceReads(specs, data, 'request.token_estimate'));
      }),
      RUNS,
    );
  });

  it('mergeByPriority equals a stable sort of first then second', () => {
    fc.assert(
      fc.property(ruleSpecs, ruleSpecs, (a, b) => {
        const first = compileRules(a, ctx).rules;
        const second = compileRules(
          b.map((spec) => ({ ...spec, name: `second-${spec.name}` })),
          { ...ctx, source: 'store' },
        ).rules;
        const expected = [...first, ...second].sort((x, y) => x.priority - y.priority);
        expect(mergeByPriority(first, second)).toEqual(expected);
      }),
      RUNS,
    );
  });
});
