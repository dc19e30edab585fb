import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CompiledRule, compileRules } from './compile.ts';
import { firstMatch } from './evaluate.ts';
import { fakeFacts } from './fake-facts.ts';
import { ruleList } from './rule-index.ts';

const DEPARTMENTS = ['finance', 'rnd', 'legal', 'sales', 'ops'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude'];
const ROLES = ['analyst', 'admin', 'intern'];

const conditionArb = fc.oneof(
  fc.record({
    field: fc.constant('user.department'),
    operator: fc.constantFrom('eq', 'neq'),
    value: fc.constantFrom(...DEPARTMENTS),
  }),
  fc.record({
    field: fc.constant('user.department'),
    operator: fc.constantFrom('in', 'nin'),
    value: fc.subarray(DEPARTMENTS, { minLength: 1 }),
  }),
  fc.record({
    field: fc.constant('request.model'),
    operator: fc.constantFrom('eq', 'neq'),
    value: fc.constantFrom(...MODELS),
  }),
  fc.record({
    field: fc.constant('user.role'),
    operator: fc.constant('in'),
    value: fc.subarray(ROLES, { minLength: 1 }),
  }),
  fc.record({ field: fc.constant('request.stream'), operator: fc.constant('eq'), value: fc.boolean() }),
);

const rulesArb = fc.array(
  fc.record({
    conditions: fc.array(conditionArb, { maxLength: 3 }),
    priority: fc.integer({ min: 0, max: 20 }),
    enabled: fc.boolean(),
  }),
  { minLength: 0, maxLength: 120 },
);

const factsArb = fc.record({
  userDepartment: fc.option(fc.constantFrom(...DEPARTMENTS, 'other'), { nil: undefined }),
  model: fc.option(fc.constantFrom(...MODELS), { nil: undefined }),
  userRole: fc.option(fc.constantFrom(...ROLES), { nil: undefined }),
  stream: fc.boolean(),
});

function compile(
  specs: ReadonlyArray<{ conditions: unknown[]; priority: number; enabled: boolean }>,
): readonly CompiledRule[] {
  const { rules, errors } = compileRules(
    specs.map((spec, i) => ({ ...spec, name: `r${i}`, action: { provider: 'p' } }) as never),
    { knownProviders: new Set(['p']), source: 'config' },
  );
  expect(errors).toEqual([]);
  return rules;
}

describe('rule index', () => {
  it('finds exactly the rule a plain priority-ordered scan finds', () => {
    fc.assert(
      fc.property(rulesArb, fc.array(factsArb, { minLength: 1, maxLength: 10 }), (specs, factsList) => {
        const rules = compile(specs);
        const list = ruleList(rules);
        for (const init of factsList) {
          const facts = fakeFacts(init);
          expect(list.firstMatch(facts)?.name).toBe(firstMatch(rules, facts)?.name);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('evaluates only the rules that can match a large, discriminated set', () => {
    const specs = Array.from({ length: 1000 }, (_, i) => ({
      conditions: [{ field: 'user.department', operator: 'eq', value: `dept-${i}` }],
      priority: i,
      enabled: true,
    }));
    const rules = compile(specs).map((rule) => {
      let calls = 0;
      const counted = {
        ...rule,
        matches: (facts: Parameters<CompiledRule['matches']>[0]) => {
          calls++;
          return rule.matches(facts);
        },
      };
      return Object.assign(counted, { calls: () => calls });
    });
    const list = ruleList(rules);
    expect(list.firstMatch(fakeFacts({ userDepartment: 'dept-999' }))?.name).toBe('r999');
    expect(rules.reduce((sum, r) => sum + r.calls(), 0)).toBe(1);
  });
});
