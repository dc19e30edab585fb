import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.ts';
import { openAIPassthrough } from '../providers/codecs/openai-openai.ts';
import { codecsFor } from '../providers/codecs/select.ts';
import { embeddingsConversation, holdsTokenIds } from '../routing/request-facts.ts';
import { type ModelEndpoint, modelEndpoint, registerModelEndpoint } from './model-request.ts';
import { parseChatBody, parseEmbeddingsBody } from './openai-body.ts';

/** The OpenAI-compatible ingress: chat completions, embeddings, models. */
export const openAIModelEndpoints: readonly ModelEndpoint[] = [
  modelEndpoint('/v1/chat/completions', {
    endpoint: 'chat',
    op: 'chat',
    parse: parseChatBody,
    codecFor: (body, raw) => codecsFor('openai', { body, raw }),
  }),
  modelEndpoint('/v1/embeddings', {
    endpoint: 'embeddings',
    op: 'embeddings',
    parse: parseEmbeddingsBody,
    // Embeddings exist only in the OpenAI API: there is nothing to translate them to.
    codecFor: (body, raw) => {
      const codec = openAIPassthrough({ body, raw });
      return () => codec;
    },
    conversation: (body) => embeddingsConversation(body.input),
    unreadableContent: (body) => holdsTokenIds(body.input),
  }),
];

export function registerOpenAIRoutes(app: FastifyInstance, gateway: Gateway): void {
  for (const endpoint of openAIModelEndpoints) registerModelEndpoint(app, gateway, endpoint);

  app.get('/v1/models', async (request, reply) => {
    request.exchange.endpoint = 'models';
    return reply.type('application/json').send(gateway.snapshot.modelListJson);
  });
}
