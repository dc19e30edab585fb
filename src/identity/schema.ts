import { z } from 'zod';
import { CREDENTIAL_HEADERS, looksLikeJwt } from './credentials.ts';
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from './identity.ts';
import {
  hmacMinimumBytes,
  isHmacAlgorithm,
  JWS_ALGORITHMS,
  type JwsAlgorithm,
  publicKeyProblem,
} from './jwt-algorithms.ts';

/*
 * The `identity:` section of the config (DESIGN §8). Secrets (`key`, `secret`) come from the
 * environment; no message below ever quotes one, since config errors are printed and logged.
 * An absent section (`identitySchema.prefault({})`) means: not required, anonymous tenant
 * `default`, no API keys, no JWT.
 */

const tenantId = z.string().regex(TENANT_ID_PATTERN, `must be ${TENANT_ID_RULE}`);

const headerName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name')
  .refine(
    (name) => !(CREDENTIAL_HEADERS as readonly string[]).includes(name),
    'cannot be one of the credential headers (authorization, x-api-key, api-key)',
  );

export const tenantHeaderSchema = z.strictObject({
  name: headerName.default('x-tenant-id'),
  trust: z
    .boolean()
    .default(false)
    .describe('honour the header (anonymous requests only); enable only behind a proxy that sets it'),
});

const userSchema = z.strictObject({
  id: z.string().min(1).optional(),
  role: z.string().min(1).optional(),
  department: z.string().min(1).optional(),
});

export const apiKeySchema = z.strictObject({
  key: z
    .string()
    .min(1, 'must not be empty (is its environment variable set?)')
    .regex(/^\S*$/, 'must not contain whitespace')
    .describe('use $ENV_NAME; never written in the file'),
  name: z.string().min(1).max(128).optional().describe('names the key in logs; never the key itself'),
  tenant: tenantId,
  user: userSchema.prefault({}),
  attributes: z.record(z.string().min(1), z.string()).default({}),
  admin: z.boolean().default(false).describe('may use the admin API'),
});

const claimName = z.string().min(1);

export const claimMappingSchema = z.strictObject({
  tenant: claimName.default('tid').describe('required in every token; a token without it is refused'),
  user_id: claimName.default('sub'),
  role: claimName.default('role').describe('a string, or an array whose first string is used'),
  department: claimName.default('department'),
  admin: claimName.optional().describe('a boolean claim; only `true` grants admin. Unset: tokens never do'),
  attributes: z
    .record(z.string().min(1), claimName)
    .default({})
    .describe('identity attribute name → claim name'),
});

const jwksUrl = z
  .url({ protocol: /^https?$/, error: 'Invalid URL' })
  .refine(isHttpsOrLoopback, 'must use https (plain http only for localhost)');

const algorithm = z.enum(JWS_ALGORITHMS, {
  error: (issue) =>
    issue.input === 'none'
      ? '"none" is never allowed: tokens must be signed'
      : `unsupported algorithm ${JSON.stringify(issue.input)}; expected one of ${JWS_ALGORITHMS.join('|')}`,
});

export const jwtSchema = z
  .strictObject({
    jwks_url: jwksUrl.optional().describe('keys fetched, cached and refreshed from here'),
    public_key: z.string().min(1).optional().describe('PEM SPKI ("-----BEGIN PUBLIC KEY-----")'),
    secret: z.string().min(1).optional().describe('HMAC secret for HS*; use $ENV_NAME'),
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    algorithms: z.array(algorithm).min(1).describe('pinned: a token signed otherwise is refused'),
    clock_tolerance_seconds: z.int().min(0).max(300).default(30),
    claims: claimMappingSchema.prefault({}),
  })
  .superRefine(function checkKeySource(jwt, ctx) {
    const sources = (['jwks_url', 'public_key', 'secret'] as const).filter((key) => jwt[key] !== undefined);
    if (sources.length !== 1) {
      const found = sources.length === 0 ? 'none' : sources.join(' and ');
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `needs exactly one of jwks_url, public_key or secret (found ${found})`,
      });
      return;
    }
    const problems = jwt.secret === undefined ? asymmetricProblems(jwt) : hmacProblems(jwt.secret, jwt);
    for (const problem of problems) ctx.addIssue({ code: 'custom', ...problem });
  });

