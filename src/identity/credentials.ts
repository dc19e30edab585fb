/**
 * Finding the credential a client presented. Clients disagree on where it goes: OpenAI SDKs send
 * `Authorization: Bearer <x>`, Anthropic SDKs `x-api-key: <x>`, Azure-style clients `api-key: <x>`.
 * Header names are expected lower-case, as Node delivers them.
 */

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

export type PresentedCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'present'; readonly value: string }
  /** Something was sent but cannot be used; `reason` is safe to show (it never quotes the value). */
  | { readonly kind: 'malformed'; readonly reason: string };

const NONE: PresentedCredential = Object.freeze({ kind: 'none' });

export const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'api-key'] as const;

/*
 * A compact JWS: three base64url segments. The signature may be empty so that an unsigned
 * (`alg: none`) token is still recognised as a token and refused as one, with a clear reason.
 */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(value: string): boolean {
  return JWT_SHAPE.test(value);
}

const AUTHORIZATION = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:[ \t]+(.*))?$/;

/**
 * The one credential in the request. Several headers may carry it (some clients send both
 * Authorization and x-api-key) as long as they agree; when they disagree the request is refused
 * rather than guessing which one the client meant.
 */
export function readCredential(headers: RequestHeaders): PresentedCredential {
  const found: { header: string; value: string }[] = [];
  for (const header of CREDENTIAL_HEADERS) {
    const raw = headers[header];
    if (raw === undefined) continue;
    if (typeof raw !== 'string') return malformed(`The ${header} header was sent more than once`);
    const read = header === 'authorization' ? readAuthorization(raw) : tokenValue(header, raw);
    if (read.kind === 'malformed') return read;
    if (read.kind === 'present') found.push({ header, value: read.value });
  }
  const first = found[0];
  if (first === undefined) return NONE;
  if (found.some((entry) => entry.value !== first.value)) {
    const names = found.map((entry) => entry.header).join(', ');
    return malformed(`Conflicting credentials: the ${names} headers carry different values`);
  }
  return { kind: 'present', value: first.value };
}

function readAuthorization(raw: string): PresentedCredential {
  const match = AUTHORIZATION.exec(raw.trim());
  if (match === null) return malformed('The Authorization header is malformed');
  if (match[1]?.toLowerCase() !== 'bearer') {
    return malformed('Only Bearer credentials are accepted in the Authorization header');
  }
  return tokenValue('Authorization', match[2] ?? '');
}

function tokenValue(header: string, raw: string): PresentedCredential {
  const value = raw.trim();
  // An empty credential is still an attempt to authenticate: it must not become anonymous.
  if (value === '') return malformed(`The ${header} header is empty`);
  if (/\s/.test(value)) return malformed(`The ${header} header is malformed`);
  return { kind: 'present', value };
}

function malformed(reason: string): PresentedCredential {
  return { kind: 'malformed', reason };
}
