import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gateway } from '../gateway.ts';
import { openAIPassthrough } from '../providers/codecs/openai-openai.ts';
import { codecsFor } from '../providers/codecs/select.ts';
import { embeddingsConversation } from '../routing/request-facts.ts';
import type { Exchange } from './exchange.ts';
import { parseChatBody, parseEmbeddingsBody } from './openai-body.ts';
import { proxy } from './proxy.ts';
import { rememberSession, routeRequest } from './route-request.ts';

/** The OpenAI-compatible ingress: chat completions, embeddings, models. */
export function registerOpenAIRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const exchange = exchangeOf(request, 'chat');
    const snapshot = gateway.snapshot;
    exchange.snapshot = snapshot;
    const identity = await snapshot.authenticator.authenticate(request.headers);
    const body = parseChatBody(request.body);
    const decision = await routeRequest({ gateway, snapshot, identity, body, headers: request.headers });
    exchange.decision = decision;
    return proxy({
      gateway,
      snapshot,
      exchange,
      reply,
      decision,
      op: 'chat',
      stream: body.stream === true,
      codecFor: codecsFor('openai', { body }),
      clientHeaders: request.headers,
      onServed: (target) => rememberSession(gateway, decision, target),
    });
  });

  app.post('/v1/embeddings', async (request, reply) => {
    const exchange = exchangeOf(request, 'embeddings');
    const snapshot = gateway.snapshot;
    exchange.snapshot = snapshot;
    const identity = await snapshot.authenticator.authenticate(request.headers);
    const body = parseEmbeddingsBody(request.body);
    const embeddingsCodec = openAIPassthrough({ body });
    const decision = await routeRequest({
      gateway,
      snapshot,
      identity,
      body,
      headers: request.headers,
      conversation: () => embeddingsConversation(body.input),
    });
    exchange.decision = decision;
    return proxy({
      gateway,
      snapshot,
      exchange,
      reply,
      decision,
      op: 'embeddings',
      stream: false,
      // Embeddings exist only in the OpenAI API: there is nothing to translate them to.
      codecFor: () => embeddingsCodec,
      clientHeaders: request.headers,
      onServed: (target) => rememberSession(gateway, decision, target),
    });
  });

  app.get('/v1/models', async (request, reply) => {
    exchangeOf(request, 'models');
    return reply.type('application/json').send(gateway.snapshot.modelListJson);
  });
}

function exchangeOf(request: FastifyRequest, endpoint: Exchange['endpoint']): Exchange {
  const exchange = request.exchange;
  exchange.endpoint = endpoint;
  return exchange;
}
