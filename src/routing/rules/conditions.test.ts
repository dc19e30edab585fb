import { describe, expect, it } from 'vitest';
import { type CompiledRule, compileRule } from './compile.ts';
import { type FakeFactsInit, fakeFacts } from './fake-facts.ts';
import type { ConditionSpec, RuleSpecInput } from './schema.ts';

const ctx = { knownProviders: new Set(['openai', 'claude', 'onprem']), source: 'config' } as const;

function ruleWith(condition: ConditionSpec): CompiledRule {
  return compileRule({ name: 'under-test', conditions: [condition], action: { provider: 'openai' } }, ctx);
}

interface Row {
  readonly field: string;
  readonly operator: ConditionSpec['operator'];
  readonly value?: ConditionSpec['value'];
  readonly facts: FakeFactsInit;
  readonly expected: boolean;
}

function row(
  field: string,
  operator: ConditionSpec['operator'],
  value: ConditionSpec['value'],
  facts: FakeFactsInit,
  expected: boolean,
): Row {
  return value === undefined
    ? { field, operator, facts, expected }
    : { field, operator, value, facts, expected };
}

function describeRow(r: Row): string {
  return `${r.field} ${r.operator} ${JSON.stringify(r.value)} on ${JSON.stringify(r.facts)} → ${r.expected}`;
}

/** The string fields and how to set each in the facts. */
const TEXT_FIELDS: ReadonlyArray<readonly [string, (v: string) => FakeFactsInit]> = [
  ['user.id', (v) => ({ userId: v })],
  ['user.role', (v) => ({ userRole: v })],
  ['user.department', (v) => ({ userDepartment: v })],
  ['tenant.id', (v) => ({ tenantId: v })],
  ['request.model', (v) => ({ model: v })],
  ['request.use_case', (v) => ({ useCase: v })],
  ['request.header.x-team', (v) => ({ headers: { 'x-team': v } })],
];

/** String operators, shared by the identity fields, request strings and headers. */
function stringRows(field: string, set: (v: string) => FakeFactsInit, canBeAbsent: boolean): Row[] {
  const rows = [
    row(field, 'eq', 'apple', set('apple'), true),
    row(field, 'eq', 'apple', set('Apple'), false),
    row(field, 'neq', 'apple', set('pear'), true),
    row(field, 'neq', 'apple', set('apple'), false),
    row(field, 'in', ['apple', 'pear'], set('pear'), true),
    row(field, 'in', ['apple', 'pear'], set('plum'), false),
    row(field, 'nin', ['apple', 'pear'], set('plum'), true),
    row(field, 'nin', ['apple', 'pear'], set('apple'), false),
    row(field, 'contains', 'pp', set('apple'), true),
    row(field, 'contains', 'pp', set('pear'), false),
    row(field, 'matches', '^ap+le$', set('apple'), true),
    row(field, 'matches', '^ap+le$', set('pineapple'), false),
    row(field, 'matches', 'le$', set('pineapple'), true),
    row(field, 'exists', undefined, set('apple'), true),
    row(field, 'exists', true, set('apple'), true),
    row(field, 'exists', false, set('apple'), false),
  ];
  if (!canBeAbsent) return rows;
  return [
    ...rows,
    row(field, 'eq', 'apple', {}, false),
    // neq/nin are negations of eq/in: an absent value is "not equal".
    row(field, 'neq', 'apple', {}, true),
    row(field, 'in', ['apple'], {}, false),
    row(field, 'nin', ['apple'], {}, true),
    row(field, 'contains', 'a', {}, false),
    row(field, 'matches', '^a', {}, false),
    row(field, 'exists', undefined, {}, false),
    row(field, 'exists', false, {}, true),
  ];
}

const header = (v: string): FakeFactsInit => ({ headers: { 'x-budget': v } });
const meta = (v: unknown): FakeFactsInit => ({ metadata: { tier: v } });
const tokens = (n: number): FakeFactsInit => ({ tokenEstimate: n });

