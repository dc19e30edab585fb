/**
 * Server-sent-event framing for both APIs, and an incremental decoder for upstream streams.
 *
 * Anthropic names every event (`event: <type>`) and repeats the type inside the JSON; OpenAI sends
 * unnamed `data:` lines and ends with a literal `data: [DONE]`.
 */

import type { AnthropicStreamEvent } from '../wire/anthropic.ts';
import type { OpenAIChunk, OpenAIErrorBody } from '../wire/openai.ts';

export function formatAnthropicEvent(event: AnthropicStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function formatOpenAIChunk(chunk: OpenAIChunk): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** OpenAI reports a failure after the stream started as a `data:` payload holding only `error`. */
export function formatOpenAIStreamError(body: OpenAIErrorBody): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}

export const OPENAI_STREAM_DONE = 'data: [DONE]\n\n';

export interface SSEMessage {
  /** The `event:` field, or null for unnamed events (OpenAI). */
  event: string | null;
  /** The `data:` lines joined by `\n`. */
  data: string;
}

export interface SSEDecoder {
  /** Feed decoded text (use `TextDecoder` with `stream: true` for bytes); returns completed events. */
  push(text: string): SSEMessage[];
  /** Flush at end of input. */
  end(): SSEMessage[];
}

/**
 * Decode an event stream per the WHATWG rules: lines end in LF, CRLF or CR; a blank line ends an
 * event; `:` starts a comment; one space after the colon is dropped. One leniency: an event left
 * unterminated at end of input is still delivered, because some OpenAI-compatible servers end
 * with `data: [DONE]\n` and no blank line.
 */
/** The most characters one pending line or event may hold (8 Mi). */
const MAX_PENDING_CHARS = 8 * 1024 * 1024;

export function createSSEDecoder(): SSEDecoder {
  let buffer = '';
  let event: string | null = null;
  let data: string[] = [];
  let pendingData = 0;

  function dispatch(out: SSEMessage[]): void {
    if (data.length > 0) out.push({ event, data: data.join('\n') });
    event = null;
    data = [];
    pendingData = 0;
  }

  function line(text: string, out: SSEMessage[]): void {
    if (text === '') {
      dispatch(out);
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') {
      data.push(value);
      pendingData += value.length;
    }
    // `id` and `retry` do not matter to a proxy that never reconnects.
  }

  return {
    push(text) {
      buffer += text;
      // An upstream that never ends a line (or an event) must not grow the gateway's memory
      // without bound: past this size the stream is treated as broken.
      if (buffer.length > MAX_PENDING_CHARS || pendingData > MAX_PENDING_CHARS) {
        throw new Error('upstream SSE event exceeds the size limit');
      }
      const out: SSEMessage[] = [];
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        // A CR at the end of the input may be the first half of a CRLF: wait for more.
        if (c === 13 && i + 1 === buffer.length) break;
        line(buffer.slice(start, i), out);
        if (c === 13 && buffer.charCodeAt(i + 1) === 10) i++;
        start = i + 1;
      }
      buffer = buffer.slice(start);
      return out;
    },
    end() {
      const out: SSEMessage[] = [];
      const rest = buffer.endsWith('\r') ? buffer.slice(0, -1) : buffer;
      buffer = '';
      if (rest !== '') line(rest, out);
      dispatch(out);
      return out;
    },
  };
}
