import { formatAnthropicEvent, formatOpenAIStreamError } from '../../translate/sse.ts';
import type { AnthropicErrorType } from '../../wire/anthropic.ts';
import { anthropicErrorTypeForStatus, isAnthropicErrorType } from '../../wire/anthropic.ts';
import type { ClientError } from './codec.ts';

/**
 * Error bodies in each client API's shape, rebuilt from the few fields a client may see (type,
 * message, code, param): an upstream's body is never relayed as is, so whatever else it holds
 * (request ids, URLs, debug fields) stays behind.
 */
const MAX_ERROR_BODY = 64 * 1024;

/** The parsed JSON of an upstream error body, or undefined when there is none or it is not JSON. */
export function parseErrorBody(body: Buffer | undefined): unknown {
  if (!body || body.length === 0 || body.length > MAX_ERROR_BODY) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function fieldsOf(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An OpenAI-compatible upstream's error for an OpenAI client: its status, type and code kept. */
export function openAIClientError(status: number, body: unknown): ClientError {
  const fields = fieldsOf(body);
  const message = text(fields.message) ?? `upstream answered HTTP ${status}`;
  return {
    status,
    message,
    body: {
      error: {
        message,
        type: text(fields.type) ?? (status === 429 ? 'rate_limit_error' : 'upstream_error'),
        code: text(fields.code) ?? null,
        param: text(fields.param) ?? null,
      },
    },
  };
}

/** An Anthropic upstream's error for an Anthropic client: its status and error type kept. */
export function anthropicClientError(status: number, body: unknown): ClientError {
  const fields = fieldsOf(body);
  const type: AnthropicErrorType = isAnthropicErrorType(fields.type)
    ? fields.type
    : anthropicErrorTypeForStatus(status);
  const message = text(fields.message) ?? `upstream answered HTTP ${status}`;
  return { status, message, body: { type: 'error', error: { type, message } } };
}

/** How a stream that broke after it began ends for an OpenAI client (the SDKs raise it). */
export function openAIStreamError(message: string): Buffer {
  return Buffer.from(
    formatOpenAIStreamError({
      error: { message, type: 'upstream_error', code: 'stream_interrupted', param: null },
    }),
  );
}

/** How a stream that broke after it began ends for an Anthropic client: an `event: error`. */
export function anthropicStreamError(message: string, type: AnthropicErrorType = 'api_error'): Buffer {
  return Buffer.from(formatAnthropicEvent({ type: 'error', error: { type, message } }));
}

export const INCOMPLETE_STREAM = 'upstream ended the stream before it was complete';
