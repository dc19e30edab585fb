import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.ts';
import { authenticateAdmin, checkTenantAccess } from './admin-auth.ts';
import { explainRequest } from './explain.ts';

/** The admin API (`/admin/v1`): every route needs an admin credential. */
export function registerAdminRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.post('/admin/v1/explain', async (request) => {
    request.exchange.endpoint = 'admin';
    const principal = await authenticateAdmin(gateway, request);
    return explainRequest(gateway, request.body, (tenant) => checkTenantAccess(principal, tenant));
  });
}
