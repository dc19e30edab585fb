import { z } from 'zod';

/**
 * `routing.router` and `routing.price_list` (DESIGN §3, preference routes): the router model that
 * picks a preference route, and an optional price list that `selection_policy: cheapest` reads
 * beside the providers' own `pricing`.
 */
const httpUrl = z.url({ protocol: /^https?$/, error: 'Invalid URL: must be http(s)' });

export const routerSchema = z.strictObject({
  provider: z.string().min(1).describe('a configured provider speaking the OpenAI chat API'),
  model: z.string().min(1).describe('the router model, e.g. an Arch-Router deployment'),
  timeout_ms: z
    .int()
    .min(1)
    .default(1500)
    .describe('hard deadline for one router call; then the policy default'),
  max_tokens: z.int().min(1).default(32).describe('the answer is one short JSON object'),
  conversation_token_budget: z
    .int()
    .min(16)
    .default(2048)
    .describe('estimated tokens of conversation shown to the router; newest turns are kept'),
});

export const priceListSchema = z.strictObject({
  url: httpUrl.describe('a price list in the models.dev api.json shape (USD per million tokens)'),
  refresh_seconds: z.int().min(1).default(3600).describe('how often the list is fetched again'),
  timeout_ms: z.int().min(1).default(10_000).describe('deadline for one fetch'),
  max_body_bytes: z
    .int()
    .min(1)
    .default(32 * 1024 * 1024)
    .describe('larger lists are refused'),
});

export type RouterConfig = z.output<typeof routerSchema>;
export type PriceListConfig = z.output<typeof priceListSchema>;
