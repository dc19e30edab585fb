import {
  type CryptoKey,
  createRemoteJWKSet,
  importSPKI,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { errors } from '../errors.ts';
import { identityFromClaims } from './claims.ts';
import type { Identity } from './identity.ts';
import { normalisePem } from './jwt-algorithms.ts';
import type { JwtConfig } from './schema.ts';

/**
 * Bearer-token verification. The algorithms are pinned (jose refuses any other `alg`, including
 * `none`, before a key is even chosen), issuer and audience must match, and `exp` is required.
 * The config schema has already made sure the key source fits the algorithms.
 */
export interface JwtVerifier {
  /** The identity the token stands for; a GatewayError 401 when it cannot be trusted. */
  verify(token: string): Promise<Identity>;
}

export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  const key = keySource(config);
  const options: JWTVerifyOptions = {
    algorithms: [...config.algorithms],
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clock_tolerance_seconds,
    // A token that never expires is a password that cannot be revoked.
    requiredClaims: ['exp'],
  };

  async function verify(token: string): Promise<Identity> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, options));
    } catch (error) {
      throw errors.unauthorized(refusalReason(error));
    }
    return identityFromClaims(payload, config.claims);
  }

  return { verify };
}

function keySource(config: JwtConfig): Uint8Array | JWTVerifyGetKey {
  if (config.jwks_url !== undefined) return remoteKeys(config.jwks_url);
  if (config.public_key !== undefined) return publicKey(normalisePem(config.public_key));
  return new TextEncoder().encode(config.secret ?? '');
}

/** Raised when the key set cannot be had at all, as opposed to a token naming an unknown key. */
class SigningKeysUnavailable extends Error {
  constructor(cause: unknown) {
    super('signing keys unavailable', { cause });
    this.name = 'SigningKeysUnavailable';
  }
}

/*
 * jose caches the key set, refreshes it when it grows stale, and refetches (at most once per
 * cooldown) when a token names a `kid` it does not hold; a `kid` still unknown after that is
 * refused. Redirects are not followed.
 */
function remoteKeys(url: string): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(new URL(url));
  return async function resolveRemoteKey(header, token) {
    try {
      return await jwks(header, token);
    } catch (error) {
      if (isUnknownKey(error)) throw error;
      throw new SigningKeysUnavailable(error);
    }
  };
}

/*
 * importSPKI binds a key to one algorithm, so it is imported once per algorithm on first use.
 * jose checks `alg` against the pinned list before asking for the key, so only configured
 * algorithms ever reach this.
 */
function publicKey(pem: string): JWTVerifyGetKey {
  const imported = new Map<string, Promise<CryptoKey>>();
  return function resolvePublicKey(header) {
    const alg = header.alg;
    let key = imported.get(alg);
    if (key === undefined) {
      key = importSPKI(pem, alg);
      imported.set(alg, key);
    }
    return key;
  };
}

function isUnknownKey(error: unknown): boolean {
  return (
    error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys
  );
}

/** A reason a client may see: fixed wording, never a piece of the token. */
function refusalReason(error: unknown): string {
  if (error instanceof SigningKeysUnavailable) {
    return 'The token could not be verified: the signing keys are unavailable';
  }
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return claimReason(error.claim, error.reason);
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token signing algorithm is not accepted';
  if (isUnknownKey(error)) return 'The token signing key is not known';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is not valid';
  return 'The token is malformed';
}

function claimReason(claim: string, reason: string): string {
  if (claim === 'nbf') return 'The token is not valid yet';
  if (claim === 'iss') return 'The token issuer is not accepted';
  if (claim === 'aud') return 'The token audience is not accepted';
  if (reason === 'missing') return `The token has no "${claim}" claim`;
  return `The token "${claim}" claim is not valid`;
}
