import Anthropic, {
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  OverloadedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accumulateOpenAI } from '../translate/fixtures/accumulate.ts';
import { createAnthropicToOpenAIStream } from '../translate/openai-to-anthropic.stream.ts';
import { createSSEDecoder } from '../translate/sse.ts';
import type { AnthropicStreamEvent } from '../wire/anthropic.ts';
import { type FakeAnthropic, startFakeAnthropic } from './fake-anthropic.ts';

const API_KEY = 'sk-ant-test-key';
const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: {
    type: 'object' as const,
    properties: { location: { type: 'string' } },
    required: ['location'],
  },
};

let fake: FakeAnthropic;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: API_KEY });
  // No retries: a simulated error must surface as it is.
  client = new Anthropic({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0 });
});

afterAll(async () => {
  await fake.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];

async function rawStream(body: object): Promise<Array<{ event: string | null; data: AnthropicStreamEvent }>> {
  const res = await fetch(`${fake.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const decoder = createSSEDecoder();
  const messages = [...decoder.push(await res.text()), ...decoder.end()];
  return messages.map((m) => ({ event: m.event, data: JSON.parse(m.data) as AnthropicStreamEvent }));
}

describe('fake-anthropic driven by the official client', () => {
  it('answers a plain request and records it', async () => {
    const message = await client.messages.create({ model: 'claude-plain', max_tokens: 100, messages: hi });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-plain',
      content: [{ type: 'text', text: 'Hello from fake-anthropic (claude-plain)' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { output_tokens: 4 },
    });
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    const recorded = fake.requests.at(-1)!;
    expect(recorded).toMatchObject({
      method: 'POST',
      path: '/v1/messages',
      body: { model: 'claude-plain', max_tokens: 100, messages: hi },
    });
    // SDK 1.x sends the key as a bearer token; older clients use x-api-key (see rawStream).
    expect(recorded.headers.authorization ?? recorded.headers['x-api-key']).toMatch(
      new RegExp(`${API_KEY}$`),
    );
    expect(recorded.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('honours stop sequences, max_tokens and usage overrides', async () => {
    fake.setBehaviour('claude-story', {
      reply: 'Once upon a time END there was more',
      usage: { cache_read_input_tokens: 1800 },
    });
    const stopped = await client.messages.create({
      model: 'claude-story',
      max_tokens: 100,
      stop_sequences: [' END'],
      messages: hi,
    });
    expect(stopped).toMatchObject({
      content: [{ type: 'text', text: 'Once upon a time' }],
      stop_reason: 'stop_sequence',
      stop_sequence: ' END',
      usage: { cache_read_input_tokens: 1800 },
    });
    const cut = await client.messages.create({ model: 'claude-story', max_tokens: 2, messages: hi });
    expect(cut).toMatchObject({ content: [{ type: 'text', text: 'Once upon' }], stop_reason: 'max_tokens' });
  });

  it('streams text with the real event sequence', async () => {
    fake.setBehaviour('claude-stream', { reply: 'one two three', chunkDelayMs: 1 });
    const stream = client.messages.stream({ model: 'claude-stream', max_tokens: 100, messages: hi });
    const deltas: string[] = [];
    stream.on('text', (text) => deltas.push(text));
    const final = await stream.finalMessage();
    expect(deltas).toEqual(['one', ' two', ' three']);
    expect(final).toMatchObject({
      content: [{ type: 'text', text: 'one two three' }],
      stop_reason: 'end_turn',
    });
    expect(final.usage.output_tokens).toBe(3);

    const events = await rawStream({ model: 'claude-stream', max_tokens: 100, messages: hi });
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.every((e) => e.event === e.data.type)).toBe(true);
  });

  it('streams tool use as input_json_delta fragments when the request has tools', async () => {
    const input = { location: 'San Francisco, CA', unit: 'fahrenheit' };
    fake.setBehaviour('claude-tools', { toolUse: { name: 'get_weather', input } });
    const stream = client.messages.stream({
      model: 'claude-tools',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather in SF?' }],
    });
    const fragments: string[] = [];
    stream.on('inputJson', (partial) => fragments.push(partial));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input }),
    ]);
    expect(fragments.filter((f) => f !== '').length).toBeGreaterThan(1);
    expect(fragments.join('')).toBe(JSON.stringify(input));

    const plain = await client.messages.create({
      model: 'claude-tools',
      max_tokens: 100,
      tools: [weatherTool],
      messages: hi,
    });
    expect(plain.content).toEqual([
      expect.objectContaining({ type: 'tool_use', id: expect.stringMatching(/^toolu_/), input }),
    ]);
    // Without tools in the request the same model just talks.
    const noTools = await client.messages.create({ model: 'claude-tools', max_tokens: 100, messages: hi });
    expect(noTools.stop_reason).toBe('end_turn');
  });

  it('returns configured errors in the Anthropic error shape', async () => {
    fake.setBehaviour('claude-limited', { status: 429 });
    const limited = await client.messages
      .create({ model: 'claude-limited', max_tokens: 10, messages: hi })
      .catch((e) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      requestID: expect.stringMatching(/^req_/),
    });

    fake.setBehaviour('claude-busy', { errorType: 'overloaded_error', errorMessage: 'Overloaded' });
    const busy = await client.messages
      .create({ model: 'claude-busy', max_tokens: 10, messages: hi })
      .catch((e) => e);
    expect(busy).toBeInstanceOf(OverloadedError);
    expect(busy).toMatchObject({ status: 529, type: 'overloaded_error', apiMessage: 'Overloaded' });
  });

  it('breaks a stream with a mid-stream overloaded error', async () => {
    fake.setBehaviour('claude-flaky', { reply: 'partial answer here', streamError: true });
    const stream = client.messages.stream({ model: 'claude-flaky', max_tokens: 100, messages: hi });
    const deltas: string[] = [];
    stream.on('text', (text) => deltas.push(text));
    const err = await stream.finalMessage().catch((e) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ type: 'overloaded_error' });
    expect(deltas).toEqual(['partial']);

    const events = await rawStream({ model: 'claude-flaky', max_tokens: 100, messages: hi });
    expect(events.at(-1)).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
  });

  it('checks the API key and the anthropic-version header', async () => {
    const wrongKey = new Anthropic({ apiKey: 'sk-wrong', baseURL: fake.url, maxRetries: 0 });
    const denied = await wrongKey.messages
      .create({ model: 'claude-plain', max_tokens: 10, messages: hi })
      .catch((e) => e);
    expect(denied).toBeInstanceOf(AuthenticationError);
    expect(denied).toMatchObject({ status: 401, type: 'authentication_error' });

    const noVersion = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ model: 'claude-plain', max_tokens: 10, messages: hi }),
    });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });

    const noKey = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-plain', max_tokens: 10, messages: hi }),
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const elsewhere = await fetch(`${fake.url}/v1/complete`, { method: 'POST' });
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('rejects invalid bodies the way the API does', async () => {
    const post = (body: object) =>
      fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': API_KEY,
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify(body),
      });
    // temperature is a 2023-06-01 parameter; the 1.x client's types no longer offer it.
    const hot = await post({ model: 'claude-plain', max_tokens: 10, temperature: 1.5, messages: hi });
    expect(hot.status).toBe(400);
    expect(await hot.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const empty = await client.messages
      .create({ model: 'claude-plain', max_tokens: 10, messages: [] })
      .catch((e) => e);
    expect(empty).toMatchObject({ status: 400, type: 'invalid_request_error' });
    const garbage = await post({ model: 'claude-plain' });
    expect(await garbage.json()).toMatchObject({ error: { message: 'messages: Field required' } });
  });

  it('counts tokens', async () => {
    const count = await client.messages.countTokens({ model: 'claude-plain', messages: hi });
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(fake.requests.at(-1)!.path).toBe('/v1/messages/count_tokens');
  });

  it('delays answers by latencyMs (a client timeout fires first)', async () => {
    fake.setBehaviour('claude-slow', { latencyMs: 5_000 });
    const impatient = new Anthropic({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0, timeout: 100 });
    const err = await impatient.messages
      .create({ model: 'claude-slow', max_tokens: 10, messages: hi })
      .catch((e) => e);
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
  });
});

describe('fake-anthropic stream through the translator', () => {
  it('reassembles into the same OpenAI text and tool call', async () => {
    fake.setBehaviour('claude-mixed', {
      reply: 'Let me look that up.',
      toolUse: { name: 'get_weather', input: { location: 'Paris' } },
    });
    const events = await rawStream({
      model: 'claude-mixed',
      max_tokens: 100,
      tools: [weatherTool],
      messages: hi,
    });
    const translator = createAnthropicToOpenAIStream({ model: 'claude-mixed', created: 1 });
    const folded = accumulateOpenAI(events.flatMap((e) => translator.push(e.data)));
    expect(folded.content).toBe('Let me look that up.');
    expect(folded.finishReason).toBe('tool_calls');
    expect(folded.toolCalls).toHaveLength(1);
    expect(JSON.parse(folded.toolCalls[0]!.function.arguments)).toEqual({ location: 'Paris' });
    expect(translator.usage?.prompt_tokens).toBeGreaterThan(0);
  });
});
