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
    const { ready: storeReady, ...rulesStore } = gateway.routing.ruleStoreStatus();
    const draining = isDraining();
    const ready = !draining && storeReady;
    const body: Record<string, unknown> = {
      status: draining ? 'draining' : ready ? 'ready' : 'not_ready',
      config: { generation: snapshot.generation, loaded_at: snapshot.loadedAt.toISOString() },
      // Down but ready: this replica serves the rules it compiled last until the store returns.
      rules_store: rulesStore.ok ? rulesStore : { ...rulesStore, serving_cached: storeReady },
    };
    if (!draining && !ready && !rulesStore.ok) {
      body.reason = `the rule store is unavailable and no rules are cached: ${rulesStore.error}`;
    }
    return reply.code(ready ? 200 : 503).send(body);
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await gateway.metrics.registry.metrics();
    return reply.type(gateway.metrics.registry.contentType).send(text);
  });
}
