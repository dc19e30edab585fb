import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Snapshot } from '../config/snapshot.ts';
import type { Gateway } from '../gateway.ts';
import { anthropicPromptEstimate } from '../providers/codecs/anthropic-openai.ts';
import { codecsFor } from '../providers/codecs/select.ts';
import { replyTarget } from './answer.ts';
import { parseCountTokensBody, parseMessagesBody } from './anthropic-body.ts';
import { decideRequest, type ModelEndpoint, modelEndpoint, registerModelEndpoint } from './model-request.ts';
import type { JsonObject } from './openai-body.ts';
import { proxy } from './proxy.ts';

/**
 * The Anthropic-compatible ingress: `POST /v1/messages` goes through the same identity, routing
 * and fallback as chat completions. To an Anthropic provider it passes through untranslated; to an
 * OpenAI-compatible one it is translated both ways (the codec decides per target). Errors take the
 * Anthropic shape (the error handler answers it for every `/v1/messages` path).
 */
export const anthropicModelEndpoints: readonly ModelEndpoint[] = [
  modelEndpoint('/v1/messages', {
    endpoint: 'messages',
    op: 'chat',
    parse: parseMessagesBody,
    codecFor: (body, raw) => codecsFor('anthropic', { body, raw }),
  }),
];

export function registerAnthropicRoutes(app: FastifyInstance, gateway: Gateway): void {
  for (const endpoint of anthropicModelEndpoints) registerModelEndpoint(app, gateway, endpoint);

  app.post('/v1/messages/count_tokens', async (request, reply) => {
    const { snapshot, exchange, body, decision } = await decideRequest(gateway, request, {
      endpoint: 'other',
      parse: parseCountTokensBody,
    });
    // Only Anthropic providers can count; with none among the targets, the gateway estimates.
    const counting = decision.targets.filter((target) => isAnthropic(snapshot, target.provider));
    if (counting.length === 0) return sendEstimate(reply, body);
    await proxy({
      gateway,
      snapshot,
      exchange,
      answer: replyTarget(gateway, reply),
      decision: { ...decision, targets: counting },
      op: 'count_tokens',
      stream: false,
      codecFor: codecsFor('anthropic', { body }),
      clientHeaders: request.headers,
    });
    return reply;
  });
}

function isAnthropic(snapshot: Snapshot, provider: string): boolean {
  return snapshot.providers.get(provider)?.profile.api === 'anthropic';
}

/**
 * The gateway's own count (src/inspect, calibrated on o200k): what an OpenAI-compatible target
 * would see. `x-switchyard-token-count: estimate` tells it apart from a provider's count.
 */
function sendEstimate(reply: FastifyReply, body: JsonObject): FastifyReply {
  return reply
    .header('x-switchyard-token-count', 'estimate')
    .type('application/json')
    .send({ input_tokens: anthropicPromptEstimate(body) });
}
