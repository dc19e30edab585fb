import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { type Authenticator, createAuthenticator } from './authenticate.ts';
import type { RequestHeaders } from './credentials.ts';
import { AUDIENCE, claims, HMAC_SECRET, ISSUER, signToken, unsignedToken } from './jwt-fixtures.ts';
import { identitySchema } from './schema.ts';

const ACME_KEY = 'sk-acme-analyst-0123456789';
const ADMIN_KEY = 'sk-ops-admin-0123456789';

const API_KEYS = [
  { key: ACME_KEY, name: 'acme-analyst', tenant: 'acme', user: { id: 'u1', role: 'analyst' } },
  { key: ADMIN_KEY, name: 'ops', tenant: 'ops', admin: true },
];

const JWT = {
  secret: HMAC_SECRET,
  algorithms: ['HS256'],
  issuer: ISSUER,
  audience: AUDIENCE,
  claims: { admin: 'adm' },
};

function authenticator(config: Record<string, unknown>): Authenticator {
  return createAuthenticator(identitySchema.parse(config));
}

/** The error a request earns; fails the test when it is let in. */
async function refusal(auth: Authenticator, headers: RequestHeaders): Promise<GatewayError> {
  try {
    await auth.authenticate(headers);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

function hmacToken(overrides: Record<string, unknown> = {}): Promise<string> {
  return signToken(claims(overrides), new TextEncoder().encode(HMAC_SECRET), { alg: 'HS256' });
}

describe('createAuthenticator with API keys', () => {
  const auth = authenticator({ api_keys: API_KEYS });

  it('accepts a key in Authorization, x-api-key or api-key', async () => {
    for (const headers of [
      { authorization: `Bearer ${ACME_KEY}` },
      { 'x-api-key': ACME_KEY },
      { 'api-key': ACME_KEY },
    ]) {
      const identity = await auth.authenticate(headers);
      expect(identity).toMatchObject({ tenant: 'acme', user: { id: 'u1', role: 'analyst' }, via: 'api_key' });
      expect(identity.credentialName).toBe('acme-analyst');
    }
  });

  it('marks admin keys', async () => {
    expect((await auth.authenticate({ 'x-api-key': ADMIN_KEY })).admin).toBe(true);
    expect((await auth.authenticate({ 'x-api-key': ACME_KEY })).admin).toBe(false);
  });

  it('refuses a wrong key even though identity is optional, without echoing it', async () => {
    const error = await refusal(auth, { 'x-api-key': 'sk-wrong-secret-value' });
    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_api_key');
    expect(error.message).toBe('The API key is not valid');
    expect(JSON.stringify(error.toBody())).not.toContain('sk-wrong');
  });

  it('refuses an unusable Authorization header instead of going anonymous', async () => {
    expect((await refusal(auth, { authorization: 'Basic dXNlcjpwYXNz' })).status).toBe(401);
    expect((await refusal(auth, { 'x-api-key': '' })).status).toBe(401);
    expect(
      (await refusal(auth, { authorization: `Bearer ${ACME_KEY}`, 'x-api-key': ADMIN_KEY })).status,
    ).toBe(401);
  });

  it('lets a request without a credential in as the anonymous tenant', async () => {
    expect(await auth.authenticate({})).toEqual({
      tenant: 'default',
      user: { id: undefined, role: undefined, department: undefined },
      attributes: {},
      via: 'anonymous',
      credentialName: undefined,
      admin: false,
    });
    const custom = authenticator({ api_keys: API_KEYS, anonymous_tenant: 'public' });
    expect((await custom.authenticate({})).tenant).toBe('public');
  });
});

describe('createAuthenticator when identity is required', () => {
  const auth = authenticator({ required: true, api_keys: API_KEYS, tenant_header: { trust: true } });

  it('refuses a request without a credential, tenant header or not', async () => {
    const error = await refusal(auth, {});
    expect(error.status).toBe(401);
    expect(error.message).toBe('An API key or bearer token is required');
    expect((await refusal(auth, { 'x-tenant-id': 'acme' })).status).toBe(401);
  });

  it('accepts a valid key', async () => {
    expect((await auth.authenticate({ 'x-api-key': ACME_KEY })).tenant).toBe('acme');
  });
});

describe('the tenant header', () => {
  it('is ignored unless trusted', async () => {
    const auth = authenticator({ api_keys: API_KEYS });
    expect((await auth.authenticate({ 'x-tenant-id': 'globex' })).tenant).toBe('default');
  });

  it('names the tenant of anonymous requests when trusted', async () => {
    const auth = authenticator({ api_keys: API_KEYS, tenant_header: { name: 'X-Org', trust: true } });
    const identity = await auth.authenticate({ 'x-org': 'globex' });
    expect(identity).toMatchObject({ tenant: 'globex', via: 'anonymous', admin: false });
    expect((await auth.authenticate({})).tenant).toBe('default');
  });

  it('never overrides the tenant of a credential', async () => {
    const auth = authenticator({ api_keys: API_KEYS, tenant_header: { trust: true } });
    const identity = await auth.authenticate({ 'x-api-key': ACME_KEY, 'x-tenant-id': 'globex' });
    expect(identity.tenant).toBe('acme');
  });

  it('refuses an unsafe or repeated value with a 400', async () => {
    const auth = authenticator({ tenant_header: { trust: true } });
    for (const value of ['acme:admin', '../etc', '', 'x'.repeat(65), ['a', 'b']]) {
      const error = await refusal(auth, { 'x-tenant-id': value });
      expect(error.status).toBe(400);
      expect(error.code).toBe('invalid_tenant');
    }
  });
});

describe('createAuthenticator with no credentials configured', () => {
  it('treats every request as anonymous, whatever key an SDK sends', async () => {
    const auth = authenticator({});
    expect((await auth.authenticate({ authorization: 'Bearer sk-anything' })).via).toBe('anonymous');
    expect((await auth.authenticate({ authorization: 'Basic abc' })).via).toBe('anonymous');
  });
});

describe('createAuthenticator with JWT and API keys', () => {
  const auth = authenticator({ api_keys: API_KEYS, jwt: JWT });

  it('verifies a JWT from Authorization or x-api-key, and still accepts API keys', async () => {
    const token = await hmacToken({ tid: 'globex', sub: 'u9' });
    const viaBearer = await auth.authenticate({ authorization: `Bearer ${token}` });
    expect(viaBearer).toMatchObject({ tenant: 'globex', user: { id: 'u9' }, via: 'jwt', admin: false });
    expect((await auth.authenticate({ 'x-api-key': token })).tenant).toBe('globex');
    expect((await auth.authenticate({ 'x-api-key': ACME_KEY })).via).toBe('api_key');
  });

  it('answers an API key or an anonymous caller at once, and waits only to verify a JWT', async () => {
    expect(auth.authenticate({ 'x-api-key': ACME_KEY })).not.toBeInstanceOf(Promise);
    expect(authenticator({ api_keys: API_KEYS }).authenticate({})).not.toBeInstanceOf(Promise);
    expect(() => auth.authenticate({ 'x-api-key': 'sk-not-a-key-of-ours-0000' })).toThrow(GatewayError);
    const verified = auth.authenticate({ authorization: `Bearer ${await hmacToken()}` });
    expect(verified).toBeInstanceOf(Promise);
    expect((await verified).via).toBe('jwt');
  });

  it('grants admin from the mapped claim', async () => {
    const token = await hmacToken({ adm: true });
    expect((await auth.authenticate({ authorization: `Bearer ${token}` })).admin).toBe(true);
  });

  it('refuses a bad token even though identity is optional, without echoing it', async () => {
    const expired = await hmacToken({ exp: Math.floor(Date.now() / 1000) - 3600 });
    const error = await refusal(auth, { authorization: `Bearer ${expired}` });
    expect(error.status).toBe(401);
    expect(error.message).toBe('The token has expired');
    expect(error.message).not.toContain(expired.split('.')[1]);
    expect((await refusal(auth, { authorization: `Bearer ${unsignedToken(claims())}` })).status).toBe(401);
  });

  it('ignores a trusted tenant header next to a token', async () => {
    const withHeader = authenticator({ jwt: JWT, tenant_header: { trust: true } });
    const token = await hmacToken({ tid: 'acme' });
    const identity = await withHeader.authenticate({
      authorization: `Bearer ${token}`,
      'x-tenant-id': 'globex',
    });
    expect(identity.tenant).toBe('acme');
  });
});
