import { exportPKCS8, importPKCS8 } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { createJwtVerifier, type JwtVerifier } from './jwt.ts';
import {
  AUDIENCE,
  claims,
  generateTestKey,
  HMAC_SECRET,
  ISSUER,
  type JwksServer,
  nowSeconds,
  serveJwks,
  signToken,
  type TestKey,
  unsignedToken,
} from './jwt-fixtures.ts';
import { jwtSchema } from './schema.ts';

function verifierFor(config: Record<string, unknown>): JwtVerifier {
  return createJwtVerifier(jwtSchema.parse({ issuer: ISSUER, audience: AUDIENCE, ...config }));
}

/** The 401 a token earns; fails the test when the token is accepted. */
async function refusal(verifier: JwtVerifier, token: string): Promise<GatewayError> {
  try {
    await verifier.verify(token);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    expect(error.status).toBe(401);
    // The reason is shown to the client; it must never carry the credential or a piece of it.
    for (const part of token.split('.')) if (part.length > 8) expect(error.message).not.toContain(part);
    return error;
  }
  throw new Error('expected the token to be refused');
}

let rsa: TestKey;
let otherRsa: TestKey;
let ec: TestKey;

beforeAll(async () => {
  [rsa, otherRsa, ec] = await Promise.all([
    generateTestKey('RS256', 'rsa-1'),
    generateTestKey('RS256', 'rsa-2'),
    generateTestKey('ES256', 'ec-1'),
  ]);
});

describe('JWT with a static RSA public key', () => {
  let verifier: JwtVerifier;
  beforeAll(() => {
    verifier = verifierFor({ public_key: rsa.publicPem, algorithms: ['RS256'], clock_tolerance_seconds: 30 });
  });

  function sign(payload = claims()): Promise<string> {
    return signToken(payload, rsa.privateKey, { alg: 'RS256' });
  }

  it('accepts a valid token and maps its claims', async () => {
    const identity = await verifier.verify(await sign());
    expect(identity).toEqual({
      tenant: 'acme',
      user: { id: 'user-1', role: 'analyst', department: 'finance' },
      attributes: {},
      via: 'jwt',
      credentialName: undefined,
      admin: false,
    });
  });

  it('accepts a PEM whose newlines arrived escaped through an environment variable', async () => {
    const escaped = verifierFor({ public_key: rsa.publicPem.replace(/\n/g, '\\n'), algorithms: ['RS256'] });
    expect((await escaped.verify(await sign())).tenant).toBe('acme');
  });

  it('refuses an expired token', async () => {
    const token = await sign(claims({ exp: nowSeconds() - 120 }));
    expect((await refusal(verifier, token)).message).toBe('The token has expired');
  });

  it('refuses a token that is not valid yet (nbf)', async () => {
    const token = await sign(claims({ nbf: nowSeconds() + 120 }));
    expect((await refusal(verifier, token)).message).toBe('The token is not valid yet');
  });

  it('accepts clock skew within the tolerance and refuses it beyond', async () => {
    await expect(verifier.verify(await sign(claims({ exp: nowSeconds() - 10 })))).resolves.toBeDefined();
    await expect(verifier.verify(await sign(claims({ nbf: nowSeconds() + 10 })))).resolves.toBeDefined();
    await refusal(verifier, await sign(claims({ exp: nowSeconds() - 60 })));
    await refusal(verifier, await sign(claims({ nbf: nowSeconds() + 60 })));
  });

  it('refuses a token without exp', async () => {
    const token = await sign(claims({ exp: undefined }));
    expect((await refusal(verifier, token)).message).toBe('The token has no "exp" claim');
  });

  it('refuses a wrong issuer and a wrong audience', async () => {
    const wrongIssuer = await sign(claims({ iss: 'https://evil.test' }));
    expect((await refusal(verifier, wrongIssuer)).message).toBe('The token issuer is not accepted');
    const wrongAudience = await sign(claims({ aud: 'another-service' }));
    expect((await refusal(verifier, wrongAudience)).message).toBe('The token audience is not accepted');
    const noIssuer = await sign(claims({ iss: undefined }));
    await refusal(verifier, noIssuer);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const token = unsignedToken(claims());
    expect((await refusal(verifier, token)).message).toBe('The token signing algorithm is not accepted');
  });

  it('refuses HS256 signed with the RSA public key as HMAC secret (key confusion)', async () => {
    const token = await signToken(claims(), new TextEncoder().encode(rsa.publicPem), { alg: 'HS256' });
    expect((await refusal(verifier, token)).message).toBe('The token signing algorithm is not accepted');
  });

  it('refuses an algorithm outside the pinned list, even with the right key', async () => {
    // The same RSA key material, imported for RS512 (WebCrypto binds a key to one hash).
    const sameKey = await importPKCS8(await exportPKCS8(rsa.privateKey), 'RS512');
    const token = await signToken(claims(), sameKey, { alg: 'RS512' });
    expect((await refusal(verifier, token)).message).toBe('The token signing algorithm is not accepted');
  });

  it('refuses a token without the tenant claim, or with an unsafe tenant', async () => {
    const missing = await sign(claims({ tid: undefined }));
    expect((await refusal(verifier, missing)).message).toBe('The token has no valid "tid" (tenant) claim');
    await refusal(verifier, await sign(claims({ tid: 'acme:other' })));
    await refusal(verifier, await sign(claims({ tid: 42 })));
  });

  it('refuses a tampered payload and a tampered signature', async () => {
    const [header, payload, signature] = (await sign()).split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify(claims({ tid: 'globex' }))).toString('base64url');
    const tamperedPayload = `${header}.${forged}.${signature}`;
    expect((await refusal(verifier, tamperedPayload)).message).toBe('The token signature is not valid');
    const flipped = signature[10] === 'A' ? 'B' : 'A';
    const tamperedSignature = `${header}.${payload}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`;
    expect((await refusal(verifier, tamperedSignature)).message).toBe('The token signature is not valid');
  });

  it('refuses a token signed by another key', async () => {
    const token = await signToken(claims(), otherRsa.privateKey, { alg: 'RS256' });
    expect((await refusal(verifier, token)).message).toBe('The token signature is not valid');
  });

  it('refuses garbage', async () => {
    expect((await refusal(verifier, 'aaaaaaaaa.bbbbbbbbbb.cccccccccc')).message).toBe(
      'The token is malformed',
    );
  });
});

