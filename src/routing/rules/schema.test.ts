import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RuleError } from './errors.ts';
import { parseRuleSpec, ruleSpecSchema } from './schema.ts';

function problems(input: unknown): readonly { path: string; message: string }[] {
  try {
    parseRuleSpec(input);
  } catch (error) {
    if (error instanceof RuleError) return error.problems;
    throw error;
  }
  throw new Error('expected a RuleError');
}

describe('ruleSpecSchema', () => {
  it('applies defaults', () => {
    expect(parseRuleSpec({ name: 'r', action: { provider: 'openai' } })).toEqual({
      name: 'r',
      conditions: [],
      action: { provider: 'openai' },
      priority: 100,
      enabled: true,
      enforce: false,
    });
  });

  it('accepts every documented key in snake_case', () => {
    const full = {
      id: 'r1',
      tenant_id: 'acme',
      name: 'finance-on-claude',
      description: 'finance goes to claude',
      conditions: [{ field: 'user.department', operator: 'eq', value: 'finance' }],
      action: { provider: 'claude', model: 'claude-sonnet-4', fallback_providers: ['openai'] },
      priority: 10,
      enabled: false,
      enforce: true,
    };
    expect(parseRuleSpec(full)).toEqual(full);
    expect(parseRuleSpec({ name: 'r', action: { reject: 'not here' } }).action).toEqual({
      reject: 'not here',
    });
  });

  it('rejects unknown keys everywhere (strict objects)', () => {
    expect(problems({ name: 'r', action: { provider: 'x' }, tenantId: 'acme' })[0]?.message).toContain(
      'tenantId',
    );
    expect(
      problems({
        name: 'r',
        action: { provider: 'x' },
        conditions: [{ field: 'user.id', operator: 'exists', values: [] }],
      })[0]?.path,
    ).toBe('conditions[0]');
    expect(problems({ name: 'r', action: { provider: 'x', fallbackProviders: [] } })[0]?.path).toBe('action');
  });

  it('checks name length, priority type and the action shape', () => {
    expect(problems({ name: 'x'.repeat(129), action: { provider: 'x' } })[0]?.path).toBe('name');
    expect(parseRuleSpec({ name: 'x'.repeat(128), action: { provider: 'x' } }).name).toHaveLength(128);
    expect(problems({ name: 'r', action: { provider: 'x' }, priority: '1' })[0]?.path).toBe('priority');
    expect(problems({ name: 'r', action: { provider: 'x' }, priority: 2.5 })[0]?.path).toBe('priority');
    expect(problems({ name: 'r', action: {} })).toEqual([
      {
        path: 'action',
        message: 'needs either {provider, model?, fallback_providers?} or {reject: message}',
      },
    ]);
    expect(problems({ name: 'r' })[0]?.path).toBe('action');
  });

  it('names unknown fields and operators', () => {
    expect(
      problems({
        name: 'r',
        action: { provider: 'x' },
        conditions: [{ field: 'user.age', operator: 'eq', value: 1 }],
      }),
    ).toEqual([
      {
        path: 'conditions[0].field',
        message: expect.stringMatching(/^unknown field "user.age"; expected one of user.id, /),
      },
    ]);
    expect(
      problems({
        name: 'r',
        action: { provider: 'x' },
        conditions: [{ field: 'user.id', operator: '==', value: 'a' }],
      }),
    ).toEqual([
      {
        path: 'conditions[0].operator',
        message: 'unknown operator "=="; expected one of eq|neq|in|nin|gt|gte|lt|lte|contains|matches|exists',
      },
    ]);
  });

  it('accepts header and metadata families', () => {
    const spec = parseRuleSpec({
      name: 'r',
      action: { provider: 'x' },
      conditions: [
        { field: 'request.header.x-team', operator: 'eq', value: 'blue' },
        { field: 'request.metadata.tags', operator: 'contains', value: 'beta' },
      ],
    });
    expect(spec.conditions).toHaveLength(2);
  });

  it('reports a rule by name, else id, else a placeholder', () => {
    expect(() => parseRuleSpec({ name: 'named', action: 1 })).toThrow('rule "named": action:');
    expect(() => parseRuleSpec({ id: 'r-1', action: 1 })).toThrow('rule "r-1": ');
    expect(() => parseRuleSpec({ action: 1 })).toThrow('rule "(unnamed)": ');
    expect(() => parseRuleSpec('rule')).toThrow('rule "(not an object)": ');
  });

  it('yields a JSON Schema for editors', () => {
    const schema = z.toJSONSchema(ruleSpecSchema, { io: 'input' }) as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.required).toEqual(['name', 'action']);
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(schema.properties.conditions)).toContain('"matches"');
  });
});
