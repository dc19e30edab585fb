import { describe, expect, it } from 'vitest';
import { type CompileContext, compileRule, compileRules } from './compile.ts';
import { RuleError } from './errors.ts';
import { fakeFacts } from './fake-facts.ts';
import type { RuleSpecInput } from './schema.ts';

const ctx: CompileContext = { knownProviders: new Set(['openai', 'claude', 'onprem']), source: 'config' };

function rule(name: string, priority?: number, extra: Partial<RuleSpecInput> = {}): RuleSpecInput {
  return {
    name,
    action: { provider: 'openai' },
    ...(priority === undefined ? {} : { priority }),
    ...extra,
  };
}

function refusal(spec: unknown, context: CompileContext = ctx): RuleError {
  try {
    compileRule(spec as RuleSpecInput, context);
  } catch (error) {
    if (error instanceof RuleError) return error;
    throw error;
  }
  throw new Error('expected the rule to be refused');
}

describe('compileRule', () => {
  it('carries the rule attributes and applies defaults', () => {
    const compiled = compileRule(rule('plain'), ctx);
    expect(compiled).toMatchObject({
      id: 'plain',
      name: 'plain',
      priority: 100,
      enabled: true,
      enforce: false,
      source: 'config',
      action: { kind: 'route', provider: 'openai', model: undefined, fallbackProviders: [] },
    });
    expect(compiled.tenantId).toBeUndefined();
    expect(compiled.description).toBeUndefined();
    expect(Object.isFrozen(compiled)).toBe(true);
  });

  it('keeps an explicit id, description, source, enforce and the route action', () => {
    const compiled = compileRule(
      {
        id: 'r-17',
        name: 'pii-stays-home',
        description: 'critical PII never leaves the building',
        priority: 1,
        enforce: true,
        conditions: [{ field: 'request.sensitivity', operator: 'gte', value: 'high' }],
        action: { provider: 'onprem', model: 'llama3.1:8b', fallback_providers: ['claude', 'openai'] },
      },
      { ...ctx, source: 'store' },
    );
    expect(compiled).toMatchObject({
      id: 'r-17',
      name: 'pii-stays-home',
      description: 'critical PII never leaves the building',
      priority: 1,
      enforce: true,
      source: 'store',
      action: {
        kind: 'route',
        provider: 'onprem',
        model: 'llama3.1:8b',
        fallbackProviders: ['claude', 'openai'],
      },
    });
    expect(Object.isFrozen(compiled.action)).toBe(true);
  });

  it('compiles a reject action', () => {
    const compiled = compileRule({ name: 'no-tools', action: { reject: 'tools are not allowed here' } }, ctx);
    expect(compiled.action).toEqual({ kind: 'reject', message: 'tools are not allowed here' });
  });

  it('treats a rule without conditions as a catch-all', () => {
    const compiled = compileRule(rule('everything'), ctx);
    expect(compiled.matches(fakeFacts({ explodes: ['sensitivity', 'tokenEstimate'] }))).toBe(true);
    expect(compiled.explain(fakeFacts())).toEqual({ matched: true, conditions: [] });
    expect(compiled.reads.size).toBe(0);
  });

  it('lists the fields it reads, canonically named', () => {
    const compiled = compileRule(
      rule('reader', 1, {
        conditions: [
          { field: 'request.sensitivity', operator: 'gte', value: 'high' },
          { field: 'request.header.X-Team', operator: 'exists' },
          { field: 'request.metadata.tier', operator: 'eq', value: 'gold' },
          { field: 'request.sensitivity', operator: 'lt', value: 'critical' },
        ],
      }),
      ctx,
    );
    expect([...compiled.reads]).toEqual([
      'request.sensitivity',
      'request.header.x-team',
      'request.metadata.tier',
    ]);
  });

  it('scopes a rule with tenant_id to that tenant', () => {
    const compiled = compileRule(rule('acme-only', 5, { tenant_id: 'acme' }), ctx);
    expect(compiled.tenantId).toBe('acme');
    expect(compiled.matches(fakeFacts({ tenantId: 'acme' }))).toBe(true);
    expect(compiled.matches(fakeFacts({ tenantId: 'globex' }))).toBe(false);
    expect(compiled.reads.has('tenant.id')).toBe(true);
    expect(compiled.explain(fakeFacts({ tenantId: 'globex' })).conditions).toEqual([
      { field: 'tenant.id', operator: 'eq', expected: 'acme', actual: 'globex', passed: false },
    ]);
  });

  it('explains every condition, even after one fails', () => {
    const compiled = compileRule(
      rule('explained', 1, {
        conditions: [
          { field: 'user.role', operator: 'eq', value: 'admin' },
          { field: 'request.sensitivity', operator: 'gte', value: 'high' },
          { field: 'request.metadata.tags', operator: 'contains', value: 'beta' },
          { field: 'user.department', operator: 'exists' },
        ],
      }),
      ctx,
    );
    const facts = fakeFacts({ userRole: 'analyst', sensitivity: 'critical', metadata: { tags: ['beta'] } });
    expect(compiled.explain(facts)).toEqual({
      matched: false,
      conditions: [
        { field: 'user.role', operator: 'eq', expected: 'admin', actual: 'analyst', passed: false },
        { field: 'request.sensitivity', operator: 'gte', expected: 'high', actual: 'critical', passed: true },
        {
          field: 'request.metadata.tags',
          operator: 'contains',
          expected: 'beta',
          actual: ['beta'],
          passed: true,
        },
        { field: 'user.department', operator: 'exists', expected: true, actual: undefined, passed: false },
      ],
    });
  });

  it('refuses an unknown provider, naming the configured ones', () => {
    const error = refusal({ name: 'to-nowhere', action: { provider: 'bedrock' } });
    expect(error.message).toBe(
      'rule "to-nowhere": action.provider: unknown provider "bedrock"; configured providers: openai, claude, onprem',
    );
  });

  it('refuses unknown, duplicate and primary fallback providers', () => {
    const error = refusal({
      name: 'fallbacks',
      action: { provider: 'openai', fallback_providers: ['claude', 'azure', 'claude', 'openai'] },
    });
    expect(error.problems).toEqual([
      { path: 'action.fallback_providers[1]', message: expect.stringContaining('unknown provider "azure"') },
      { path: 'action.fallback_providers[2]', message: 'provider "claude" is listed twice' },
      { path: 'action.fallback_providers[3]', message: 'provider "openai" is the primary provider' },
    ]);
  });

  it('says when no providers are configured', () => {
    const error = refusal(rule('x'), { knownProviders: new Set(), source: 'inline' });
    expect(error.message).toContain('configured providers: (none configured)');
  });

  it('reports every problem of a rule at once', () => {
    const error = refusal({
      name: 'many-problems',
      conditions: [
        { field: 'request.token_estimate', operator: 'gt', value: 'lots' },
        { field: 'user.role', operator: 'eq', value: 'admin' },
        { field: 'request.model', operator: 'matches', value: '^(a+)+$' },
      ],
      action: { provider: 'nowhere' },
    });
    expect(error.rule).toBe('many-problems');
    expect(error.problems.map((p) => p.path)).toEqual([
      'conditions[0].value',
      'conditions[2].value',
      'action.provider',
    ]);
    expect(error.message).toMatch(
      /^rule "many-problems": conditions\[0\]\.value: .*; conditions\[2\]\.value: .*; action\.provider: /,
    );
  });

  it('refuses malformed rules through the schema, with paths', () => {
    expect(refusal({ name: '', action: { provider: 'openai' } }).problems[0]?.path).toBe('name');
    expect(refusal({ name: 'x', action: { provider: 'openai' }, priority: 1.5 }).problems[0]?.path).toBe(
      'priority',
    );
    expect(refusal({ name: 'x', action: { provider: 'openai' }, colour: 'red' }).message).toContain('colour');
    expect(refusal({ name: 'x', action: { provider: 'openai', reject: 'no' } }).message).toBe(
      'rule "x": action: needs either {provider, model?, fallback_providers?} or {reject: message}',
    );
    expect(
      refusal({
        name: 'x',
        action: { provider: 'openai' },
        conditions: [{ field: 'user.id', operator: 'exists', extra: 1 }],
      }).problems[0]?.path,
    ).toBe('conditions[0]');
  });

  it('is a RuleError, an Error subclass, with a stable name', () => {
    const error = refusal({ name: 'x', action: { provider: 'nowhere' } });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RuleError');
  });
});