const ROWS: Row[] = [
  ...TEXT_FIELDS.flatMap(([field, set]) => stringRows(field, set, field !== 'tenant.id')),

  // Headers: ordering operators read the value as a plain decimal number.
  row('request.header.x-budget', 'gt', 5, header('7'), true),
  row('request.header.x-budget', 'gt', 5, header('5'), false),
  row('request.header.x-budget', 'gte', 5, header('5'), true),
  row('request.header.x-budget', 'gte', 5, header('4.99'), false),
  row('request.header.x-budget', 'lt', 5, header('4.5'), true),
  row('request.header.x-budget', 'lt', 5, header('-1'), true),
  row('request.header.x-budget', 'lt', 5, header('5'), false),
  row('request.header.x-budget', 'lte', 5, header(' 5 '), true),
  row('request.header.x-budget', 'lte', 5, header('6'), false),
  row('request.header.x-budget', 'gt', 0, header('abc'), false),
  row('request.header.x-budget', 'lt', 1, header(''), false),
  row('request.header.x-budget', 'gt', 1, header('0x10'), false),
  row('request.header.x-budget', 'gt', 1, header('Infinity'), false),
  row('request.header.x-budget', 'lt', 1, {}, false),
  // Header names are case-insensitive: the rule's name is lower-cased once, at compile time.
  row('request.header.X-Team', 'eq', 'blue', { headers: { 'x-team': 'blue' } }, true),

  // Metadata: any JSON type; operators apply only to values of the right type.
  row('request.metadata.tier', 'eq', 'gold', meta('gold'), true),
  row('request.metadata.tier', 'eq', 5, meta(5), true),
  row('request.metadata.tier', 'eq', 5, meta('5'), false),
  row('request.metadata.tier', 'eq', true, meta(true), true),
  row('request.metadata.tier', 'eq', 'gold', {}, false),
  row('request.metadata.tier', 'neq', 5, meta('5'), true),
  row('request.metadata.tier', 'neq', 5, meta(5), false),
  row('request.metadata.tier', 'neq', 5, {}, true),
  row('request.metadata.tier', 'in', [1, 'a', true], meta(1), true),
  row('request.metadata.tier', 'in', [1, 'a', true], meta('a'), true),
  row('request.metadata.tier', 'in', [1, 'a', true], meta(true), true),
  row('request.metadata.tier', 'in', [1, 'a', true], meta('1'), false),
  row('request.metadata.tier', 'in', ['a'], meta(['a']), false),
  row('request.metadata.tier', 'nin', [1, 'a'], meta(2), true),
  row('request.metadata.tier', 'nin', [1, 'a'], meta(1), false),
  row('request.metadata.tier', 'gt', 10, meta(11), true),
  row('request.metadata.tier', 'gt', 10, meta(10), false),
  row('request.metadata.tier', 'gt', 10, meta('11'), false),
  row('request.metadata.tier', 'gte', 10, meta(10), true),
  row('request.metadata.tier', 'lt', 10, meta(9.5), true),
  row('request.metadata.tier', 'lt', 10, meta(null), false),
  row('request.metadata.tier', 'lte', 10, meta(10), true),
  row('request.metadata.tier', 'lte', 10, {}, false),
  row('request.metadata.tier', 'contains', 'ol', meta('gold'), true),
  row('request.metadata.tier', 'contains', 'b', meta(['a', 'b']), true),
  row('request.metadata.tier', 'contains', 'b', meta(['ab']), false),
  row('request.metadata.tier', 'contains', '4', meta(42), false),
  row('request.metadata.tier', 'contains', 'b', meta({ b: 1 }), false),
  row('request.metadata.tier', 'matches', '^go', meta('gold'), true),
  row('request.metadata.tier', 'matches', '^4', meta(42), false),
  row('request.metadata.tier', 'matches', '^go', meta(['gold']), false),
  row('request.metadata.tier', 'exists', undefined, meta(0), true),
  row('request.metadata.tier', 'exists', undefined, meta(false), true),
  row('request.metadata.tier', 'exists', undefined, meta(null), false),
  row('request.metadata.tier', 'exists', undefined, {}, false),
  row('request.metadata.tier', 'exists', false, {}, true),
  row('request.metadata.tier', 'exists', false, meta('x'), false),
  // The key is everything after the prefix, dots included.
  row('request.metadata.a.b', 'eq', 1, { metadata: { 'a.b': 1 } }, true),

  // Token estimate.
  row('request.token_estimate', 'eq', 100, tokens(100), true),
  row('request.token_estimate', 'eq', 100, tokens(101), false),
  row('request.token_estimate', 'neq', 100, tokens(101), true),
  row('request.token_estimate', 'neq', 100, tokens(100), false),
  row('request.token_estimate', 'in', [1, 2], tokens(2), true),
  row('request.token_estimate', 'in', [1, 2], tokens(3), false),
  row('request.token_estimate', 'nin', [1, 2], tokens(3), true),
  row('request.token_estimate', 'nin', [1, 2], tokens(1), false),
  row('request.token_estimate', 'gt', 100, tokens(101), true),
  row('request.token_estimate', 'gt', 100, tokens(100), false),
  row('request.token_estimate', 'gte', 100, tokens(100), true),
  row('request.token_estimate', 'gte', 100, tokens(99), false),
  row('request.token_estimate', 'lt', 100, tokens(99), true),
  row('request.token_estimate', 'lt', 100, tokens(100), false),
  row('request.token_estimate', 'lte', 100, tokens(100), true),
  row('request.token_estimate', 'lte', 100, tokens(101), false),
  row('request.token_estimate', 'lte', 100, tokens(Number.NaN), false),

  // Sensitivity compares by level order, not alphabetically ("critical" < "high" as strings).
  row('request.sensitivity', 'eq', 'high', { sensitivity: 'high' }, true),
  row('request.sensitivity', 'eq', 'high', { sensitivity: 'critical' }, false),
  row('request.sensitivity', 'neq', 'high', { sensitivity: 'low' }, true),
  row('request.sensitivity', 'neq', 'high', { sensitivity: 'high' }, false),
  row('request.sensitivity', 'in', ['low', 'high'], { sensitivity: 'low' }, true),
  row('request.sensitivity', 'in', ['low', 'high'], { sensitivity: 'medium' }, false),
  row('request.sensitivity', 'nin', ['low', 'high'], { sensitivity: 'medium' }, true),
  row('request.sensitivity', 'nin', ['low', 'high'], { sensitivity: 'high' }, false),
  row('request.sensitivity', 'gt', 'medium', { sensitivity: 'high' }, true),
  row('request.sensitivity', 'gt', 'medium', { sensitivity: 'medium' }, false),
  row('request.sensitivity', 'gte', 'high', { sensitivity: 'critical' }, true),
  row('request.sensitivity', 'gte', 'high', { sensitivity: 'high' }, true),
  row('request.sensitivity', 'gte', 'high', { sensitivity: 'medium' }, false),
  row('request.sensitivity', 'gte', 'none', { sensitivity: 'none' }, true),
  row('request.sensitivity', 'lt', 'medium', { sensitivity: 'low' }, true),
  row('request.sensitivity', 'lt', 'medium', { sensitivity: 'medium' }, false),
  row('request.sensitivity', 'lte', 'high', { sensitivity: 'high' }, true),
  row('request.sensitivity', 'lte', 'high', { sensitivity: 'critical' }, false),

  // Booleans from the body.
  row('request.stream', 'eq', true, { stream: true }, true),
  row('request.stream', 'eq', true, { stream: false }, false),
  row('request.stream', 'eq', false, { stream: false }, true),
  row('request.stream', 'neq', true, { stream: false }, true),
  row('request.stream', 'neq', true, { stream: true }, false),
  row('request.has_tools', 'eq', true, { hasTools: true }, true),
  row('request.has_tools', 'eq', true, { hasTools: false }, false),
  row('request.has_tools', 'neq', true, { hasTools: false }, true),
  row('request.has_tools', 'neq', false, { hasTools: false }, false),
];

