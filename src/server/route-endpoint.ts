import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.ts';
import { describeDecision } from './explain.ts';
import { decideRequest } from './model-request.ts';
import { parseChatBody } from './openai-body.ts';

/**
 * `POST /v1/route`: the routing decision for a chat completions body, as the proxy path would make
 * it for the same caller — the router model is asked when a preference route applies — but no
 * model is called and nothing is remembered for the session.
 */
export function registerRouteEndpoint(app: FastifyInstance, gateway: Gateway): void {
  app.post('/v1/route', async (request, reply) => {
    // Each step's outcome; rule-by-rule condition details stay on the admin explain endpoint.
    const { decision } = await decideRequest(
      gateway,
      request,
      { endpoint: 'route', parse: parseChatBody },
      'steps',
    );
    return reply.type('application/json').send({ object: 'switchyard.route', ...describeDecision(decision) });
  });
}
