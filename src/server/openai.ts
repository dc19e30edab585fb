import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gateway } from '../gateway.ts';
import { decideByModel } from '../routing/model-step.ts';
import type { Exchange } from './exchange.ts';
import { parseChatBody, parseEmbeddingsBody, upstreamBody } from './openai-body.ts';
import { proxy } from './proxy.ts';

/** The OpenAI-compatible ingress: chat completions, embeddings, models. */
export function registerOpenAIRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const exchange = exchangeOf(request, 'chat');
    const snapshot = gateway.snapshot;
    exchange.snapshot = snapshot;
    const body = parseChatBody(request.body);
    const decision = decideByModel(snapshot, body.model, []);
    exchange.decision = decision;
    return proxy({
      gateway,
      snapshot,
      exchange,
      reply,
      decision,
      op: 'chat',
      stream: body.stream === true,
      encodeBody: (target) => JSON.stringify(upstreamBody(body, target.model)),
    });
  });

  app.post('/v1/embeddings', async (request, reply) => {
    const exchange = exchangeOf(request, 'embeddings');
    const snapshot = gateway.snapshot;
    exchange.snapshot = snapshot;
    const body = parseEmbeddingsBody(request.body);
    const decision = decideByModel(snapshot, body.model, []);
    exchange.decision = decision;
    return proxy({
      gateway,
      snapshot,
      exchange,
      reply,
      decision,
      op: 'embeddings',
      stream: false,
      encodeBody: (target) => JSON.stringify(upstreamBody(body, target.model)),
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
