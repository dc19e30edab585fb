import { z } from 'zod';

/**
 * `routing.policy_provider` (DESIGN §2 step 4, §3): the external HTTP service that serves policy
 * documents by `policy_id` + `revision`. Header values arrive already env-interpolated by the
 * config loader; they are secrets, so nothing in this folder ever prints them.
 */

export const POLICY_PROVIDER_ON_ERROR = ['fallthrough', 'reject'] as const;
export type PolicyProviderOnError = (typeof POLICY_PROVIDER_ON_ERROR)[number];

const httpUrl = z.url({ protocol: /^https?$/, error: 'Invalid URL: must be http(s)' });

export const policyProviderSchema = z.strictObject({
  url: httpUrl.describe('GET <url>?policy_id=<id>&revision=<n>; a query already in the url is kept'),
  headers: z
    .record(z.string(), z.string())
    .default({})
    .describe('sent with every fetch, e.g. {authorization: "Bearer $POLICY_TOKEN"}'),
  ttl_seconds: z.int().min(0).default(300).describe('how long a fetched policy is served from cache'),
  timeout_ms: z.int().min(1).default(1500).describe('deadline for one fetch, headers and body together'),
  on_error: z
    .enum(POLICY_PROVIDER_ON_ERROR)
    .default('fallthrough')
    .describe('no usable policy and nothing cached: fall through to the next policy source, or answer 503'),
  max_entries: z.int().min(1).default(10_000).describe('policies kept in the in-process LRU cache'),
  not_found_ttl_seconds: z.int().min(0).default(30).describe('how long a 404 from the provider is cached'),
  max_body_bytes: z
    .int()
    .min(1)
    .default(1024 * 1024)
    .describe('larger responses are refused without being buffered'),
});

/** The validated `routing.policy_provider`, defaults applied. */
export type PolicyProviderConfig = z.output<typeof policyProviderSchema>;
/** `routing.policy_provider` as written: everything but `url` may be left out. */
export type PolicyProviderConfigInput = z.input<typeof policyProviderSchema>;
