import { z } from 'zod';
import { identitySchema } from '../identity/schema.ts';
import { SENSITIVITY_LEVELS } from '../inspect/sensitivity.ts';
import { mcpSchema, mcpServersSchema } from '../mcp/schema.ts';
import { preferenceRouteSchema } from '../routing/policy/document.ts';
import { policyProviderSchema } from '../routing/policy/provider-config.ts';
import { priceListSchema, routerSchema } from '../routing/preferences/config.ts';
import { ruleSpecSchema } from '../routing/rules/schema.ts';

/**
 * The configuration schema (DESIGN §8). One zod schema validates the YAML and also yields the JSON
 * Schema for editors (`schema/switchyard.schema.json`, kept in sync by a test). Keys are snake_case.
 */

export const PROVIDER_KINDS = [
  'openai',
  'azure-openai',
  'mistral',
  'ollama',
  'vllm',
  'openai-compatible',
  'anthropic',
] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, "-" or "_" (max 63)');

const httpUrl = z.url({ protocol: /^https?$/, error: 'Invalid URL' });

const headerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lower-case header name')
  .max(64);

/** Headers the gateway owns (credentials, framing, tracing) may not be copied from a client. */
const NOT_PASSABLE = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'host',
  'content-length',
  'content-type',
  'connection',
  'transfer-encoding',
  'accept',
  'accept-encoding',
  'x-request-id',
  'traceparent',
]);

const passableHeader = headerName.refine((value) => !NOT_PASSABLE.has(value), {
  message: 'is set by the gateway and cannot be passed through',
});

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:8080');

const price = z.strictObject({
  input: z.number().nonnegative().describe('USD per million input tokens'),
  output: z.number().nonnegative().describe('USD per million output tokens'),
});

export const circuitBreakerSchema = z.strictObject({
  failure_threshold: z.int().min(1).default(5).describe('consecutive failures that open the breaker'),
  cooldown_ms: z.int().min(1).default(30_000).describe('how long it stays open before a half-open probe'),
});

export const providerSchema = z
  .strictObject({
    name,
    kind: z.enum(PROVIDER_KINDS),
    base_url: httpUrl.optional().describe('defaults per kind where the API has a well-known endpoint'),
    api_key: z.string().optional().describe('use $ENV_NAME; never written in the file'),
    api_version: z.string().optional().describe('azure-openai: the api-version query parameter'),
    anthropic_version: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, e.g. 2023-06-01')
      .optional()
      .describe('anthropic: the anthropic-version header sent upstream (default 2023-06-01)'),
    pass_headers: z
      .array(passableHeader)
      .default([])
      .describe('client request headers forwarded to this provider, e.g. [anthropic-beta]'),
    headers: z.record(z.string(), z.string()).default({}),
    models: z.array(z.string().min(1)).default([]).describe('models this provider serves; empty = any'),
    timeout_ms: z.int().min(1).default(60_000).describe('time to response headers for one attempt'),
    max_connections: z.int().min(1).default(128),
    pricing: z.record(z.string(), price).default({}),
    circuit_breaker: circuitBreakerSchema.prefault({}),
  })
  .superRefine((provider, ctx) => {
    const needsUrl =
      provider.kind === 'azure-openai' || provider.kind === 'vllm' || provider.kind === 'openai-compatible';
    if (needsUrl && !provider.base_url) {
      ctx.addIssue({ code: 'custom', path: ['base_url'], message: `required for kind ${provider.kind}` });
    }
    if (provider.kind === 'azure-openai' && !provider.api_version) {
      ctx.addIssue({ code: 'custom', path: ['api_version'], message: 'required for kind azure-openai' });
    }
  });

export const serverSchema = z.strictObject({
  listen: listen.default('127.0.0.1:8080'),
  max_body_bytes: z
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  request_timeout_ms: z.int().min(1).default(120_000).describe('deadline for the whole fallback chain'),
  stream_idle_timeout_ms: z.int().min(1).default(60_000).describe('longest silence allowed inside a stream'),
  drain_timeout_ms: z.int().min(0).default(10_000).describe('graceful shutdown: time for in-flight requests'),
  max_in_flight: z
    .int()
    .min(0)
    .default(2048)
    .describe('requests served at once; past it new ones get 503 at once instead of queueing (0: no limit)'),
});

export const loggingSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  file: z.string().optional().describe('write logs here instead of stdout'),
});

export const tracingSchema = z.strictObject({
  otlp_endpoint: httpUrl.optional().describe('OTLP/HTTP traces endpoint; tracing is off when absent'),
  service_name: z.string().default('switchyard'),
});

export const directBackendSchema = z.strictObject({
  enabled: z.boolean().default(false),
  header: headerName.default('x-ai-gateway-backend'),
  allowed: z
    .union([z.array(z.string().min(1)), z.literal('routed')])
    .default([])
    .describe('providers or provider/model the header may name, or "routed": those the routing config uses'),
});

