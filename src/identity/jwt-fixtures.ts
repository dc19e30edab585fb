import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  base64url,
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

/* Test-only helpers for the identity tests: keys, tokens, and a JWKS endpoint on 127.0.0.1:0. */

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'switchyard';
export const HMAC_SECRET = 'test-hmac-secret-0123456789abcdef-0123456789';

export interface TestKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicPem: string;
  readonly publicJwk: JWK;
}

export async function generateTestKey(alg: string, kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicPem: await exportSPKI(publicKey), publicJwk };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Claims of a token that should be accepted; `overrides` set to undefined remove a claim. */
export function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const base: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    tid: 'acme',
    role: 'analyst',
    department: 'finance',
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
  };
  const merged = { ...base, ...overrides };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
}

export interface SignOptions {
  readonly alg: string;
  readonly kid?: string;
}

export function signToken(
  payload: JWTPayload,
  key: CryptoKey | Uint8Array,
  options: SignOptions,
): Promise<string> {
  const header = options.kid === undefined ? { alg: options.alg } : { alg: options.alg, kid: options.kid };
  return new SignJWT(payload).setProtectedHeader({ ...header, typ: 'JWT' }).sign(key);
}

/** An unsecured token (`alg: none`, empty signature), built by hand as an attacker would. */
export function unsignedToken(payload: JWTPayload): string {
  const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  return `${header}.${base64url.encode(JSON.stringify(payload))}.`;
}

export interface JwksServer {
  readonly url: string;
  /** How many times the key set was fetched. */
  readonly fetches: () => number;
  close(): Promise<void>;
}

export async function serveJwks(jwks: JSONWebKeySet): Promise<JwksServer> {
  let fetches = 0;
  const server = createServer(function serveKeySet(request, response) {
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
