import { z } from 'zod';
import { formatPath, RuleError, type RuleProblem } from './errors.ts';
import { resolveField } from './fields.ts';
import { OPERATORS } from './operators.ts';

/*
 * The declarative shape of a rule, as written in YAML, stored as JSONB, or sent inline. This is
 * structure only (plus field and operator names, so editors get them from the JSON Schema); the
 * semantic checks that need context (operand type per field and operator, known providers, regex
 * safety) happen in compile.ts.
 */

const scalarSchema = z.union([z.string(), z.number(), z.boolean()]);

export const conditionValueSchema = z.union([scalarSchema, z.array(scalarSchema)]);

export const conditionSpecSchema = z.strictObject({
  field: z.string().superRefine(function knownField(field, ctx) {
    const resolved = resolveField(field);
    if ('problem' in resolved) ctx.addIssue({ code: 'custom', message: resolved.problem });
  }),
  operator: z.enum(OPERATORS, {
    error: (issue) =>
      `unknown operator ${JSON.stringify(issue.input)}; expected one of ${OPERATORS.join('|')}`,
  }),
  value: conditionValueSchema.optional(),
});

export const routeActionSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1).optional(),
  fallback_providers: z.array(z.string().min(1)).optional(),
});

export const rejectActionSchema = z.strictObject({
  reject: z.string().min(1),
});

export const ruleActionSchema = z.union([routeActionSchema, rejectActionSchema], {
  error: () => 'needs either {provider, model?, fallback_providers?} or {reject: message}',
});

export const ruleSpecSchema = z.strictObject({
  id: z.string().min(1).optional(),
  tenant_id: z.string().min(1).optional(),
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  conditions: z.array(conditionSpecSchema).default([]),
  action: ruleActionSchema,
  priority: z.int().default(100),
  enabled: z.boolean().default(true),
  enforce: z.boolean().default(false),
});

export type ConditionValue = z.infer<typeof conditionValueSchema>;
export type ConditionSpec = z.infer<typeof conditionSpecSchema>;
export type RuleAction = z.infer<typeof ruleActionSchema>;
/** A validated rule, defaults applied. */
export type RuleSpec = z.output<typeof ruleSpecSchema>;
/** A rule as written: `conditions`, `priority`, `enabled`, `enforce` may be left out. */
export type RuleSpecInput = z.input<typeof ruleSpecSchema>;

/**
 * Validates the shape of one rule from untrusted input (store row, admin API, inline policy),
 * reporting every problem as a RuleError named after the rule.
 */
export function parseRuleSpec(input: unknown): RuleSpec {
  const result = ruleSpecSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(function toProblem(issue): RuleProblem {
    return { path: formatPath(issue.path), message: issue.message };
  });
  throw new RuleError(labelOf(input), problems);
}

/** The name to report a rule by, even when the input is too broken to have a valid one. */
export function labelOf(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '(not an object)';
  const { name, id } = input as { name?: unknown; id?: unknown };
  if (typeof name === 'string' && name !== '') return name;
  if (typeof id === 'string' && id !== '') return id;
  return '(unnamed)';
}