describe('conditions: every field × operator', () => {
  it.each(ROWS.map((r) => [describeRow(r), r] as const))('%s', (_name, r) => {
    const rule = ruleWith(
      r.value === undefined
        ? { field: r.field, operator: r.operator }
        : { field: r.field, operator: r.operator, value: r.value },
    );
    const facts = fakeFacts(r.facts);
    expect(rule.matches(facts)).toBe(r.expected);
    expect(rule.explain(fakeFacts(r.facts)).matched).toBe(r.expected);
  });

  it('covers every supported field and operator pair', () => {
    const covered = new Set(
      ROWS.map((r) => `${r.field.replace(/^request\.(header|metadata)\..*$/, 'request.$1.*')} ${r.operator}`),
    );
    const expected = {
      'user.id': ['eq', 'neq', 'in', 'nin', 'contains', 'matches', 'exists'],
      'user.role': ['eq', 'neq', 'in', 'nin', 'contains', 'matches', 'exists'],
      'user.department': ['eq', 'neq', 'in', 'nin', 'contains', 'matches', 'exists'],
      'tenant.id': ['eq', 'neq', 'in', 'nin', 'contains', 'matches', 'exists'],
      'request.model': ['eq', 'neq', 'in', 'nin', 'contains', 'matches', 'exists'],
      'request.use_case': ['eq', 'neq', 'in', 'nin', 'contains', 'matches', 'exists'],
      'request.header.*': [
        'eq',
        'neq',
        'in',
        'nin',
        'gt',
        'gte',
        'lt',
        'lte',
        'contains',
        'matches',
        'exists',
      ],
      'request.metadata.*': [
        'eq',
        'neq',
        'in',
        'nin',
        'gt',
        'gte',
        'lt',
        'lte',
        'contains',
        'matches',
        'exists',
      ],
      'request.token_estimate': ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte'],
      'request.sensitivity': ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte'],
      'request.stream': ['eq', 'neq'],
      'request.has_tools': ['eq', 'neq'],
    };
    for (const [field, operators] of Object.entries(expected)) {
      for (const operator of operators)
        expect(covered, `${field} ${operator}`).toContain(`${field} ${operator}`);
    }
  });
});

