import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.ts';

/** Liveness, readiness and Prometheus metrics. */
export function registerHealthRoutes(
  app: FastifyInstance,
  gateway: Gateway,
  isDraining: () => boolean,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const snapshot = gateway.snapshot;
    const ready = !isDraining();
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'draining',
      config: { generation: snapshot.generation, loaded_at: snapshot.loadedAt.toISOString() },
    });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await gateway.metrics.registry.metrics();
    return reply.type(gateway.metrics.registry.contentType).send(text);
  });
}