describe('compileRules', () => {
  it('sorts by priority ascending and keeps input order on ties', () => {
    const { rules, errors } = compileRules(
      [rule('c', 10), rule('a', 1), rule('d', 10), rule('default'), rule('b', 1), rule('e', -5)],
      ctx,
    );
    expect(errors).toEqual([]);
    expect(rules.map((r) => r.name)).toEqual(['e', 'a', 'b', 'c', 'd', 'default']);
  });

  it('collects refused rules and keeps the good ones', () => {
    const { rules, errors } = compileRules(
      [
        rule('good-1', 2),
        { name: 'bad-1', action: { provider: 'nope' } },
        rule('good-2', 1),
        { name: 'bad-2' } as never,
      ],
      ctx,
    );
    expect(rules.map((r) => r.name)).toEqual(['good-2', 'good-1']);
    expect(errors.map((e) => e.rule)).toEqual(['bad-1', 'bad-2']);
    expect(errors.every((e) => e instanceof RuleError)).toBe(true);
  });

  it('refuses a second rule with the same id (a rule without id uses its name)', () => {
    const { rules, errors } = compileRules(
      [rule('same', 1), rule('same', 2), rule('other', 3, { id: 'same' })],
      ctx,
    );
    expect(rules.map((r) => r.priority)).toEqual([1]);
    expect(errors.map((e) => e.message)).toEqual([
      'rule "same": name: another rule already has id "same" (a rule without an id uses its name)',
      'rule "other": id: another rule already has id "same" (a rule without an id uses its name)',
    ]);
  });

  it('labels a rule without a usable name', () => {
    const { errors } = compileRules(
      [{ id: 'r-9', action: { provider: 'openai' } } as never, 42 as never],
      ctx,
    );
    expect(errors.map((e) => e.rule)).toEqual(['r-9', '(not an object)']);
  });
});
