import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { identitySchema } from './schema.ts';

const RSA_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const SECRET = 'a-secret-long-enough-for-hs256-0123456789';
const KEY = 'sk-acme-0123456789';

/** Every problem as "path: message". */
function problems(input: unknown): string[] {
  const result = identitySchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

function jwt(overrides: Record<string, unknown>): Record<string, unknown> {
  return { issuer: 'https://issuer.test', audience: 'switchyard', algorithms: ['RS256'], ...overrides };
}

describe('identitySchema', () => {
  it('makes an absent section mean: optional, tenant "default", no keys, no jwt', () => {
    expect(identitySchema.parse({})).toEqual({
      required: false,
      anonymous_tenant: 'default',
      tenant_header: { name: 'x-tenant-id', trust: false },
      api_keys: [],
    });
  });

  it('accepts the documented shape and fills defaults', () => {
    const parsed = identitySchema.parse({
      required: true,
      tenant_header: { name: 'X-Tenant', trust: true },
      api_keys: [
        {
          key: KEY,
          name: 'acme-analyst',
          tenant: 'acme',
          user: { id: 'u1', role: 'analyst', department: 'finance' },
          attributes: { team: 'x' },
          admin: true,
        },
        { key: 'sk-globex-0123456789', tenant: 'globex' },
      ],
      jwt: jwt({ public_key: RSA_PEM, claims: { tenant: 'org', admin: 'is_admin' } }),
    });
    expect(parsed.tenant_header.name).toBe('x-tenant');
    expect(parsed.api_keys[1]).toEqual({
      key: 'sk-globex-0123456789',
      tenant: 'globex',
      user: {},
      attributes: {},
      admin: false,
    });
    expect(parsed.jwt?.clock_tolerance_seconds).toBe(30);
    expect(parsed.jwt?.claims).toEqual({
      tenant: 'org',
      user_id: 'sub',
      role: 'role',
      department: 'department',
      admin: 'is_admin',
      attributes: {},
    });
  });

  it('accepts each single key source', () => {
    expect(problems({ jwt: jwt({ jwks_url: 'https://issuer.test/jwks.json' }) })).toEqual([]);
    expect(problems({ jwt: jwt({ jwks_url: 'http://127.0.0.1:9000/jwks.json' }) })).toEqual([]);
    expect(problems({ jwt: jwt({ public_key: RSA_PEM }) })).toEqual([]);
    expect(problems({ jwt: jwt({ secret: SECRET, algorithms: ['HS256'] }) })).toEqual([]);
  });

  it('refuses two key sources, or none', () => {
    expect(problems({ jwt: jwt({ jwks_url: 'https://issuer.test/jwks', public_key: RSA_PEM }) })).toEqual([
      'jwt: needs exactly one of jwks_url, public_key or secret (found jwks_url and public_key)',
    ]);
    expect(problems({ jwt: jwt({}) })).toEqual([
      'jwt: needs exactly one of jwks_url, public_key or secret (found none)',
    ]);
  });

  it('refuses HMAC algorithms with a public key and asymmetric ones with a secret', () => {
    expect(problems({ jwt: jwt({ public_key: RSA_PEM, algorithms: ['RS256', 'HS256'] }) })[0]).toMatch(
      /^jwt\.algorithms\.1: HS256 needs a secret; .*key confusion/,
    );
    expect(problems({ jwt: jwt({ jwks_url: 'https://i.test/k', algorithms: ['HS512'] }) })).toHaveLength(1);
    expect(problems({ jwt: jwt({ secret: SECRET, algorithms: ['RS256'] }) })[0]).toMatch(
      /^jwt\.algorithms\.0: RS256 needs jwks_url or public_key/,
    );
  });

  it('never allows alg "none" and requires a pinned list', () => {
    expect(problems({ jwt: jwt({ public_key: RSA_PEM, algorithms: ['none'] }) })).toEqual([
      'jwt.algorithms.0: "none" is never allowed: tokens must be signed',
    ]);
    expect(problems({ jwt: jwt({ public_key: RSA_PEM, algorithms: [] }) })).toHaveLength(1);
    expect(problems({ jwt: jwt({ public_key: RSA_PEM, algorithms: undefined }) })).toHaveLength(1);
  });

  it('checks that the public key fits the algorithms and is not a private key', () => {
    const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(problems({ jwt: jwt({ public_key: ecPem }) })).toEqual([
      'jwt.public_key: has key type ec; RS256 needs an RSA key',
    ]);
    expect(problems({ jwt: jwt({ public_key: ecPem, algorithms: ['ES384'] }) })).toEqual([
      'jwt.public_key: does not fit ES384: it needs an EC secp384r1 key',
    ]);
    const privatePem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(problems({ jwt: jwt({ public_key: privatePem }) })[0]).toMatch(/must be a PEM SPKI public key/);
    expect(
      problems({ jwt: jwt({ public_key: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }) }),
    ).toEqual(['jwt.public_key: is not a valid PEM public key']);
  });

  it('refuses an HMAC secret shorter than the hash (RFC 7518), without quoting it', () => {
    const found = problems({ jwt: jwt({ secret: 'short-secret', algorithms: ['HS256'] }) });
    expect(found).toEqual(['jwt.secret: must be at least 32 bytes long (RFC 7518 §3.2)']);
    expect(problems({ jwt: jwt({ secret: SECRET, algorithms: ['HS512'] }) })).toEqual([
      'jwt.secret: must be at least 64 bytes long (RFC 7518 §3.2)',
    ]);
  });

  it('bounds the clock tolerance and wants https for the key set', () => {
    expect(problems({ jwt: jwt({ public_key: RSA_PEM, clock_tolerance_seconds: 301 }) })).toHaveLength(1);
    expect(problems({ jwt: jwt({ public_key: RSA_PEM, clock_tolerance_seconds: -1 }) })).toHaveLength(1);
    expect(problems({ jwt: jwt({ jwks_url: 'http://issuer.test/jwks.json' }) })).toEqual([
      'jwt.jwks_url: must use https (plain http only for localhost)',
    ]);
  });

  it('requires issuer and audience', () => {
    expect(problems({ jwt: { public_key: RSA_PEM, algorithms: ['RS256'] } })).toHaveLength(2);
  });

  it('refuses empty keys and keys with whitespace', () => {
    expect(problems({ api_keys: [{ key: '', tenant: 'acme' }] })).toEqual([
      'api_keys.0.key: must not be empty (is its environment variable set?)',
    ]);
    expect(problems({ api_keys: [{ key: 'sk acme', tenant: 'acme' }] })).toEqual([
      'api_keys.0.key: must not contain whitespace',
    ]);
  });

  it('refuses duplicate keys without quoting them, and duplicate names', () => {
    const found = problems({
      api_keys: [
        { key: KEY, name: 'a', tenant: 'acme' },
        { key: 'sk-other-0123456789', name: 'a', tenant: 'acme' },
        { key: KEY, tenant: 'globex' },
      ],
    });
    expect(found).toEqual([
      'api_keys.1.name: duplicate name "a"',
      'api_keys.2.key: duplicate key (same as api_keys[0])',
    ]);
    expect(found.join('\n')).not.toContain(KEY);
  });

  it('refuses an API key shaped like a JWT when JWTs are verified', () => {
    const input = { api_keys: [{ key: 'aaa.bbb.ccc', tenant: 'acme' }] };
    expect(problems(input)).toEqual([]);
    expect(problems({ ...input, jwt: jwt({ public_key: RSA_PEM }) })[0]).toMatch(
      /^api_keys\.0\.key: has the shape/,
    );
  });

  it('refuses required: true with nothing to check credentials against', () => {
    expect(problems({ required: true })).toEqual(['required: required: true needs api_keys or jwt']);
  });

  it('refuses unsafe tenants and a credential header as tenant header', () => {
    expect(problems({ anonymous_tenant: 'a:b' })).toHaveLength(1);
    expect(problems({ anonymous_tenant: '..' })).toHaveLength(1);
    expect(problems({ api_keys: [{ key: KEY, tenant: 'acme/x' }] })).toHaveLength(1);
    expect(problems({ tenant_header: { name: 'X-API-Key', trust: true } })).toEqual([
      'tenant_header.name: cannot be one of the credential headers (authorization, x-api-key, api-key)',
    ]);
  });

  it('refuses unknown keys (strict objects, snake_case)', () => {
    expect(problems({ anonymousTenant: 'x' })).toHaveLength(1);
    expect(problems({ api_keys: [{ key: KEY, tenant: 'acme', role: 'x' }] })).toHaveLength(1);
    expect(problems({ jwt: jwt({ public_key: RSA_PEM, jwksUrl: 'x' }) })).toHaveLength(1);
  });

  it('yields a JSON Schema for editors', () => {
    const schema = z.toJSONSchema(identitySchema, { io: 'input', unrepresentable: 'any' });
    expect(JSON.stringify(schema)).toContain('clock_tolerance_seconds');
  });
});
