import { describe, expect, it } from 'vitest';
import { type CompileContext, type CompiledRule, compileRules } from './compile.ts';
import { explainRules, fieldsRead, firstMatch, mergeByPriority } from './evaluate.ts';
import { fakeFacts } from './fake-facts.ts';
import type { ConditionSpec, RuleSpecInput } from './schema.ts';

const ctx: CompileContext = { knownProviders: new Set(['openai', 'claude', 'onprem']), source: 'config' };

function compile(specs: RuleSpecInput[], context: CompileContext = ctx): readonly CompiledRule[] {
  const { rules, errors } = compileRules(specs, context);
  expect(errors).toEqual([]);
  return rules;
}

function when(name: string, priority: number, ...conditions: ConditionSpec[]): RuleSpecInput {
  return { name, priority, conditions, action: { provider: 'openai' } };
}

const sensitive: ConditionSpec = { field: 'request.sensitivity', operator: 'gte', value: 'high' };
const finance: ConditionSpec = { field: 'user.department', operator: 'eq', value: 'finance' };
const big: ConditionSpec = { field: 'request.token_estimate', operator: 'gt', value: 10_000 };

describe('firstMatch', () => {
  it('returns the first matching rule in priority order', () => {
    const rules = compile([when('catch-all', 1000), when('finance', 10, finance), when('pii', 1, sensitive)]);
    expect(firstMatch(rules, fakeFacts({ sensitivity: 'critical', userDepartment: 'finance' }))?.name).toBe(
      'pii',
    );
    expect(firstMatch(rules, fakeFacts({ sensitivity: 'low', userDepartment: 'finance' }))?.name).toBe(
      'finance',
    );
    expect(firstMatch(rules, fakeFacts({ sensitivity: 'low' }))?.name).toBe('catch-all');
  });

  it('returns undefined when nothing matches', () => {
    const rules = compile([when('finance', 10, finance)]);
    expect(firstMatch(rules, fakeFacts())).toBeUndefined();
    expect(firstMatch([], fakeFacts())).toBeUndefined();
  });

  it('lets the earlier of two rules with equal priority win', () => {
    const rules = compile([when('first', 5), when('second', 5)]);
    expect(firstMatch(rules, fakeFacts())?.name).toBe('first');
  });

  it('skips disabled rules', () => {
    const rules = compile([{ ...when('off', 1), enabled: false }, when('on', 2)]);
    expect(firstMatch(rules, fakeFacts())?.name).toBe('on');
    expect(rules[0]?.matches(fakeFacts())).toBe(true);
  });

  it('carries enforce and the action of the rule that matched', () => {
    const rules = compile([
      {
        name: 'pii',
        priority: 1,
        enforce: true,
        conditions: [sensitive],
        action: { provider: 'onprem', model: 'llama3.1:8b' },
      },
      {
        name: 'no-tools',
        priority: 2,
        conditions: [{ field: 'request.has_tools', operator: 'eq', value: true }],
        action: { reject: 'no tools' },
      },
    ]);
    const pii = firstMatch(rules, fakeFacts({ sensitivity: 'high' }));
    expect(pii?.enforce).toBe(true);
    expect(pii?.action).toEqual({
      kind: 'route',
      provider: 'onprem',
      model: 'llama3.1:8b',
      fallbackProviders: [],
    });
    const rejected = firstMatch(rules, fakeFacts({ hasTools: true }));
    expect(rejected?.enforce).toBe(false);
    expect(rejected?.action).toEqual({ kind: 'reject', message: 'no tools' });
  });
});

describe('laziness', () => {
  it('never computes sensitivity or tokens when no rule reads them', () => {
    const rules = compile([
      when('finance', 1, finance),
      when('model', 2, { field: 'request.model', operator: 'eq', value: 'x' }),
    ]);
    const facts = fakeFacts({ explodes: ['sensitivity', 'tokenEstimate'] });
    expect(firstMatch(rules, facts)).toBeUndefined();
    expect(fieldsRead(rules).has('request.sensitivity')).toBe(false);
    expect(fieldsRead(rules).has('request.token_estimate')).toBe(false);
  });

  it('short-circuits AND: a failed condition stops the rule', () => {
    const [rule] = compile([when('finance-pii', 1, finance, sensitive, big)]);
    const other = fakeFacts({ userDepartment: 'hr', explodes: ['sensitivity', 'tokenEstimate'] });
    expect(rule?.matches(other)).toBe(false);

    const financeLow = fakeFacts({
      userDepartment: 'finance',
      sensitivity: 'low',
      explodes: ['tokenEstimate'],
    });
    expect(rule?.matches(financeLow)).toBe(false);
    expect(financeLow.calls.sensitivity).toBe(1);
    expect(financeLow.calls.tokenEstimate).toBe(0);
  });

  it('stops at the first matching rule: later rules are not evaluated', () => {
    const rules = compile([when('finance', 1, finance), when('pii', 2, sensitive)]);
    const facts = fakeFacts({ userDepartment: 'finance', explodes: ['sensitivity'] });
    expect(firstMatch(rules, facts)?.name).toBe('finance');
  });

  it('does not evaluate disabled rules', () => {
    const rules = compile([{ ...when('off', 1, sensitive), enabled: false }]);
    const facts = fakeFacts({ explodes: ['sensitivity'] });
    expect(firstMatch(rules, facts)).toBeUndefined();
    expect(explainRules(rules, facts)[0]?.outcome).toBe('disabled');
  });

  it('calls each lazy accessor only when its condition is evaluated', () => {
    const rules = compile([when('a', 1, sensitive, big), when('b', 2, big)]);
    const facts = fakeFacts({ sensitivity: 'critical', tokenEstimate: 5 });
    expect(firstMatch(rules, facts)).toBeUndefined();
    expect(facts.calls).toMatchObject({ sensitivity: 1, tokenEstimate: 2 });
  });
});

