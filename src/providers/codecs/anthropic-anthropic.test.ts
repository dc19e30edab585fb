import { afterAll, describe, expect, it } from 'vitest';
import { errorStream, textStream, toolStream } from '../../translate/fixtures/anthropic-sse.ts';
import { anthropicPassthrough } from './anthropic-anthropic.ts';
import { chunked, compileTestProviders } from './test-providers.ts';

const providers = compileTestProviders('  - {name: claude, kind: anthropic, api_key: sk-ant}');
afterAll(() => providers.close());

describe('Anthropic client → Anthropic provider (passthrough)', () => {
  const body = {
    model: 'claude',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'hi' }],
    routing_preferences: [],
    top_k: 5,
  };
  const codec = anthropicPassthrough({ body });

  it('sends the body untranslated, with the target model and without routing fields', () => {
    const sent = JSON.parse(String(codec.encodeRequest('claude-sonnet-4', providers.get('claude'))));
    expect(sent).toEqual({
      model: 'claude-sonnet-4',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
      top_k: 5,
    });
  });

  it.each([1, 5, 64])('relays a stream byte for byte in %i-byte pieces and reads its usage', (step) => {
    const relay = codec.openStream('claude-sonnet-4');
    const out = Buffer.concat(chunked(textStream, step).map((chunk) => relay.push(chunk)));
    expect(relay.end()).toHaveLength(0);
    expect(out.toString()).toBe(textStream);
    // message_start: 25 uncached + 1000 cache reads; message_delta: 15 output tokens in total.
    expect(relay.usage).toEqual({ promptTokens: 1025, completionTokens: 15 });
    expect(relay.error).toBeUndefined();
  });

  it('relays streamed tool use untouched', () => {
    const relay = codec.openStream('claude-sonnet-4');
    const out = Buffer.concat([...chunked(toolStream, 33).map((chunk) => relay.push(chunk)), relay.end()]);
    expect(out.toString()).toBe(toolStream);
    expect(relay.error).toBeUndefined();
  });

  it('notes an upstream error event, which already told the client', () => {
    const relay = codec.openStream('claude-sonnet-4');
    const out = relay.push(Buffer.from(errorStream));
    expect(out.toString()).toBe(errorStream);
    expect(relay.error).toBe('Overloaded');
    expect(relay.end()).toHaveLength(0);
  });

  it('ends a stream cut before message_stop with an Anthropic error event', () => {
    const relay = codec.openStream('claude-sonnet-4');
    relay.push(Buffer.from(textStream.slice(0, textStream.indexOf('event: message_delta'))));
    expect(relay.end().toString()).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"upstream ended the stream before it was complete"}}\n\n',
    );
    expect(relay.fail('gone').toString()).toContain('"message":"gone"');
  });

  it('keeps an upstream error status and type, and nothing else of its body', () => {
    const upstream = {
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      request_id: 'req_1',
    };
    expect(codec.decodeError(529, Buffer.from(JSON.stringify(upstream)))).toEqual({
      status: 529,
      message: 'Overloaded',
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    expect(codec.decodeError(503, undefined).body).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'upstream answered HTTP 503' },
    });
  });
});
