import { errors } from '../errors.ts';
import type { Eventually } from '../eventually.ts';
import { compileApiKeys } from './api-keys.ts';
import { looksLikeJwt, type RequestHeaders, readCredential } from './credentials.ts';
import { anonymousIdentity, type Identity, isTenantId, TENANT_ID_RULE } from './identity.ts';
import { createJwtVerifier } from './jwt.ts';
import type { IdentityConfig } from './schema.ts';

export interface Authenticator {
  /**
   * Who is calling; throws or rejects with a GatewayError (401, or 400 for a bad tenant header).
   * Only a JWT is verified asynchronously: API keys and anonymous callers are answered at once.
   */
  authenticate(headers: RequestHeaders): Eventually<Identity>;
}

/**
 * Compiles the `identity:` section once (key digests, JWT verifier, the anonymous identity); the
 * per-request path only reads headers and looks up.
 *
 * A presented credential that does not verify is always a 401, even when identity is optional: a
 * mistyped key must not quietly turn into an anonymous request with other rules. The one
 * exception is a gateway with no credentials configured at all: SDKs insist on sending some key,
 * and with nothing to check it against every request is anonymous.
 */
export function createAuthenticator(config: IdentityConfig): Authenticator {
  const apiKeys = compileApiKeys(config.api_keys);
  const jwt = config.jwt === undefined ? null : createJwtVerifier(config.jwt);
  const checksCredentials = apiKeys.size > 0 || jwt !== null;
  const anonymous = anonymousIdentity(config.anonymous_tenant);
  const tenantHeader = config.tenant_header.trust ? config.tenant_header.name : null;

  function authenticate(headers: RequestHeaders): Eventually<Identity> {
    if (!checksCredentials) return anonymousFor(headers);
    const credential = readCredential(headers);
    if (credential.kind === 'malformed') throw errors.unauthorized(credential.reason);
    if (credential.kind === 'present') return verify(credential.value);
    if (config.required) throw errors.unauthorized('An API key or bearer token is required');
    return anonymousFor(headers);
  }

  function verify(value: string): Eventually<Identity> {
    if (jwt !== null && looksLikeJwt(value)) return jwt.verify(value);
    const identity = apiKeys.lookup(value);
    if (identity === undefined) throw errors.unauthorized('The API key is not valid');
    return identity;
  }

  /*
   * The tenant header only ever names the tenant of an anonymous request, and only when the
   * operator trusts whatever sits in front of the gateway to set it; it never overrides the tenant
   * of a credential.
   */
  function anonymousFor(headers: RequestHeaders): Identity {
    if (tenantHeader === null) return anonymous;
    const value = headers[tenantHeader];
    if (value === undefined) return anonymous;
    if (typeof value !== 'string' || !isTenantId(value)) {
      throw errors.invalidRequest(`The ${tenantHeader} header must be ${TENANT_ID_RULE}`, 'invalid_tenant');
    }
    return value === anonymous.tenant ? anonymous : anonymousIdentity(value);
  }

  return { authenticate };
}