describe('JWT with a JWKS endpoint', () => {
  let server: JwksServer;
  let verifier: JwtVerifier;
  let stranger: TestKey;

  beforeAll(async () => {
    stranger = await generateTestKey('RS256', 'stranger');
    server = await serveJwks({ keys: [rsa.publicJwk, ec.publicJwk] });
    verifier = verifierFor({ jwks_url: server.url, algorithms: ['RS256', 'ES256'] });
  });
  afterAll(() => server.close());

  it('selects the key by kid and caches the key set', async () => {
    const byRsa = await signToken(claims({ tid: 'acme' }), rsa.privateKey, { alg: 'RS256', kid: rsa.kid });
    const byEc = await signToken(claims({ tid: 'globex' }), ec.privateKey, { alg: 'ES256', kid: ec.kid });
    expect((await verifier.verify(byRsa)).tenant).toBe('acme');
    expect((await verifier.verify(byEc)).tenant).toBe('globex');
    expect((await verifier.verify(byRsa)).tenant).toBe('acme');
    expect(server.fetches()).toBe(1);
  });

  it('refuses a token whose kid is not in the key set', async () => {
    const token = await signToken(claims(), stranger.privateKey, { alg: 'RS256', kid: stranger.kid });
    expect((await refusal(verifier, token)).message).toBe('The token signing key is not known');
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const token = await signToken(claims(), stranger.privateKey, { alg: 'RS256', kid: rsa.kid });
    expect((await refusal(verifier, token)).message).toBe('The token signature is not valid');
  });

  it('refuses an algorithm that the key set has but the config does not pin', async () => {
    const rsOnly = verifierFor({ jwks_url: server.url, algorithms: ['RS256'] });
    const token = await signToken(claims(), ec.privateKey, { alg: 'ES256', kid: ec.kid });
    expect((await refusal(rsOnly, token)).message).toBe('The token signing algorithm is not accepted');
  });

  it('says so when the key set cannot be fetched', async () => {
    const gone = await serveJwks({ keys: [] });
    const url = gone.url;
    await gone.close();
    const unreachable = verifierFor({ jwks_url: url, algorithms: ['RS256'] });
    const token = await signToken(claims(), rsa.privateKey, { alg: 'RS256', kid: rsa.kid });
    expect((await refusal(unreachable, token)).message).toBe(
      'The token could not be verified: the signing keys are unavailable',
    );
  });
});

describe('JWT with an HMAC secret', () => {
  let verifier: JwtVerifier;
  beforeAll(() => {
    verifier = verifierFor({ secret: HMAC_SECRET, algorithms: ['HS256'] });
  });

  it('accepts HS256 signed with the secret', async () => {
    const token = await signToken(claims(), new TextEncoder().encode(HMAC_SECRET), { alg: 'HS256' });
    expect((await verifier.verify(token)).user.id).toBe('user-1');
  });

  it('refuses HS256 signed with another secret', async () => {
    const other = new TextEncoder().encode(`${HMAC_SECRET}-but-not-quite`);
    const token = await signToken(claims(), other, { alg: 'HS256' });
    expect((await refusal(verifier, token)).message).toBe('The token signature is not valid');
  });

  it('refuses an RS256 token and an unsigned one', async () => {
    await refusal(verifier, await signToken(claims(), rsa.privateKey, { alg: 'RS256' }));
    await refusal(verifier, unsignedToken(claims()));
  });
});