interface Refusal {
  readonly condition: Record<string, unknown>;
  readonly message: string;
}

const REFUSALS: Refusal[] = [
  // Unknown names.
  {
    condition: { field: 'request.foo', operator: 'eq', value: 'x' },
    message: 'conditions[0].field: unknown field "request.foo"; expected one of user.id, user.role,',
  },
  {
    condition: { field: 'user.role', operator: 'like', value: 'x' },
    message:
      'conditions[0].operator: unknown operator "like"; expected one of eq|neq|in|nin|gt|gte|lt|lte|contains|matches|exists',
  },
  {
    condition: { field: 'request.header.bad name', operator: 'exists' },
    message: 'conditions[0].field: "bad name" is not a valid header name',
  },
  {
    condition: { field: 'request.metadata.', operator: 'exists' },
    message: 'conditions[0].field: request.metadata.<key> needs a key',
  },
  // Operators a field does not support.
  {
    condition: { field: 'user.role', operator: 'gt', value: 5 },
    message:
      'conditions[0].operator: operator gt is not supported on user.role; use one of eq|neq|in|nin|contains|matches|exists',
  },
  {
    condition: { field: 'request.token_estimate', operator: 'contains', value: '1' },
    message: 'operator contains is not supported on request.token_estimate',
  },
  {
    condition: { field: 'request.sensitivity', operator: 'matches', value: 'hi' },
    message: 'operator matches is not supported on request.sensitivity',
  },
  {
    condition: { field: 'request.sensitivity', operator: 'exists' },
    message: 'operator exists is not supported on request.sensitivity',
  },
  {
    condition: { field: 'request.stream', operator: 'in', value: [true] },
    message: 'operator in is not supported on request.stream; use one of eq|neq',
  },
  {
    condition: { field: 'request.has_tools', operator: 'gt', value: 0 },
    message: 'operator gt is not supported on request.has_tools',
  },
  // Operand types.
  {
    condition: { field: 'request.sensitivity', operator: 'gte', value: 'severe' },
    message:
      'conditions[0].value: operator gte on request.sensitivity needs one of none|low|medium|high|critical',
  },
  {
    condition: { field: 'request.sensitivity', operator: 'eq', value: 3 },
    message: 'operator eq on request.sensitivity needs one of none|low|medium|high|critical',
  },
  {
    condition: { field: 'request.sensitivity', operator: 'in', value: ['high', 'severe'] },
    message: 'operator in on request.sensitivity needs a non-empty list of none|low|medium|high|critical',
  },
  {
    condition: { field: 'request.token_estimate', operator: 'gt', value: '100' },
    message: 'conditions[0].value: operator gt on request.token_estimate needs a number',
  },
  {
    condition: { field: 'request.token_estimate', operator: 'in', value: [1, '2'] },
    message: 'operator in on request.token_estimate needs a non-empty list of numbers',
  },
  {
    condition: { field: 'request.stream', operator: 'eq', value: 'true' },
    message: 'operator eq on request.stream needs a boolean (true or false)',
  },
  {
    condition: { field: 'user.role', operator: 'in', value: 'admin' },
    message: 'operator in on user.role needs a non-empty list of strings',
  },
  {
    condition: { field: 'user.role', operator: 'nin', value: [] },
    message: 'operator nin on user.role needs a non-empty list of strings',
  },
  {
    condition: { field: 'user.role', operator: 'in', value: ['admin', 1] },
    message: 'operator in on user.role needs a non-empty list of strings',
  },
  {
    condition: { field: 'user.id', operator: 'eq', value: 42 },
    message: 'operator eq on user.id needs a string (quote the value in YAML)',
  },
  {
    condition: { field: 'user.role', operator: 'eq' },
    message: 'conditions[0].value: operator eq on user.role needs a string',
  },
  {
    condition: { field: 'user.role', operator: 'eq', value: ['admin'] },
    message: 'operator eq on user.role needs a string',
  },
  {
    condition: { field: 'request.model', operator: 'contains', value: 4 },
    message: 'operator contains on request.model needs a string (quote the value in YAML)',
  },
  {
    condition: { field: 'request.model', operator: 'matches', value: true },
    message: 'operator matches on request.model needs a string',
  },
  {
    condition: { field: 'user.role', operator: 'exists', value: 'yes' },
    message: 'conditions[0].value: operator exists on user.role takes no value or a boolean',
  },
  {
    condition: { field: 'request.metadata.tier', operator: 'gt', value: 'gold' },
    message: 'operator gt on request.metadata.tier needs a number',
  },
  {
    condition: { field: 'request.metadata.tier', operator: 'eq', value: [1] },
    message: 'operator eq on request.metadata.tier needs a string, number or boolean',
  },
  {
    condition: { field: 'request.header.x-budget', operator: 'lte', value: '5' },
    message: 'operator lte on request.header.x-budget needs a number',
  },
  // Patterns.
  {
    condition: { field: 'request.model', operator: 'matches', value: '(' },
    message: 'conditions[0].value: pattern does not compile: Invalid regular expression',
  },
  {
    condition: { field: 'request.model', operator: 'matches', value: '^(a+)+$' },
    message:
      'conditions[0].value: pattern "^(a+)+$" is vulnerable to catastrophic backtracking (exponential); refused',
  },
  {
    condition: { field: 'request.model', operator: 'matches', value: '(x+x+)+y' },
    message: 'pattern "(x+x+)+y" is vulnerable to catastrophic backtracking',
  },
  {
    condition: { field: 'request.header.Authorization', operator: 'exists' },
    message: 'the authorization header carries credentials and cannot be read by rules',
  },
  {
    condition: { field: 'request.model', operator: 'matches', value: '.*x.*y.*z' },
    message: 'pattern ".*x.*y.*z" is vulnerable to catastrophic backtracking (4th degree polynomial)',
  },
];

