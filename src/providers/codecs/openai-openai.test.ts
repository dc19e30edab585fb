import { afterAll, describe, expect, it } from 'vitest';
import { textStream } from '../../translate/fixtures/openai-sse.ts';
import { openAIPassthrough } from './openai-openai.ts';
import { chunked, compileTestProviders } from './test-providers.ts';

const providers = compileTestProviders('  - {name: oai, kind: openai, api_key: sk-x}');
afterAll(() => providers.close());

describe('OpenAI client → OpenAI provider (passthrough)', () => {
  const body = {
    model: 'fast',
    messages: [{ role: 'user', content: 'hi' }],
    policy_id: 'p1',
    revision: 3,
    routing_policy: {},
    routing_preferences: [],
    seed: 7,
  };
  const codec = openAIPassthrough({ body });

  it('sends the body with the target model and without routing fields, unknown fields kept', () => {
    const sent = JSON.parse(String(codec.encodeRequest('gpt-4o-mini', providers.get('oai'))));
    expect(sent).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], seed: 7 });
    expect(body.model).toBe('fast');
  });

  it('relays a stream byte for byte and reads its final usage', () => {
    const relay = codec.openStream('gpt-4o-mini');
    const out = Buffer.concat(chunked(textStream, 7).map((chunk) => relay.push(chunk)));
    expect(relay.end()).toHaveLength(0);
    expect(out.toString()).toBe(textStream);
    expect(relay.usage).toEqual({ promptTokens: 1200, completionTokens: 3 });
    expect(relay.error).toBeUndefined();
  });

  it('ends a stream without [DONE] with an OpenAI error payload', () => {
    const relay = codec.openStream('gpt-4o-mini');
    relay.push(Buffer.from(textStream.slice(0, textStream.indexOf('data: [DONE]'))));
    const tail = relay.end().toString();
    expect(JSON.parse(tail.replace(/^data: /, ''))).toEqual({
      error: {
        message: 'upstream ended the stream before it was complete',
        type: 'upstream_error',
        code: 'stream_interrupted',
        param: null,
      },
    });
    expect(relay.error).toBe('upstream ended the stream before it was complete');
  });

  it('keeps only type, message, code and param of an upstream error', () => {
    const upstream = {
      error: {
        message: 'Rate limit',
        type: 'requests',
        code: 'rate_limit_exceeded',
        param: null,
        internal: 'x',
      },
      trace: 'y',
    };
    const shown = codec.decodeError(429, Buffer.from(JSON.stringify(upstream)));
    expect(shown).toEqual({
      status: 429,
      message: 'Rate limit',
      body: { error: { message: 'Rate limit', type: 'requests', code: 'rate_limit_exceeded', param: null } },
    });
    expect(codec.decodeError(502, Buffer.from('<html>bad gateway</html>')).body).toEqual({
      error: { message: 'upstream answered HTTP 502', type: 'upstream_error', code: null, param: null },
    });
  });
});
