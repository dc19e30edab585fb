import { z } from 'zod';
import { ruleSpecSchema } from '../routing/rules/schema.ts';

/** The OpenAPI 3.1 document of the admin API, its rule schema generated from the one zod schema. */
let cached: Record<string, unknown> | undefined;

export function adminOpenApiDocument(): Record<string, unknown> {
  cached ??= build();
  return cached;
}

function build(): Record<string, unknown> {
  const rule = z.toJSONSchema(ruleSpecSchema, { io: 'input', target: 'openapi-3.0' });
  const error = {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: { message: { type: 'string' }, type: { type: 'string' }, code: { type: 'string' } },
      },
    },
  };
  const tenant = { name: 'tenant', in: 'path', required: true, schema: { type: 'string' } };
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const responses = (ok: string) => ({
    [ok]: { description: 'OK' },
    '400': { description: 'Invalid input', content: { 'application/json': { schema: error } } },
    '401': { description: 'No or invalid admin credential' },
    '403': { description: 'Credential not allowed for this tenant or action' },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'Switchyard admin API', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Rule: rule, Error: error },
    },
    security: [{ bearer: [] }],
    paths: {
      '/admin/v1/tenants/{tenant}/rules': {
        parameters: [tenant],
        get: { summary: "List a tenant's rules", responses: responses('200') },
        post: {
          summary: 'Create a rule (validated like config rules)',
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Rule' } } } },
          responses: { ...responses('201'), '409': { description: 'A rule with this id or name exists' } },
        },
      },
      '/admin/v1/tenants/{tenant}/rules/{id}': {
        parameters: [tenant, id],
        get: {
          summary: 'Read a rule',
          responses: { ...responses('200'), '404': { description: 'No such rule' } },
        },
        put: {
          summary: 'Replace a rule; needs its current `version` (body or If-Match)',
          responses: {
            ...responses('200'),
            '404': { description: 'No such rule' },
            '409': { description: 'Stale version' },
          },
        },
        delete: {
          summary: 'Delete a rule',
          responses: { ...responses('204'), '404': { description: 'No such rule' } },
        },
      },
      '/admin/v1/tenants/{tenant}/rules.export': {
        parameters: [tenant, { name: 'format', in: 'query', schema: { enum: ['json', 'yaml'] } }],
        get: { summary: "Export a tenant's rules", responses: responses('200') },
      },
      '/admin/v1/tenants/{tenant}/rules.import': {
        parameters: [tenant],
        post: {
          summary: "Replace a tenant's rules from JSON or YAML, all or nothing",
          responses: responses('200'),
        },
      },
      '/admin/v1/explain': {
        post: { summary: 'The decision trace for a request; calls no upstream', responses: responses('200') },
      },
      '/admin/v1/config': {
        get: { summary: 'The active config, secrets redacted', responses: responses('200') },
      },
      '/admin/v1/config/reload': { post: { summary: 'Reload the config file', responses: responses('200') } },
    },
  };
}
