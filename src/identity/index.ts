/** Identity: who is calling, from an API key, a JWT, or the anonymous fallback. */
export { type Authenticator, createAuthenticator } from './authenticate.ts';
export type { RequestHeaders } from './credentials.ts';
export { type Identity, type IdentitySource, type IdentityUser, isTenantId } from './identity.ts';
export { type IdentityConfig, type IdentityConfigInput, identitySchema } from './schema.ts';
