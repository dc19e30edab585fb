import { createPublicKey, type KeyObject } from 'node:crypto';

/*
 * Which JWS algorithms the gateway accepts and which key fits each. `none` is not in the list, so
 * it can never be configured. HMAC and asymmetric algorithms are kept apart: an HS* algorithm
 * next to a public key is the classic key-confusion attack (the public PEM used as an HMAC secret).
 */

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
export const JWS_ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;

export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

export function isHmacAlgorithm(alg: JwsAlgorithm): alg is HmacAlgorithm {
  return (HMAC_ALGORITHMS as readonly string[]).includes(alg);
}

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
export function hmacMinimumBytes(alg: HmacAlgorithm): number {
  return Number(alg.slice(2)) / 8;
}

/*
 * PEM keys often travel through environment variables with their newlines written as `\n`;
 * accepting that form saves a confusing "invalid key" at start-up.
 */
export function normalisePem(pem: string): string {
  return pem.replace(/\\n/g, '\n').trim();
}

const EC_CURVES: Readonly<Record<string, string>> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};

const MIN_RSA_BITS = 2048;

/**
 * Why a configured public key cannot verify the configured algorithms, or undefined when it can.
 * Checked when the config loads so a wrong key fails there and not on the first request.
 */
export function publicKeyProblem(pem: string, algorithms: readonly JwsAlgorithm[]): string | undefined {
  const text = normalisePem(pem);
  // A private key would parse too (its public half is derived), but it must not sit in the config.
  if (!text.startsWith('-----BEGIN PUBLIC KEY-----')) {
    return 'must be a PEM SPKI public key starting with "-----BEGIN PUBLIC KEY-----"';
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch {
    return 'is not a valid PEM public key';
  }
  for (const alg of algorithms) {
    const problem = algorithmProblem(key, alg);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function algorithmProblem(key: KeyObject, alg: JwsAlgorithm): string | undefined {
  const type = key.asymmetricKeyType ?? 'unknown';
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    if (type !== 'rsa') return `has key type ${type}; ${alg} needs an RSA key`;
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return `is a ${bits}-bit RSA key; ${alg} needs at least ${MIN_RSA_BITS} bits`;
    return undefined;
  }
  const curve = EC_CURVES[alg];
  if (curve !== undefined) {
    const found = key.asymmetricKeyDetails?.namedCurve;
    if (type !== 'ec' || found !== curve) return `does not fit ${alg}: it needs an EC ${curve} key`;
    return undefined;
  }
  if (alg === 'EdDSA' || alg === 'Ed25519') {
    if (type !== 'ed25519') return `has key type ${type}; ${alg} needs an Ed25519 key`;
    return undefined;
  }
  return `cannot be used with ${alg}`;
}
