import { afterAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { accumulateAnthropic, decodeAnthropicSSE } from '../../translate/fixtures/accumulate.ts';
import { basicRequest, toolRoundTripRequest } from '../../translate/fixtures/anthropic.ts';
import { chatCompletion, rateLimitError, toolCallCompletion } from '../../translate/fixtures/openai.ts';
import { textStream, toolStream } from '../../translate/fixtures/openai-sse.ts';
import { anthropicToOpenAI } from './anthropic-openai.ts';
import { chunked, compileTestProviders } from './test-providers.ts';

const providers = compileTestProviders(`
  - {name: openai, kind: openai, api_key: sk-x}
  - {name: local, kind: vllm, base_url: "http://127.0.0.1:9/v1"}`);
afterAll(() => providers.close());

describe('Anthropic client → OpenAI-compatible provider', () => {
  it('sends a chat completions request, max_tokens where the provider kind reads it', () => {
    const codec = anthropicToOpenAI({ body: { ...basicRequest, routing_policy: {} } });
    const toOpenAI = JSON.parse(String(codec.encodeRequest('gpt-4o', providers.get('openai'))));
    expect(toOpenAI).toMatchObject({
      model: 'gpt-4o',
      max_completion_tokens: 1024,
      stop: ['\n\nHuman:'],
      user: 'user-1234',
    });
    expect(toOpenAI.messages[0]).toEqual({
      role: 'system',
      content: 'You are a helpful assistant.\n\nAnswer briefly.',
    });
    expect(toOpenAI).not.toHaveProperty('routing_policy');
    expect(toOpenAI).not.toHaveProperty('top_k');
    const toVllm = JSON.parse(String(codec.encodeRequest('llama', providers.get('local'))));
    expect(toVllm).toMatchObject({ model: 'llama', max_tokens: 1024 });
    expect(toVllm).not.toHaveProperty('max_completion_tokens');
  });

  it('asks streaming upstreams for usage, and refuses what they cannot take', () => {
    const sent = JSON.parse(
      String(
        anthropicToOpenAI({ body: toolRoundTripRequest }).encodeRequest('gpt-4o', providers.get('openai')),
      ),
    );
    expect(sent.stream_options).toEqual({ include_usage: true });
    expect(sent.messages.filter((m: { role: string }) => m.role === 'tool')).toHaveLength(1);

    const withDocument = {
      ...basicRequest,
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x' } }] }],
    };
    expect(() =>
      anthropicToOpenAI({ body: withDocument }).encodeRequest('gpt-4o', providers.get('openai')),
    ).toThrow(GatewayError);
  });

  it('answers a chat completion as a Message', () => {
    const codec = anthropicToOpenAI({ body: basicRequest });
    const text = codec.decodeResponse(chatCompletion, Buffer.from(''));
    expect(JSON.parse(text.body.toString())).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: '\n\nHello there, how may I assist you today?' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 86, cache_read_input_tokens: 1920, output_tokens: 12 },
    });
    expect(text.usage).toEqual({ promptTokens: 2006, completionTokens: 12 });
    const tools = JSON.parse(codec.decodeResponse(toolCallCompletion, Buffer.from('')).body.toString());
    expect(tools.content).toEqual([
      { type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } },
    ]);
    expect(tools.stop_reason).toBe('tool_use');
  });

  it('refuses an upstream tool call whose arguments are not JSON with a 502', () => {
    const broken = structuredClone(toolCallCompletion);
    broken.choices[0]!.message.tool_calls[0]!.function.arguments = '{"location": ';
    const codec = anthropicToOpenAI({ body: basicRequest });
    expect(() => codec.decodeResponse(broken, Buffer.from(''))).toThrow(
      expect.objectContaining({ status: 502, code: 'invalid_upstream_response' }),
    );
  });

  it.each([1, 13, 200])(
    'translates a text stream arriving in %i-byte pieces into Messages events',
    (step) => {
      const relay = anthropicToOpenAI({ body: basicRequest }).openStream('gpt-4o-mini');
      const out = Buffer.concat([
        ...chunked(textStream, step).map((c) => relay.push(c)),
        relay.end(),
      ]).toString();
      const events = decodeAnthropicSSE(out);
      expect(events[0]?.type).toBe('message_start');
      expect(events.at(-1)?.type).toBe('message_stop');
      const message = accumulateAnthropic(events);
      expect(message.content).toEqual([{ type: 'text', text: 'Hello there!' }]);
      expect(message.stop_reason).toBe('end_turn');
      expect(relay.usage).toEqual({ promptTokens: 1200, completionTokens: 3 });
      expect(relay.error).toBeUndefined();
    },
  );

  it('estimates input tokens for message_start, before the upstream reports them', () => {
    const relay = anthropicToOpenAI({ body: basicRequest }).openStream('gpt-4o-mini');
    const [start] = decodeAnthropicSSE(
      relay.push(Buffer.from(textStream.split('\n\n')[0]!.concat('\n\n'))).toString(),
    );
    expect(start?.type).toBe('message_start');
    const inputTokens = start?.type === 'message_start' ? start.message.usage.input_tokens : 0;
    expect(inputTokens).toBeGreaterThan(5);
  });

  it('translates streamed parallel tool calls into tool_use blocks', () => {
    const relay = anthropicToOpenAI({ body: toolRoundTripRequest }).openStream('gpt-4o-mini');
    const out = Buffer.concat([...chunked(toolStream, 21).map((c) => relay.push(c)), relay.end()]).toString();
    const message = accumulateAnthropic(decodeAnthropicSSE(out));
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      {
        type: 'tool_use',
        id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
        name: 'get_current_weather',
        input: { location: 'Boston, MA' },
      },
      { type: 'tool_use', id: 'call_x2', name: 'get_current_weather', input: { location: 'Paris' } },
    ]);
  });

  it('turns an error payload, a missing [DONE] and a reset into Anthropic error events', () => {
    const first = textStream.split('\n\n').slice(0, 2).join('\n\n').concat('\n\n');
    const withError = anthropicToOpenAI({ body: basicRequest }).openStream('m');
    const out = withError.push(Buffer.from(`${first}data: ${JSON.stringify(rateLimitError)}\n\n`)).toString();
    expect(out).toContain(
      `event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":${JSON.stringify(rateLimitError.error.message)}}}`,
    );
    expect(withError.end()).toHaveLength(0);

    const cut = anthropicToOpenAI({ body: basicRequest }).openStream('m');
    cut.push(Buffer.from(first));
    expect(cut.end().toString()).toContain('"message":"upstream ended the stream before it was complete"');

    const reset = anthropicToOpenAI({ body: basicRequest }).openStream('m');
    expect(reset.fail('upstream connection failed during the stream').toString()).toMatch(/^event: error\n/);
    expect(reset.error).toBe('upstream connection failed during the stream');
  });

  it('maps OpenAI errors to Anthropic types and statuses (503 becomes overloaded 529)', () => {
    const codec = anthropicToOpenAI({ body: basicRequest });
    expect(codec.decodeError(429, Buffer.from(JSON.stringify(rateLimitError)))).toMatchObject({
      status: 429,
      body: { type: 'error', error: { type: 'rate_limit_error' } },
    });
    expect(codec.decodeError(503, Buffer.from('upstream down'))).toEqual({
      status: 529,
      message: 'Upstream error (HTTP 503)',
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Upstream error (HTTP 503)' } },
    });
  });
});
