/**
 * Who is calling. Every request carries exactly one Identity, from an API key, a verified JWT, or
 * (when identity is not required) the anonymous fallback. Rule conditions `user.*` and `tenant.id`
 * read it (DESIGN §3).
 */

export type IdentitySource = 'api_key' | 'jwt' | 'anonymous';

export interface IdentityUser {
  readonly id: string | undefined;
  readonly role: string | undefined;
  readonly department: string | undefined;
}

export interface Identity {
  readonly tenant: string;
  readonly user: IdentityUser;
  readonly attributes: Readonly<Record<string, string>>;
  readonly via: IdentitySource;
  /** The configured name of the API key; undefined for JWTs and anonymous requests. */
  readonly credentialName: string | undefined;
  /** May use the admin API: an API key with `admin: true`, or a JWT whose mapped admin claim is true. */
  readonly admin: boolean;
}

/*
 * Tenant ids end up inside cache keys (`{prefix}:{tenant}:{session}`), metrics labels and logs, so
 * they are kept to a small safe alphabet; `.` and `..` are refused so a tenant can never act as a
 * path segment that climbs out of a folder.
 */
export const TENANT_ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,64}$/;

export const TENANT_ID_RULE = 'letters, digits, ".", "_" or "-" (1 to 64 characters)';

export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}

const NO_USER: IdentityUser = Object.freeze({ id: undefined, role: undefined, department: undefined });
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

export function anonymousIdentity(tenant: string): Identity {
  return Object.freeze({
    tenant,
    user: NO_USER,
    attributes: NO_ATTRIBUTES,
    via: 'anonymous',
    credentialName: undefined,
    admin: false,
  });
}

/**
 * Identities are shared between requests (one per API key, compiled once), so they are frozen
 * all the way down: a handler that mutated one would otherwise leak into every later request.
 */
export function frozenIdentity(identity: Identity): Identity {
  return Object.freeze({
    ...identity,
    user: Object.freeze({ ...identity.user }),
    attributes: Object.freeze({ ...identity.attributes }),
  });
}
