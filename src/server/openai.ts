import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.ts';
import { openAIPassthrough } from '../providers/codecs/openai-openai.ts';
import { codecsFor } from '../providers/codecs/select.ts';
import { embeddingsConversation } from '../routing/request-facts.ts';
import { handleModelRequest } from './model-request.ts';
import { parseChatBody, parseEmbeddingsBody } from './openai-body.ts';

/** The OpenAI-compatible ingress: chat completions, embeddings, models. */
export function registerOpenAIRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.post('/v1/chat/completions', (request, reply) =>
    handleModelRequest(gateway, request, reply, {
      endpoint: 'chat',
      op: 'chat',
      parse: parseChatBody,
      codecFor: (body) => codecsFor('openai', { body }),
    }),
  );

  app.post('/v1/embeddings', (request, reply) =>
    handleModelRequest(gateway, request, reply, {
      endpoint: 'embeddings',
      op: 'embeddings',
      parse: parseEmbeddingsBody,
      // Embeddings exist only in the OpenAI API: there is nothing to translate them to.
      codecFor: (body) => {
        const codec = openAIPassthrough({ body });
        return () => codec;
      },
      conversation: (body) => embeddingsConversation(body.input),
    }),
  );

  app.get('/v1/models', async (request, reply) => {
    request.exchange.endpoint = 'models';
    return reply.type('application/json').send(gateway.snapshot.modelListJson);
  });
}
