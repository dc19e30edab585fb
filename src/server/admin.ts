import type { FastifyInstance } from 'fastify';
import { redactConfig } from '../config/redact.ts';
import { errors } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import { authenticateAdmin, checkTenantAccess } from './admin-auth.ts';
import { adminOpenApiDocument } from './admin-openapi.ts';
import { registerAdminRuleRoutes } from './admin-rules.ts';
import { explainRequest } from './explain.ts';

/**
 * The admin API (`/admin/v1`): every route needs an admin credential. It lives in its own Fastify
 * context so that only here may bodies be YAML (rule import).
 */
export function registerAdminRoutes(app: FastifyInstance, gateway: Gateway): void {
  void app.register(async function adminApi(admin) {
    admin.addContentTypeParser(
      ['application/yaml', 'application/x-yaml', 'text/yaml'],
      { parseAs: 'string' },
      (_req, body, done) => done(null, body),
    );

    admin.post('/admin/v1/explain', async (request) => {
      request.exchange.endpoint = 'admin';
      const principal = await authenticateAdmin(gateway, request);
      return explainRequest(gateway, request.body, (tenant) => checkTenantAccess(principal, tenant));
    });

    admin.post('/admin/v1/config/reload', async (request, reply) => {
      request.exchange.endpoint = 'admin';
      await requireGlobalAdmin(gateway, request);
      const result = await gateway.reload();
      return reply.code(result.ok ? 200 : 400).send(result);
    });

    admin.get('/admin/v1/config', async (request) => {
      request.exchange.endpoint = 'admin';
      await requireGlobalAdmin(gateway, request);
      const snapshot = gateway.snapshot;
      return {
        generation: snapshot.generation,
        loaded_at: snapshot.loadedAt.toISOString(),
        config: redactConfig(snapshot.config, snapshot.secrets),
      };
    });

    admin.get('/admin/v1/openapi.json', async () => adminOpenApiDocument());

    registerAdminRuleRoutes(admin, gateway);
  });
}

/** Reloading or reading the whole config is not for a tenant-scoped admin. */
async function requireGlobalAdmin(
  gateway: Gateway,
  request: Parameters<typeof authenticateAdmin>[1],
): Promise<void> {
  const principal = await authenticateAdmin(gateway, request);
  if (principal.tenant !== null)
    throw errors.forbidden('This admin credential is limited to one tenant', 'tenant_forbidden');
}