describe('explainRules', () => {
  it('traces rules in order up to and including the first match', () => {
    const rules = compile([
      { ...when('off', 1), enabled: false },
      when('finance', 2, finance),
      when('pii', 3, sensitive),
      when('catch-all', 4),
    ]);
    const trace = explainRules(rules, fakeFacts({ userDepartment: 'hr', sensitivity: 'high' }));
    expect(trace).toEqual([
      {
        id: 'off',
        name: 'off',
        priority: 1,
        source: 'config',
        enforce: false,
        outcome: 'disabled',
        conditions: [],
      },
      {
        id: 'finance',
        name: 'finance',
        priority: 2,
        source: 'config',
        enforce: false,
        outcome: 'not_matched',
        conditions: [
          { field: 'user.department', operator: 'eq', expected: 'finance', actual: 'hr', passed: false },
        ],
      },
      {
        id: 'pii',
        name: 'pii',
        priority: 3,
        source: 'config',
        enforce: false,
        outcome: 'matched',
        conditions: [
          { field: 'request.sensitivity', operator: 'gte', expected: 'high', actual: 'high', passed: true },
        ],
      },
    ]);
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });

  it('traces every rule when none matches', () => {
    const rules = compile([when('a', 1, finance), when('b', 2, finance)]);
    expect(explainRules(rules, fakeFacts()).map((t) => t.outcome)).toEqual(['not_matched', 'not_matched']);
  });

  it('agrees with firstMatch', () => {
    const rules = compile([when('a', 1, finance), when('b', 2, sensitive), when('c', 3)]);
    for (const facts of [
      fakeFacts(),
      fakeFacts({ sensitivity: 'high' }),
      fakeFacts({ userDepartment: 'finance' }),
    ]) {
      const trace = explainRules(rules, facts);
      expect(trace.at(-1)?.id).toBe(firstMatch(rules, facts)?.id);
    }
  });
});

describe('mergeByPriority', () => {
  const platform = compile([when('p1', 1), when('p10', 10), when('p10b', 10), when('p50', 50)]);
  const tenant = compile(
    [when('t0', 0), when('t10', 10), when('t20', 20), when('t99', 99), when('t99b', 99)],
    { ...ctx, source: 'store' },
  );

  it('merges two sorted lists; on ties the first list (platform rules) goes first', () => {
    expect(mergeByPriority(platform, tenant).map((r) => r.name)).toEqual([
      't0',
      'p1',
      'p10',
      'p10b',
      't10',
      't20',
      'p50',
      't99',
      't99b',
    ]);
  });

  it('handles empty lists and does not modify its inputs', () => {
    expect(mergeByPriority([], tenant)).toEqual(tenant);
    expect(mergeByPriority(platform, [])).toEqual(platform);
    expect(mergeByPriority([], [])).toEqual([]);
    expect(platform.map((r) => r.name)).toEqual(['p1', 'p10', 'p10b', 'p50']);
  });

  it('gives a platform rule precedence over a tenant rule at the same priority', () => {
    const [platformRule] = compile([when('platform-finance', 10, finance)]);
    const [tenantRule] = compile([when('tenant-finance', 10, finance)], { ...ctx, source: 'store' });
    const merged = mergeByPriority([platformRule!], [tenantRule!]);
    expect(firstMatch(merged, fakeFacts({ userDepartment: 'finance' }))?.source).toBe('config');
  });
});

describe('fieldsRead', () => {
  it('unites the fields of all rules', () => {
    const rules = compile([when('a', 1, finance, sensitive), when('b', 2, big), when('c', 3)]);
    expect([...fieldsRead(rules)].sort()).toEqual([
      'request.sensitivity',
      'request.token_estimate',
      'user.department',
    ]);
  });
});
