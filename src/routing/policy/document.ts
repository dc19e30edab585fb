import { z } from 'zod';
import { ruleSpecSchema } from '../rules/schema.ts';

/**
 * A routing policy document (DESIGN §3), wherever it comes from: the external policy provider,
 * inline in a request, or assembled from a tenant's stored rules. One schema validates all of them.
 */
export const SUPPORTED_SCHEMA_VERSIONS = [1] as const;

export const PREFERENCE_SELECTIONS = ['cheapest', 'fastest', 'none'] as const;

export const preferenceRouteSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be letters, digits, ".", "_" or "-" (max 64)'),
  description: z.string().min(1).max(1000),
  models: z.array(z.string().min(1)).min(1).describe('provider/model targets or aliases'),
  selection_policy: z
    .strictObject({ prefer: z.enum(PREFERENCE_SELECTIONS).default('none') })
    .prefault({})
    .describe('how the route ranks its models: by price, by observed latency, or as listed'),
});

export const policyDocumentSchema = z.strictObject({
  policy_id: z.string().min(1).max(256),
  revision: z.int().nonnegative().optional(),
  schema_version: z.number().refine((v) => (SUPPORTED_SCHEMA_VERSIONS as readonly number[]).includes(v), {
    message: `unsupported schema_version; supported: ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`,
  }),
  rules: z.array(ruleSpecSchema).default([]),
  routing_preferences: z.array(preferenceRouteSchema).default([]),
  default: z.string().min(1).optional().describe('provider/model or alias when no rule or route decides'),
});

export type PreferenceRouteSpec = z.output<typeof preferenceRouteSchema>;
export type PolicyDocument = z.output<typeof policyDocumentSchema>;