interface Problem {
  path: (string | number)[];
  message: string;
}

function hmacProblems(secret: string, jwt: { algorithms: readonly JwsAlgorithm[] }): Problem[] {
  const problems: Problem[] = [];
  let minimum = 0;
  jwt.algorithms.forEach((alg, index) => {
    if (!isHmacAlgorithm(alg)) {
      problems.push({
        path: ['algorithms', index],
        message: `${alg} needs jwks_url or public_key; a secret only verifies HS256, HS384 or HS512`,
      });
      return;
    }
    minimum = Math.max(minimum, hmacMinimumBytes(alg));
  });
  if (Buffer.byteLength(secret, 'utf8') < minimum) {
    problems.push({ path: ['secret'], message: `must be at least ${minimum} bytes long (RFC 7518 §3.2)` });
  }
  return problems;
}

function asymmetricProblems(jwt: {
  public_key?: string | undefined;
  algorithms: readonly JwsAlgorithm[];
}): Problem[] {
  const problems: Problem[] = [];
  jwt.algorithms.forEach((alg, index) => {
    if (!isHmacAlgorithm(alg)) return;
    problems.push({
      path: ['algorithms', index],
      message: `${alg} needs a secret; with jwks_url or public_key only asymmetric algorithms are allowed (this prevents HS/RS key confusion)`,
    });
  });
  if (problems.length > 0 || jwt.public_key === undefined) return problems;
  const keyProblem = publicKeyProblem(jwt.public_key, jwt.algorithms);
  if (keyProblem !== undefined) problems.push({ path: ['public_key'], message: keyProblem });
  return problems;
}

function isHttpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

export const identitySchema = z
  .strictObject({
    required: z.boolean().default(false).describe('when true, a request without a valid credential is a 401'),
    anonymous_tenant: tenantId.default('default').describe('tenant of unauthenticated requests'),
    tenant_header: tenantHeaderSchema.prefault({}),
    api_keys: z.array(apiKeySchema).default([]),
    jwt: jwtSchema.optional(),
  })
  .superRefine(function checkIdentity(identity, ctx) {
    if (identity.required && identity.api_keys.length === 0 && identity.jwt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['required'], message: 'required: true needs api_keys or jwt' });
    }
    for (const problem of apiKeyProblems(identity.api_keys, identity.jwt !== undefined)) {
      ctx.addIssue({ code: 'custom', ...problem });
    }
  });

function apiKeyProblems(keys: readonly ApiKeyConfig[], jwtConfigured: boolean): Problem[] {
  const problems: Problem[] = [];
  const keyIndex = new Map<string, number>();
  const nameIndex = new Map<string, number>();
  keys.forEach((entry, index) => {
    const sameKey = keyIndex.get(entry.key);
    // Point at the first occurrence by position only: the key itself is a secret.
    if (sameKey !== undefined) {
      problems.push({
        path: ['api_keys', index, 'key'],
        message: `duplicate key (same as api_keys[${sameKey}])`,
      });
    } else {
      keyIndex.set(entry.key, index);
    }
    const sameName = entry.name === undefined ? undefined : nameIndex.get(entry.name);
    if (sameName !== undefined) {
      problems.push({ path: ['api_keys', index, 'name'], message: `duplicate name "${entry.name}"` });
    } else if (entry.name !== undefined) {
      nameIndex.set(entry.name, index);
    }
    // With jwt configured, a JWT-shaped credential is always verified as a token, never looked up.
    if (jwtConfigured && looksLikeJwt(entry.key)) {
      problems.push({
        path: ['api_keys', index, 'key'],
        message: 'has the shape of a JWT (three dot-separated parts), so it would never be accepted as a key',
      });
    }
  });
  return problems;
}

export type IdentityConfig = z.output<typeof identitySchema>;
/** The section as written: every field may be left out. */
export type IdentityConfigInput = z.input<typeof identitySchema>;
export type ApiKeyConfig = z.output<typeof apiKeySchema>;
export type JwtConfig = z.output<typeof jwtSchema>;
export type ClaimMapping = z.output<typeof claimMappingSchema>;
