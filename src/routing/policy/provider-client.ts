import { type Dispatcher, request } from 'undici';
import type { PolicyProviderConfig } from './provider-config.ts';
import { type FetchOutcome, validateProviderDocument } from './provider-response.ts';

export type { FetchOutcome } from './provider-response.ts';

/**
 * One GET to the external policy provider. Only HTTP lives here; caching is policy-cache.ts.
 * Never throws: every failure becomes `{kind: 'error', reason}`, and reasons never carry header
 * values or the provider URL, since both may hold credentials.
 */
export type PolicyProviderFetchConfig = Pick<
  PolicyProviderConfig,
  'url' | 'headers' | 'timeout_ms' | 'max_body_bytes'
>;

export async function fetchPolicy(
  config: PolicyProviderFetchConfig,
  policyId: string,
  revision: number | undefined,
  signal?: AbortSignal,
  tenant?: string,
): Promise<FetchOutcome> {
  // One deadline for headers and body together: a provider that trickles bytes is as bad as a mute one.
  const deadline = AbortSignal.timeout(config.timeout_ms);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  try {
    const response = await request(policyUrl(config.url, policyId, revision, tenant), {
      method: 'GET',
      headers: requestHeaders(config.headers),
      signal: combined,
    });
    return await outcomeOf(response, config.max_body_bytes, policyId);
  } catch (error) {
    return { kind: 'error', reason: describeFailure(error, config.timeout_ms, deadline, signal) };
  }
}

/**
 * The URL comes from config only; the policy id and revision (which come from requests) are only
 * ever query values, so no request can point the gateway at another host or path.
 */
export function policyUrl(
  base: string,
  policyId: string,
  revision: number | undefined,
  tenant?: string,
): URL {
  const url = new URL(base);
  url.hash = '';
  // `set`, not `append`: a configured `policy_id` in the url must not shadow the one asked for.
  url.searchParams.set('policy_id', policyId);
  if (revision === undefined) url.searchParams.delete('revision');
  else url.searchParams.set('revision', String(revision));
  // The tenant lets the provider scope policy ids: one tenant cannot name another's policy.
  if (tenant !== undefined) url.searchParams.set('tenant', tenant);
  return url;
}

function requestHeaders(configured: Readonly<Record<string, string>>): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // Lower-cased so a configured `Accept` replaces ours instead of being sent beside it.
  for (const [name, value] of Object.entries(configured)) headers[name.toLowerCase()] = value;
  return headers;
}

async function outcomeOf(
  response: Dispatcher.ResponseData,
  maxBodyBytes: number,
  policyId: string,
): Promise<FetchOutcome> {
  const { statusCode, headers, body } = response;
  if (statusCode === 404) {
    await discard(body);
    return { kind: 'not_found' };
  }
  if (statusCode < 200 || statusCode >= 300) {
    // Redirects land here too: following one could carry the configured credentials elsewhere.
    await discard(body);
    return { kind: 'error', reason: `policy provider answered HTTP ${statusCode}` };
  }
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    body.destroy();
    return tooLarge(maxBodyBytes);
  }
  const raw = await readLimited(body, maxBodyBytes);
  if (raw === undefined) return tooLarge(maxBodyBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    // The parser's message quotes the body; the body is untrusted, so it stays out of the reason.
    return { kind: 'error', reason: 'policy provider response is not valid JSON' };
  }
  return validateProviderDocument(parsed, policyId);
}

/** The body, or undefined as soon as it passes `limit`: an oversized body is never buffered whole. */
async function readLimited(
  body: Dispatcher.ResponseData['body'],
  limit: number,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

function tooLarge(limit: number): FetchOutcome {
  return { kind: 'error', reason: `policy provider response exceeds max_body_bytes (${limit})` };
}

/** Drains a small error body so the connection can be reused; gives up (closes it) on large ones. */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    body.destroy();
  }
}

function describeFailure(
  error: unknown,
  timeoutMs: number,
  deadline: AbortSignal,
  callerSignal: AbortSignal | undefined,
): string {
  if (callerSignal?.aborted) return 'policy provider fetch aborted';
  if (deadline.aborted) return `policy provider timed out after ${timeoutMs} ms`;
  // Only the error code: undici messages name the host and port, which stay out of reasons.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code))
    return `policy provider unreachable (${code})`;
  return 'policy provider request failed';
}
