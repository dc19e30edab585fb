import type { SSEMessage } from '../../translate/sse.ts';
import { passthroughBody } from './body.ts';
import {
  anthropicClientError,
  anthropicStreamError,
  INCOMPLETE_STREAM,
  parseErrorBody,
} from './client-errors.ts';
import { type Codec, type CodecRequest, EMPTY, type StreamRelay, type Usage } from './codec.ts';
import { createSSEReader } from './sse-reader.ts';
import { anthropicUsage } from './usage.ts';

/**
 * Anthropic client → Anthropic provider: bodies and streams pass through byte for byte. The stream
 * relay reads event names as they pass, to see `message_stop` (the end of a complete stream), an
 * `event: error`, and the usage from `message_start` and `message_delta`.
 */
export function anthropicPassthrough(request: CodecRequest): Codec {
  return {
    client: 'anthropic',
    upstream: 'anthropic',
    encodeRequest: (model) => passthroughBody(request, model),
    decodeResponse: (json, raw) => ({
      body: raw,
      usage: anthropicUsage((json as { usage?: unknown } | null)?.usage),
    }),
    decodeError: (status, body) => anthropicClientError(status, parseErrorBody(body)),
    openStream: anthropicPassthroughStream,
  };
}

export function anthropicPassthroughStream(): StreamRelay {
  const reader = createSSEReader();
  let stopped = false;
  let error: string | undefined;
  // message_start holds the prompt side; message_delta's counters are cumulative totals that replace it.
  let counters: Record<string, unknown> | undefined;

  function watch(message: SSEMessage): void {
    if (message.event === 'message_stop') stopped = true;
    // Only these carry what the relay needs; every other event passes unread.
    if (message.event !== 'message_start' && message.event !== 'message_delta' && message.event !== 'error')
      return;
    const data = parse(message.data) as
      | { message?: { usage?: unknown }; usage?: unknown; error?: { message?: unknown } }
      | undefined;
    if (message.event === 'error') {
      const text = data?.error?.message;
      error ??= typeof text === 'string' ? text : 'upstream sent an error event';
      return;
    }
    const usage = message.event === 'message_start' ? data?.message?.usage : data?.usage;
    if (usage !== null && typeof usage === 'object') counters = { ...counters, ...present(usage) };
  }

  return {
    get usage(): Usage | undefined {
      return anthropicUsage(counters);
    },
    get error() {
      return error;
    },
    push(chunk) {
      for (const message of reader.push(chunk)) watch(message);
      return chunk;
    },
    end() {
      for (const message of reader.end()) watch(message);
      // An upstream error event already told the client; otherwise a stream without message_stop was cut short.
      if (stopped || error) return EMPTY;
      error = INCOMPLETE_STREAM;
      return anthropicStreamError(error);
    },
    fail(message) {
      error ??= message;
      return anthropicStreamError(message);
    },
  };
}

/** The counters that are set: a `null` in message_delta means "not reported here", not zero. */
function present(usage: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(usage).filter(([, value]) => typeof value === 'number'));
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
