import { z } from 'zod';

/**
 * The `mcp:` and `mcp_servers:` sections (DESIGN §8). Each MCP server is a route `/mcp/<name>`
 * whose policy chains are compiled once into the snapshot (compile.ts).
 *
 * A policy is one of `allow`, `deny`, `rate_limit`, `audit`, written as a one-key object so a
 * chain reads top to bottom in YAML:
 *
 *   policies: [{deny: {role: intern}}, {rate_limit: {requests: 60, per_seconds: 60}}, {audit: {}}]
 *   tools: {delete_record: [{allow: {role: [admin]}}, {audit: {arguments: true}}]}
 */

const serverName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, "-" or "_" (max 63)');

const httpUrl = z.url({ protocol: /^https?$/, error: 'Invalid URL' });

const values = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const identityMatchSchema = z
  .strictObject({
    tenant: values.optional(),
    user: values.optional().describe('user ids'),
    role: values.optional(),
    department: values.optional(),
  })
  .describe('matches when every field given matches one of its values; {} matches every caller');

export const rateLimitSchema = z
  .strictObject({
    requests: z.int().min(1).describe('calls allowed in a burst, refilled evenly over per_seconds'),
    per_seconds: z.number().positive(),
  })
  .describe('token bucket per tool and per user (tenant + user id)');

export const auditSchema = z
  .strictObject({
    arguments: z
      .boolean()
      .default(false)
      .describe('also log the call arguments (they may hold personal data)'),
  })
  .describe('one log line per tool call: tool, identity, outcome, duration');

const POLICY_KINDS = ['allow', 'deny', 'rate_limit', 'audit'] as const;

export const mcpPolicySchema = z
  .strictObject({
    allow: identityMatchSchema.optional().describe('the call goes on only if the caller matches'),
    deny: identityMatchSchema.optional().describe('the call is refused if the caller matches'),
    rate_limit: rateLimitSchema.optional(),
    audit: auditSchema.optional(),
  })
  .superRefine(function exactlyOneKind(policy, ctx) {
    const kinds = POLICY_KINDS.filter((kind) => policy[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `a policy has exactly one of ${POLICY_KINDS.join(', ')} (found ${kinds.length === 0 ? 'none' : kinds.join(' and ')})`,
      });
    }
  });

const chainSchema = z.array(mcpPolicySchema);

export const mcpServerSchema = z.strictObject({
  name: serverName.describe('served at /mcp/<name>'),
  url: httpUrl.describe("the server's Streamable HTTP endpoint, e.g. http://127.0.0.1:9000/mcp"),
  headers: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "sent to the server with every request (use $ENV for secrets); the caller's credentials never are",
    ),
  timeout_ms: z.int().min(1).default(60_000).describe("time to the server's response headers"),
  max_connections: z.int().min(1).default(64),
  policies: chainSchema
    .default([])
    .describe(
      'the default chain: allow/deny gate every message; rate_limit and audit apply to every tool call',
    ),
  tools: z
    .record(z.string().min(1), chainSchema)
    .default({})
    .describe('per tool: more policies, run after `policies` for tools/call of that tool'),
  unlisted_tools: z
    .enum(['allow', 'deny'])
    .default('allow')
    .describe('deny: only tools named under `tools` may be listed and called'),
});

export const mcpServersSchema = z
  .array(mcpServerSchema)
  .superRefine(function uniqueNames(servers, ctx) {
    const seen = new Set<string>();
    servers.forEach((server, index) => {
      if (seen.has(server.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicate MCP server "${server.name}"`,
        });
      }
      seen.add(server.name);
    });
  })
  .default([]);

export const mcpRateLimitStoreSchema = z
  .strictObject({
    store: z.enum(['memory', 'redis']).default('memory').describe('redis: buckets shared by every replica'),
    redis_url: z
      .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
      .optional()
      .describe('required with store: redis; use $ENV when it holds a password'),
    key_prefix: z.string().min(1).default('switchyard:mcp:rl'),
    max_buckets: z
      .int()
      .min(1)
      .default(100_000)
      .describe('memory store: most buckets kept (least recently used go first)'),
    on_store_error: z
      .enum(['allow', 'deny'])
      .default('allow')
      .describe('when Redis cannot be reached: let the call through, or refuse it as rate limited'),
  })
  .superRefine(function redisNeedsUrl(store, ctx) {
    if (store.store === 'redis' && store.redis_url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['redis_url'], message: 'required with store: redis' });
    }
  });

export const mcpSchema = z.strictObject({
  max_body_bytes: z
    .int()
    .min(1024)
    .default(1024 * 1024)
    .describe('largest JSON-RPC body accepted on /mcp routes (needs a restart to change)'),
  rate_limit: mcpRateLimitStoreSchema.prefault({}),
});

export type McpPolicyConfig = z.output<typeof mcpPolicySchema>;
export type IdentityMatchConfig = z.output<typeof identityMatchSchema>;
export type McpServerConfig = z.output<typeof mcpServerSchema>;
export type McpConfig = z.output<typeof mcpSchema>;
export type McpRateLimitStoreConfig = z.output<typeof mcpRateLimitStoreSchema>;