export const sessionRedisSchema = z.strictObject({
  url: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .describe('e.g. $REDIS_URL; a password in it is a secret'),
  prefix: z
    .string()
    .min(1)
    .max(128)
    .default('switchyard:session')
    .describe('keys are {prefix}:{tenant}:{session}'),
  command_timeout_ms: z
    .int()
    .min(1)
    .default(200)
    .describe('a slower answer counts as a failure: affinity never stalls a request'),
  connect_timeout_ms: z
    .int()
    .min(1)
    .default(1_000)
    .describe('a connection attempt that takes longer fails; requests wait for the first one only'),
});

export const sessionAffinitySchema = z
  .strictObject({
    header: headerName.default('x-session-id'),
    ttl_seconds: z.int().min(1).default(600),
    max_entries: z.int().min(1).default(100_000).describe('memory store: most sessions kept'),
    store: z.enum(['memory', 'redis']).default('memory'),
    redis: sessionRedisSchema.optional().describe('required when store is redis'),
    implicit: z
      .boolean()
      .default(false)
      .describe(
        'without the header, key the session by a sha256 of tenant + system prompt + first user message',
      ),
  })
  .superRefine((affinity, ctx) => {
    if (affinity.store === 'redis' && !affinity.redis) {
      ctx.addIssue({ code: 'custom', path: ['redis'], message: 'required when store is redis' });
    }
  });

export const inlinePolicySchema = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe('allow routing_policy / routing_preferences in request bodies'),
  max_bytes: z.int().min(256).default(16_384),
});

export const routingSchema = z.strictObject({
  default: z.string().optional().describe('provider/model or alias used when nothing else decides'),
  use_case_header: headerName.default('x-use-case').describe('header read as request.use_case'),
  media_sensitivity: z
    .enum(SENSITIVITY_LEVELS)
    .default('none')
    .describe(
      'the least request.sensitivity of a request with an image, audio or file part the PII scan cannot read (anything but text): critical keeps all such media where the most sensitive prompts go',
    ),
  rules: z.array(ruleSpecSchema).default([]).describe('static rules; enforce: true ones come first of all'),
  routing_preferences: z.array(preferenceRouteSchema).default([]),
  direct_backend: directBackendSchema.prefault({}),
  session_affinity: sessionAffinitySchema
    .optional()
    .describe('pin a conversation to its first model; off when absent'),
  inline_policy: inlinePolicySchema.prefault({}),
  policy_provider: policyProviderSchema.optional(),
  router: routerSchema.optional().describe('the router model of preference routes; none when absent'),
  price_list: priceListSchema.optional().describe('prices for prefer: cheapest, after providers[].pricing'),
});

export const rulesStoreSchema = z
  .strictObject({
    kind: z
      .enum(['embedded', 'postgres', 'memory'])
      .default('embedded')
      .describe("where tenants' stored rules live: embedded (PGlite in a data folder), postgres, memory"),
    path: z
      .string()
      .min(1)
      .default('./.switchyard/rules')
      .describe('embedded: the data folder (one process per folder)'),
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional()
      .describe('postgres: connection URL, e.g. $DATABASE_URL; a password in it is a secret'),
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,47}$/, 'must be a lower-case SQL identifier (max 48)')
      .default('switchyard')
      .describe('SQL schema holding the tables; notifications go to the channel <schema>_rules'),
    cache_ttl_seconds: z.int().min(0).default(30).describe("safety-net TTL of a tenant's compiled rules"),
  })
  .superRefine((store, ctx) => {
    if (store.kind === 'postgres' && !store.url) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when kind is postgres' });
    }
  });

export const configSchema = z
  .strictObject({
    version: z.literal(1),
    server: serverSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    tracing: tracingSchema.prefault({}),
    admin: z
      .strictObject({
        keys: z
          .array(
            z.union([
              z.string().min(16),
              z.strictObject({ key: z.string().min(16), tenant: z.string().min(1).optional() }),
            ]),
          )
          .default([])
          .describe('admin API keys ($ENV); an entry with a tenant may only touch that tenant'),
      })
      .prefault({}),
    providers: z.array(providerSchema).min(1),
    models: z
      .record(z.string(), z.array(z.string().min(1)).min(1))
      .default({})
      .describe('aliases: an ordered list of provider/model targets, first is primary'),
    identity: identitySchema.prefault({}),
    routing: routingSchema.prefault({}),
    rules_store: rulesStoreSchema.prefault({}),
    mcp: mcpSchema.prefault({}).describe('settings shared by the MCP routes'),
    mcp_servers: mcpServersSchema.describe(
      'MCP tool servers, each proxied at /mcp/<name> with its policy chains',
    ),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.providers.forEach((provider, index) => {
      if (seen.has(provider.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['providers', index, 'name'],
          message: `duplicate provider "${provider.name}"`,
        });
      }
      seen.add(provider.name);
    });
  });

export type SwitchyardConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
