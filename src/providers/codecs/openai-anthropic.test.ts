import { afterAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { accumulateOpenAI, decodeOpenAISSE } from '../../translate/fixtures/accumulate.ts';
import { overloadedError, textResponse, toolUseResponse } from '../../translate/fixtures/anthropic.ts';
import { errorStream, textStream, toolStream } from '../../translate/fixtures/anthropic-sse.ts';
import { multiTurnRequest, toolRoundTripRequest } from '../../translate/fixtures/openai.ts';
import { openAIToAnthropic } from './openai-anthropic.ts';
import { chunked, compileTestProviders } from './test-providers.ts';

const providers = compileTestProviders(`
  - {name: claude, kind: anthropic, api_key: sk-ant}
  - {name: claude-next, kind: anthropic, api_key: sk-ant, anthropic_version: "2026-10-21"}`);
afterAll(() => providers.close());

describe('OpenAI client → Anthropic provider', () => {
  it("sends a Messages request with the target model and the provider version's sampling", () => {
    const codec = openAIToAnthropic({ body: { ...multiTurnRequest, policy_id: 'p' } });
    const sent = JSON.parse(String(codec.encodeRequest('claude-sonnet-4', providers.get('claude'))));
    expect(sent).toMatchObject({
      model: 'claude-sonnet-4',
      max_tokens: 300,
      temperature: 1,
      top_p: 0.9,
      stream: true,
    });
    expect(sent.system).toEqual([
      { type: 'text', text: 'You are a helpful assistant.' },
      { type: 'text', text: 'Never mention the weather.' },
    ]);
    expect(sent).not.toHaveProperty('policy_id');
    expect(sent).not.toHaveProperty('stream_options');

    const next = JSON.parse(String(codec.encodeRequest('claude-sonnet-4', providers.get('claude-next'))));
    expect(next).not.toHaveProperty('temperature');
    expect(next).not.toHaveProperty('top_p');
  });

  it('refuses what Anthropic cannot express with a 400 from the catalogue', () => {
    const codec = openAIToAnthropic({
      body: { model: 'x', n: 3, messages: [{ role: 'user', content: 'hi' }] },
    });
    const refusal = (() => {
      try {
        codec.encodeRequest('claude-sonnet-4', providers.get('claude'));
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(GatewayError);
    expect((refusal as GatewayError).status).toBe(400);
    expect((refusal as GatewayError).code).toBe('unsupported_parameter');
    expect((refusal as GatewayError).message).toContain('(n)');

    // A body of a shape the translator cannot read is the client's 400, never a 500.
    const odd = openAIToAnthropic({ body: { model: 'x', messages: [{ role: 'user', content: 5 }] } });
    expect(() => odd.encodeRequest('claude-sonnet-4', providers.get('claude'))).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });

  it('answers a Message as a chat completion, tool calls and usage included', () => {
    const codec = openAIToAnthropic({ body: toolRoundTripRequest });
    const decoded = codec.decodeResponse(toolUseResponse, Buffer.from(JSON.stringify(toolUseResponse)));
    const completion = JSON.parse(decoded.body.toString());
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message.tool_calls[0]).toEqual({
      id: 'toolu_01A09q90qw90lq917835lq9',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
    });
    expect(decoded.usage).toEqual({ promptTokens: 384, completionTokens: 92 });
    expect(() => codec.decodeResponse({ unexpected: true }, Buffer.from('{}'))).toThrow(GatewayError);
  });

  it.each([1, 9, 100])('translates a text stream arriving in %i-byte pieces, ending with [DONE]', (step) => {
    const codec = openAIToAnthropic({ body: { ...multiTurnRequest } });
    const relay = codec.openStream('claude-sonnet-4');
    const out = Buffer.concat([
      ...chunked(textStream, step).map((c) => relay.push(c)),
      relay.end(),
    ]).toString();
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
    const result = accumulateOpenAI(decodeOpenAISSE(out));
    expect(result).toMatchObject({ role: 'assistant', content: 'Hello!', finishReason: 'stop' });
    // The client asked for usage (stream_options.include_usage): 25 + 1000 cached, 15 out.
    expect(result.usage).toMatchObject({ prompt_tokens: 1025, completion_tokens: 15 });
    expect(relay.usage).toEqual({ promptTokens: 1025, completionTokens: 15 });
    expect(relay.error).toBeUndefined();
  });

  it('translates streamed tool use, and sends no usage chunk to a client that did not ask', () => {
    const codec = openAIToAnthropic({ body: toolRoundTripRequest });
    const relay = codec.openStream('claude-sonnet-4');
    const out = Buffer.concat([...chunked(toolStream, 17).map((c) => relay.push(c)), relay.end()]).toString();
    const chunks = decodeOpenAISSE(out);
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
    const result = accumulateOpenAI(chunks);
    expect(result.finishReason).toBe('tool_calls');
    expect(result.toolCalls.map((call) => [call.id, call.function.name])).toEqual([
      ['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather'],
    ]);
    expect(JSON.parse(result.toolCalls[0]?.function.arguments ?? '')).toEqual({
      location: 'San Francisco, CA',
      unit: 'fahrenheit',
    });
    expect(relay.usage).toBeDefined();
  });

  it('turns an error event into an OpenAI error payload and stops there', () => {
    const relay = openAIToAnthropic({ body: {} }).openStream('claude-sonnet-4');
    const out = relay.push(Buffer.from(errorStream)).toString();
    const payloads = out
      .trim()
      .split('\n\n')
      .map((line) => JSON.parse(line.replace(/^data: /, '')));
    expect(payloads.at(-1)).toEqual({
      error: { message: 'Overloaded', type: 'server_error', code: 'overloaded', param: null },
    });
    expect(relay.error).toBe('Overloaded');
    expect(relay.end()).toHaveLength(0);
  });

  it('ends a stream cut before message_stop with an error payload', () => {
    const relay = openAIToAnthropic({ body: {} }).openStream('claude-sonnet-4');
    relay.push(Buffer.from(textStream.slice(0, textStream.indexOf('event: message_delta'))));
    expect(relay.end().toString()).toContain('"code":"stream_interrupted"');
    expect(relay.error).toBe('upstream ended the stream before it was complete');
  });

  it('maps Anthropic errors to OpenAI statuses and shapes (529 becomes 503)', () => {
    const codec = openAIToAnthropic({ body: {} });
    expect(codec.decodeError(529, Buffer.from(JSON.stringify(overloadedError)))).toEqual({
      status: 503,
      message: 'Overloaded',
      body: { error: { message: 'Overloaded', type: 'server_error', code: 'overloaded', param: null } },
    });
    expect(codec.decodeError(401, undefined).status).toBe(401);
  });

  it('answers a plain Message with its text, stop reason and model', () => {
    const codec = openAIToAnthropic({ body: {} });
    const completion = JSON.parse(codec.decodeResponse(textResponse, Buffer.from('')).body.toString());
    expect(completion.choices[0].message).toEqual({
      role: 'assistant',
      content: 'Hi! My name is Claude.',
      refusal: null,
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.model).toBe('claude-sonnet-4-5-20250929');
  });
});