describe('conditions: refused at compile time', () => {
  it.each(REFUSALS.map((r) => [r.message, r] as const))('%s', (_name, r) => {
    const spec = { name: 'bad-rule', conditions: [r.condition], action: { provider: 'openai' } };
    expect(() => compileRule(spec as never, ctx)).toThrow(`rule "bad-rule": `);
    expect(() => compileRule(spec as never, ctx)).toThrow(r.message);
  });

  it('accepts quadratic patterns, reading at most MAX_MATCHED_LENGTH characters of a value', () => {
    const rule = ruleWith({ field: 'request.model', operator: 'matches', value: 'claude.*sonnet' });
    expect(rule.matches(fakeFacts({ model: 'claude-3-5-sonnet' }))).toBe(true);
    const long = `claude-${'x'.repeat(1024)}-sonnet`;
    expect(rule.matches(fakeFacts({ model: long }))).toBe(false);
  });

  it('names the rule and the problem exactly', () => {
    const spec: RuleSpecInput = {
      name: 'pii-stays-home',
      conditions: [{ field: 'request.sensitivity', operator: 'gte', value: 'hi' }],
      action: { provider: 'onprem' },
    };
    expect(() => compileRule(spec, ctx)).toThrow(
      'rule "pii-stays-home": conditions[0].value: operator gte on request.sensitivity needs one of none|low|medium|high|critical',
    );
  });
});
