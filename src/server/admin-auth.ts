import type { FastifyRequest } from 'fastify';
import { errors } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import type { AdminPrincipal } from '../identity/admin-keys.ts';
import { readCredential } from '../identity/credentials.ts';
import type { Identity } from '../identity/identity.ts';

/**
 * Who may use `/admin/v1`: a configured admin key (global, or scoped to one tenant), or a caller
 * the identity section marks as admin (an API key with `admin: true`, a JWT admin claim).
 */
export async function authenticateAdmin(gateway: Gateway, request: FastifyRequest): Promise<AdminPrincipal> {
  const snapshot = gateway.snapshot;
  const credential = readCredential(request.headers);
  if (credential.kind !== 'present') throw errors.unauthorized('An admin key or token is required');
  const principal = snapshot.adminKeys.lookup(credential.value);
  if (principal) return principal;
  const identity = await identityOrNone(gateway, request);
  if (identity?.admin) return { tenant: identity.tenant, name: identity.credentialName ?? 'identity' };
  if (identity) throw errors.forbidden('This credential may not use the admin API', 'not_admin');
  throw errors.unauthorized('Invalid admin credentials');
}

/** The caller's identity, or undefined when its credential does not verify. */
async function identityOrNone(gateway: Gateway, request: FastifyRequest): Promise<Identity | undefined> {
  try {
    return await gateway.snapshot.authenticator.authenticate(request.headers);
  } catch {
    return undefined;
  }
}

/** A tenant-scoped principal may only act on its own tenant. */
export function checkTenantAccess(principal: AdminPrincipal, tenant: string): void {
  if (principal.tenant !== null && principal.tenant !== tenant) {
    throw errors.forbidden(
      `This admin credential may not act on tenant ${JSON.stringify(tenant)}`,
      'tenant_forbidden',
    );
  }
}
