/**
 * The config as it may be shown (admin API): every value that came from the environment, and
 * every credential-bearing field, replaced by `[redacted]`.
 */
const SECRET_KEYS = new Set(['api_key', 'key', 'keys', 'secret', 'authorization', 'password']);
const REDACTED = '[redacted]';

export function redactConfig(value: unknown, secrets: ReadonlySet<string>): unknown {
  return walk(value, secrets, undefined);
}

function walk(value: unknown, secrets: ReadonlySet<string>, key: string | undefined): unknown {
  if (typeof value === 'string') return redactString(value, secrets, key);
  if (Array.isArray(value)) return value.map((item) => walk(item, secrets, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [childKey, child] of Object.entries(value)) out[childKey] = walk(child, secrets, childKey);
    return out;
  }
  return value;
}

function redactString(value: string, secrets: ReadonlySet<string>, key: string | undefined): string {
  let out = value;
  for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  // URLs are kept (they say where things are) unless they embed credentials.
  if (key === 'url' || key === 'base_url' || key === 'jwks_url') return stripUrlCredentials(out);
  if (key !== undefined && SECRET_KEYS.has(key) && out !== REDACTED) return REDACTED;
  return out;
}

function stripUrlCredentials(value: string): string {
  try {
    const url = new URL(value);
    if (!url.username && !url.password) return value;
    url.username = '';
    url.password = '';
    return `${url.toString()} ([credentials redacted])`;
  } catch {
    return value;
  }
}
