import { describe, expect, it } from 'vitest';
import type { AnthropicStreamEvent } from '../wire/anthropic.ts';
import type { OpenAIChunk } from '../wire/openai.ts';
import {
  createSSEDecoder,
  formatAnthropicEvent,
  formatOpenAIChunk,
  formatOpenAIStreamError,
  OPENAI_STREAM_DONE,
  type SSEMessage,
} from './sse.ts';

function decodeInPieces(text: string, size: number): SSEMessage[] {
  const decoder = createSSEDecoder();
  const out: SSEMessage[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...decoder.push(text.slice(i, i + size)));
  return [...out, ...decoder.end()];
}

describe('framing', () => {
  it('names Anthropic events and repeats the type in the data', () => {
    const event: AnthropicStreamEvent = { type: 'content_block_stop', index: 2 };
    expect(formatAnthropicEvent(event)).toBe(
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":2}\n\n',
    );
  });

  it('sends OpenAI chunks, errors and the terminator as unnamed data lines', () => {
    const chunk: OpenAIChunk = {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [],
    };
    expect(formatOpenAIChunk(chunk)).toBe(`data: ${JSON.stringify(chunk)}\n\n`);
    expect(
      formatOpenAIStreamError({ error: { message: 'x', type: 'server_error', code: null, param: null } }),
    ).toBe('data: {"error":{"message":"x","type":"server_error","code":null,"param":null}}\n\n');
    expect(OPENAI_STREAM_DONE).toBe('data: [DONE]\n\n');
  });
});

describe('createSSEDecoder', () => {
  const body = [
    ': keep-alive comment',
    'event: message_start',
    'data: {"a":1}',
    '',
    'data:no-space',
    'data:  two spaces',
    '',
    'event: ping',
    '',
    'data: [DONE]',
    '',
    '',
  ];

  const expected: SSEMessage[] = [
    { event: 'message_start', data: '{"a":1}' },
    { event: null, data: 'no-space\n two spaces' },
    { event: null, data: '[DONE]' },
  ];

  it('decodes LF, CRLF and CR line endings, whatever the chunk boundaries', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = body.join(eol);
      for (const size of [1, 2, 3, 7, text.length]) expect(decodeInPieces(text, size)).toEqual(expected);
    }
  });

  it('drops an event with no data (its name alone means nothing)', () => {
    expect(decodeInPieces('event: ping\n\n', 4)).toEqual([]);
  });

  it('delivers an unterminated final event at end of input', () => {
    expect(decodeInPieces('data: {"x":1}\n\ndata: [DONE]\n', 5)).toEqual([
      { event: null, data: '{"x":1}' },
      { event: null, data: '[DONE]' },
    ]);
  });

  it('round-trips formatted events', () => {
    const events: AnthropicStreamEvent[] = [
      { type: 'ping' },
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'line one\nline two\r\n' },
      },
    ];
    const decoded = decodeInPieces(events.map(formatAnthropicEvent).join(''), 3);
    expect(decoded.map((m) => m.event)).toEqual(['ping', 'content_block_delta']);
    expect(decoded.map((m) => JSON.parse(m.data))).toEqual(events);
  });
});
