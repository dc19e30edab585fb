import { errors as undiciErrors } from 'undici';
import type { ProviderRuntime } from '../config/snapshot.ts';
import type { Operation } from '../providers/profiles.ts';
import type { Target } from '../routing/target.ts';
import { parseRetryAfter } from './target-health.ts';
import type { UpstreamSignal } from './upstream-abort.ts';
import { dispatchUpstream, type UpstreamBody, type UpstreamHead } from './upstream-response.ts';

/**
 * One request to one target. Decides only what happened; whether to fall back is the chain's call,
 * guided by `retryable`. For streams, the first chunk is read before the attempt counts as a
 * success, so a connection that dies before sending anything can still fall back.
 */
export interface AttemptRequest {
  provider: ProviderRuntime;
  target: Target;
  op: Operation;
  body: string | Buffer;
  headers: Record<string, string>;
  /** The client's request headers: those the provider lists in `pass_headers` are sent upstream. */
  clientHeaders?: ClientHeaders | undefined;
  stream: boolean;
  signal: UpstreamSignal;
}

export type FailureOutcome =
  | 'http_error'
  | 'timeout'
  | 'connect_error'
  | 'reset'
  | 'invalid_response'
  | 'aborted';

export interface AttemptFailure {
  ok: false;
  outcome: FailureOutcome;
  status: number;
  message: string;
  /** Another target might succeed. */
  retryable: boolean;
  /** Counts toward the target's circuit breaker (a 429 or a client-caused 4xx does not). */
  breakerFailure: boolean;
  retryAfterMs: number | undefined;
  /** The upstream's error body when it sent one, to pass on if this is the last attempt. */
  upstreamBody: Buffer | undefined;
}

export interface JsonSuccess {
  ok: true;
  kind: 'json';
  status: number;
  body: Buffer;
  json: unknown;
}

export interface StreamSuccess {
  ok: true;
  kind: 'stream';
  status: number;
  contentType: string;
  first: Buffer;
  /** The rest of the body: relayed chunk by chunk (`relayTo`), or cancelled. */
  rest: Pick<UpstreamBody, 'relayTo' | 'resume' | 'cancel'>;
  /** Stops reading the upstream body and releases the connection. */
  cancel(): void;
}

export type AttemptResult = JsonSuccess | StreamSuccess | AttemptFailure;

export async function sendAttempt(req: AttemptRequest): Promise<AttemptResult> {
  const { provider } = req;
  let head: UpstreamHead;
  try {
    head = await dispatchUpstream(
      provider.pool,
      {
        method: 'POST',
        path: provider.profile.path(req.op, provider.basePath, req.target.model, provider.config.api_version),
        headers: { ...provider.headers, ...passedHeaders(provider, req.clientHeaders), ...req.headers },
        body: req.body,
      },
      req.signal,
    );
  } catch (error) {
    return failureFromError(error, req.signal);
  }

  const { status, headers, body } = head;
  if (status >= 400) {
    // Only the start of an error body is ever read (its message); the rest is discarded unread.
    const upstreamBody = await body
      .collect(MAX_ERROR_BODY_BYTES)
      .then((collected) => collected.bytes)
      .catch(() => undefined);
    return httpFailure(status, headers['retry-after'], upstreamBody);
  }

  if (!req.stream) {
    let raw: Buffer;
    try {
      const declared = Number(headers['content-length'] ?? Number.NaN);
      if (declared > MAX_RESPONSE_BYTES) {
        body.cancel();
        return invalidResponse('upstream answer exceeds the size limit');
      }
      const collected = await body.collect(MAX_RESPONSE_BYTES);
      if (collected.truncated) return invalidResponse('upstream answer exceeds the size limit');
      raw = collected.bytes;
    } catch (error) {
      return failureFromError(error, req.signal);
    }
    try {
      return { ok: true, kind: 'json', status, body: raw, json: JSON.parse(raw.toString('utf8')) };
    } catch {
      return invalidResponse('upstream answered with a body that is not valid JSON');
    }
  }

  const contentType = String(headers['content-type'] ?? '');
  if (!contentType.startsWith('text/event-stream')) {
    body.cancel();
    return invalidResponse(`upstream answered a stream request with ${contentType || 'no content type'}`);
  }
  try {
    const first = await body.next();
    if (first.done) return invalidResponse('upstream closed the stream before sending any event');
    return {
      ok: true,
      kind: 'stream',
      status,
      contentType,
      first: first.value,
      rest: body,
      cancel: () => body.cancel(),
    };
  } catch (error) {
    return failureFromError(error, req.signal);
  }
}

export type ClientHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The client headers this provider is configured to receive (schema refuses credentials and framing). */
function passedHeaders(provider: ProviderRuntime, client: ClientHeaders | undefined): Record<string, string> {
  const names = provider.config.pass_headers;
  const out: Record<string, string> = {};
  if (!client || names.length === 0) return out;
  for (const name of names) {
    const value = client[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** An upstream answer larger than this is refused rather than buffered (64 MiB). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** How much of an upstream error body is kept: enough for its message. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

function httpFailure(
  status: number,
  retryAfter: string | string[] | undefined,
  upstreamBody: Buffer | undefined,
): AttemptFailure {
  // 401/403 from an upstream mean *our* credentials for it are wrong: another provider may work.
  const providerSide = status === 408 || status === 429 || status >= 500 || status === 401 || status === 403;
  return {
    ok: false,
    outcome: 'http_error',
    status,
    message: upstreamMessage(upstreamBody) ?? `upstream answered HTTP ${status}`,
    retryable: providerSide,
    breakerFailure: providerSide && status !== 429,
    retryAfterMs: parseRetryAfter(retryAfter),
    upstreamBody,
  };
}

/** The message from an OpenAI- or Anthropic-shaped error body, if there is one. */
function upstreamMessage(body: Buffer | undefined): string | undefined {
  if (!body || body.length === 0 || body.length > 64 * 1024) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === 'string' ? parsed.error.message : undefined;
  } catch {
    return undefined;
  }
}

function invalidResponse(message: string): AttemptFailure {
  return {
    ok: false,
    outcome: 'invalid_response',
    status: 502,
    message,
    retryable: true,
    breakerFailure: true,
    retryAfterMs: undefined,
    upstreamBody: undefined,
  };
}

function failureFromError(error: unknown, signal: UpstreamSignal): AttemptFailure {
  const base = { ok: false as const, retryAfterMs: undefined, upstreamBody: undefined };
  if (signal.aborted) {
    return {
      ...base,
      outcome: 'aborted',
      status: 499,
      message: 'request aborted',
      retryable: false,
      breakerFailure: false,
    };
  }
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return {
      ...base,
      outcome: 'timeout',
      status: 504,
      message: 'upstream timed out',
      retryable: true,
      breakerFailure: true,
    };
  }
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return {
      ...base,
      outcome: 'connect_error',
      status: 502,
      message: 'could not connect to upstream',
      retryable: true,
      breakerFailure: true,
    };
  }
  return {
    ...base,
    outcome: 'reset',
    status: 502,
    message: 'upstream connection failed',
    retryable: true,
    breakerFailure: true,
  };
}
