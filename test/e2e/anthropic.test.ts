import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from '../../src/testing/fake-anthropic.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * Anthropic both ways, end to end with the official clients: an Anthropic-style client and an
 * OpenAI-style client, each served by an Anthropic provider and an OpenAI-compatible one — plain,
 * streamed and tool-calling — plus mixed fallback chains, error shapes and broken streams.
 */
const ANTHROPIC_KEY = 'sk-ant-upstream-secret';
const OPENAI_KEY = 'sk-oai-upstream-secret';

let claude: FakeAnthropic;
let oai: FakeOpenAI;
let gw: TestGateway;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  claude = await startFakeAnthropic({
    apiKey: ANTHROPIC_KEY,
    anthropicVersions: ['2023-06-01', '2026-10-21'],
  });
  oai = await startFakeOpenAI({ name: 'oai', apiKey: OPENAI_KEY });
  gw = await startTestGateway(
    `
version: 1
server: {request_timeout_ms: 5000, stream_idle_timeout_ms: 2000}
providers:
  - {name: claude, kind: anthropic, base_url: "${claude.url}", api_key: "$ANT_KEY",
     models: [claude-sonnet-4, claude-flaky], pass_headers: [anthropic-beta],
     circuit_breaker: {failure_threshold: 1000, cooldown_ms: 1000}}
  - {name: claude-next, kind: anthropic, base_url: "${claude.url}", api_key: "$ANT_KEY",
     anthropic_version: "2026-10-21", models: [claude-next-model]}
  - {name: oai, kind: openai-compatible, base_url: "${oai.url}", api_key: "$OAI_KEY",
     models: [gpt-4o-mini, gpt-backup]}
models:
  mixed: [claude/claude-flaky, oai/gpt-backup]
routing:
  inline_policy: {enabled: true}
`,
    { env: { ANT_KEY: ANTHROPIC_KEY, OAI_KEY: OPENAI_KEY } },
  );
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await gw?.close();
  await claude?.close();
  await oai?.close();
});

const CLAUDE_MODELS = ['claude-sonnet-4', 'claude-flaky', 'claude-next-model'];

beforeEach(() => {
  claude.requests.length = 0;
  for (const model of CLAUDE_MODELS) claude.setBehaviour(model, {});
  oai.reset();
  gw.gateway.health.clear();
});

// ── the four directions ────────────────────────────────────────────────────

type ClientKind = 'anthropic' | 'openai';
type ProviderKind = 'anthropic' | 'openai';
type Mode = 'plain' | 'stream';

const MODEL_OF: Record<ProviderKind, string> = { anthropic: 'claude-sonnet-4', openai: 'gpt-4o-mini' };
const WEATHER_SCHEMA = {
  type: 'object' as const,
  properties: { city: { type: 'string' } },
  required: ['city'],
};

interface Answer {
  text: string;
  toolCalls: Array<{ id: string; name: string; input: unknown }>;
  stop: string | null;
  provider: string | null;
}

interface Turn {
  system?: string;
  user: string;
  tools?: boolean;
  /** A previous tool call and its result, to send back. */
  toolResult?: { id: string; name: string; input: unknown; result: string };
}

async function askAnthropic(model: string, turn: Turn, mode: Mode): Promise<Answer> {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: turn.user }];
  if (turn.toolResult) {
    const { id, name, input, result } = turn.toolResult;
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id, name, input }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: result }] });
  }
  const params = {
    model,
    max_tokens: 200,
    messages,
    ...(turn.system ? { system: turn.system } : {}),
    ...(turn.tools
      ? { tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: WEATHER_SCHEMA }] }
      : {}),
  };
  let message: Anthropic.Message;
  let provider: string | null;
  if (mode === 'plain') {
    const { data, response } = await anthropic.messages.create(params).withResponse();
    message = data;
    provider = response.headers.get('x-switchyard-provider');
  } else {
    const stream = anthropic.messages.stream(params);
    message = await stream.finalMessage();
    provider = (await stream.withResponse()).response.headers.get('x-switchyard-provider');
  }
  return {
    text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
    toolCalls: message.content.flatMap((block) =>
      block.type === 'tool_use' ? [{ id: block.id, name: block.name, input: block.input }] : [],
    ),
    stop: message.stop_reason,
    provider,
  };
}

async function askOpenAI(model: string, turn: Turn, mode: Mode): Promise<Answer> {
  const messages: OpenAI.ChatCompletionMessageParam[] = [];
  if (turn.system) messages.push({ role: 'system', content: turn.system });
  messages.push({ role: 'user', content: turn.user });
  if (turn.toolResult) {
    const { id, name, input, result } = turn.toolResult;
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(input) } }],
    });
    messages.push({ role: 'tool', tool_call_id: id, content: result });
  }
  const params = {
    model,
    messages,
    ...(turn.tools
      ? {
          tools: [
            {
              type: 'function' as const,
              function: {
                name: 'get_weather',
                description: 'Weather for a city',
                parameters: WEATHER_SCHEMA,
              },
            },
          ],
        }
      : {}),
  };
  let completion: OpenAI.ChatCompletion;
  let provider: string | null;
  if (mode === 'plain') {
    const { data, response } = await openai.chat.completions.create(params).withResponse();
    completion = data;
    provider = response.headers.get('x-switchyard-provider');
  } else {
    const stream = openai.chat.completions.stream({ ...params, stream_options: { include_usage: true } });
    completion = await stream.finalChatCompletion();
    provider = null;
  }
  const choice = completion.choices[0];
  return {
    text: choice?.message.content ?? '',
    toolCalls: (choice?.message.tool_calls ?? []).flatMap((call) =>
      call.type === 'function'
        ? [{ id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) as unknown }]
        : [],
    ),
    stop: choice?.finish_reason ?? null,
    provider,
  };
}

function ask(client: ClientKind, model: string, turn: Turn, mode: Mode): Promise<Answer> {
  return client === 'anthropic' ? askAnthropic(model, turn, mode) : askOpenAI(model, turn, mode);
}

function expectedReply(provider: ProviderKind): string {
  return provider === 'anthropic'
    ? `Hello from fake-anthropic (${MODEL_OF.anthropic})`
    : `Hello from oai (${MODEL_OF.openai})`;
}

const DIRECTIONS = (['anthropic', 'openai'] as const).flatMap((client) =>
  (['anthropic', 'openai'] as const).flatMap((provider) =>
    (['plain', 'stream'] as const).map((mode) => ({ client, provider, mode })),
  ),
);

describe.each(DIRECTIONS)('$client client → $provider provider ($mode)', ({ client, provider, mode }) => {
  const model = MODEL_OF[provider];

  it('answers a conversation with a system prompt', async () => {
    const answer = await ask(client, model, { system: 'Be brief.', user: 'Say hello' }, mode);
    expect(answer.text).toBe(expectedReply(provider));
    expect(answer.toolCalls).toEqual([]);
    expect(answer.stop).toBe(client === 'anthropic' ? 'end_turn' : 'stop');
    if (mode === 'plain') expect(answer.provider).toBe(provider === 'anthropic' ? 'claude' : 'oai');

    // The upstream got its own API's request, with the gateway's credentials and the system prompt.
    if (provider === 'anthropic') {
      const sent = claude.requests.at(-1);
      expect(sent?.path).toBe('/v1/messages');
      expect(sent?.headers['x-api-key']).toBe(ANTHROPIC_KEY);
      expect(sent?.headers.authorization).toBeUndefined();
      expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
      const body = sent?.body as { system?: unknown; max_tokens: number; stream?: boolean };
      expect(body.system).toBe('Be brief.');
      expect(body.max_tokens).toBe(client === 'anthropic' ? 200 : 4096);
      expect(body.stream === true).toBe(mode === 'stream');
    } else {
      const sent = oai.requests.at(-1);
      expect(sent?.path).toBe('/v1/chat/completions');
      expect(sent?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
      expect(sent?.headers['x-api-key']).toBeUndefined();
      const body = sent?.body as { messages: Array<{ role: string; content: unknown }> };
      expect(body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    }
  });

  it('calls a tool and continues the conversation with its result', async () => {
    if (provider === 'anthropic') {
      claude.setBehaviour(model, { toolUse: { name: 'get_weather', input: { city: 'Paris' } } });
    } else {
      oai.setBehaviour(model, { toolCalls: [{ name: 'get_weather', arguments: '{"city": "Paris"}' }] });
    }
    const first = await ask(client, model, { user: 'Weather in Paris?', tools: true }, mode);
    expect(first.toolCalls).toHaveLength(1);
    const call = first.toolCalls[0]!;
    expect(call.name).toBe('get_weather');
    expect(call.input).toEqual({ city: 'Paris' });
    expect(call.id).not.toBe('');
    expect(first.stop).toBe(client === 'anthropic' ? 'tool_use' : 'tool_calls');

    // Second turn: the tool's result goes back, and the model answers in text.
    if (provider === 'anthropic') claude.setBehaviour(model, { reply: 'Sunny in Paris' });
    else oai.setBehaviour(model, { reply: 'Sunny in Paris' });
    const second = await ask(
      client,
      model,
      { user: 'Weather in Paris?', tools: true, toolResult: { ...call, result: '22 degrees, sunny' } },
      mode,
    );
    expect(second.text).toBe('Sunny in Paris');

    // The upstream saw the tool call and its result in its own API's form, under the same id.
    if (provider === 'anthropic') {
      const body = claude.requests.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
      expect(body.messages[1]?.content).toEqual([
        { type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'Paris' } },
      ]);
      expect(body.messages[2]?.content).toEqual([
        { type: 'tool_result', tool_use_id: call.id, content: '22 degrees, sunny' },
      ]);
    } else {
      const body = oai.requests.at(-1)?.body as { messages: Array<Record<string, unknown>> };
      const tool = body.messages.find((m) => m.role === 'tool');
      expect(tool).toEqual({ role: 'tool', tool_call_id: call.id, content: '22 degrees, sunny' });
      const assistant = body.messages.find((m) => m.role === 'assistant') as {
        tool_calls: Array<{ id: string; function: { name: string; arguments: string } }>;
      };
      expect(assistant.tool_calls[0]?.id).toBe(call.id);
      expect(JSON.parse(assistant.tool_calls[0]?.function.arguments ?? '')).toEqual({ city: 'Paris' });
    }
  });
});

// ── upstream details ───────────────────────────────────────────────────────

describe('Anthropic upstream headers and parameters', () => {
  it('sends anthropic-beta only to providers that pass it, and its own anthropic-version', async () => {
    await anthropic.messages.create(
      { model: 'claude-sonnet-4', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    );
    const sent = claude.requests.at(-1);
    expect(sent?.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    // The client's SDK speaks 2026-10-21; the provider's configured version is what goes upstream.
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');

    await anthropic.messages.create(
      { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    );
    expect(oai.requests.at(-1)?.headers['anthropic-beta']).toBeUndefined();
  });

  it('keeps sampling parameters for 2023-06-01 and drops them for an API version without them', async () => {
    const ask = (model: string) =>
      openai.chat.completions.create({
        model,
        temperature: 0.4,
        top_p: 0.9,
        messages: [{ role: 'user', content: 'hi' }],
      });
    await ask('claude-sonnet-4');
    const old = claude.requests.at(-1);
    expect(old?.body).toMatchObject({ temperature: 0.4, top_p: 0.9 });

    await ask('claude-next-model');
    const next = claude.requests.at(-1);
    expect(next?.headers['anthropic-version']).toBe('2026-10-21');
    expect(next?.body).not.toHaveProperty('temperature');
    expect(next?.body).not.toHaveProperty('top_p');
  });

  it('passes a body that needs no change to an Anthropic provider byte for byte', async () => {
    // Spacing and key order as the client wrote them: kept only when the bytes go as they are.
    const text = `{ "max_tokens": 16,  "messages": [{"role": "user", "content": "hi"}], "model": "claude-sonnet-4" }`;
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'client-key' },
      body: text,
    });
    expect(response.status).toBe(200);
    expect(claude.requests.at(-1)?.text).toBe(text);
  });

  it('routes an Anthropic request by its inline policy, and removes the routing fields upstream', async () => {
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'client-key' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
        routing_policy: { default: 'claude/claude-sonnet-4' },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-provider')).toBe('claude');
    const sent = claude.requests.at(-1)?.body;
    expect(sent).toMatchObject({ model: 'claude-sonnet-4', max_tokens: 10 });
    expect(sent).not.toHaveProperty('routing_policy');
  });

  it('reports usage from Anthropic streams, translated or not, in the request log', async () => {
    const logsBefore = gw.requestLogs().length;
    claude.setBehaviour('claude-sonnet-4', {
      reply: 'one two three',
      usage: { input_tokens: 11, cache_read_input_tokens: 100 },
    });
    const passthrough = anthropic.messages.stream({
      model: 'claude-sonnet-4',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'count' }],
    });
    const message = await passthrough.finalMessage();
    expect(message.usage.output_tokens).toBe(3);
    const translated = await openai.chat.completions.create({
      model: 'claude-sonnet-4',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of translated) usage = chunk.usage ?? usage;
    expect(usage).toMatchObject({ prompt_tokens: 111, completion_tokens: 3 });

    await waitForLogs(2, logsBefore);
    const logged = gw
      .requestLogs()
      .slice(-2)
      .map((line) => line.usage);
    expect(logged).toEqual([
      { promptTokens: 111, completionTokens: 3 },
      { promptTokens: 111, completionTokens: 3 },
    ]);
  });
});

/** Request log lines are written when the response finishes, which may be just after the client is done. */
async function waitForLogs(count: number, before: number): Promise<void> {
  for (let i = 0; i < 200 && gw.requestLogs().length < before + count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// ── fallback across provider kinds ─────────────────────────────────────────

describe('a fallback chain that mixes provider kinds', () => {
  it('falls back from an overloaded Anthropic provider (529) to an OpenAI one, for both clients', async () => {
    claude.setBehaviour('claude-flaky', { errorType: 'overloaded_error' });
    const { data, response } = await anthropic.messages
      .create({ model: 'mixed', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'Hello from oai (gpt-backup)' }]);
    expect(response.headers.get('x-switchyard-provider')).toBe('oai');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');

    const completion = await openai.chat.completions.create({
      model: 'mixed',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Hello from oai (gpt-backup)');
    expect(
      claude.requests.filter((r) => (r.body as { model?: string }).model === 'claude-flaky'),
    ).toHaveLength(2);
  });

  it('falls back for streams too, before the first byte reached the client', async () => {
    claude.setBehaviour('claude-flaky', { status: 500 });
    const stream = anthropic.messages.stream({
      model: 'mixed',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from oai (gpt-backup)' }]);

    const chunks = await openai.chat.completions.create({
      model: 'mixed',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from oai (gpt-backup)');
  });

  it('uses the Anthropic provider when it is healthy', async () => {
    const message = await anthropic.messages.create({
      model: 'mixed',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from fake-anthropic (claude-flaky)' }]);
    expect(oai.requests).toHaveLength(0);
  });
});

// ── errors in each client's shape ──────────────────────────────────────────

describe('errors', () => {
  async function post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'client-key' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  }

  it('refuses malformed Messages bodies in the Anthropic shape, before any upstream', async () => {
    const cases: Array<[unknown, string]> = [
      [
        { model: 'claude-sonnet-4', messages: [{ role: 'user', content: 'hi' }] },
        'max_tokens: Field required',
      ],
      [
        { model: 'claude-sonnet-4', max_tokens: 10, messages: [] },
        'messages: at least one message is required',
      ],
      [{ model: 'claude-sonnet-4', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
      [
        { model: 'claude-sonnet-4', max_tokens: 10, messages: [{ role: 'robot', content: 'x' }] },
        'messages.0.role',
      ],
      [
        {
          model: 'claude-sonnet-4',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'x' }],
          stream: 'yes',
        },
        'stream',
      ],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await post('/v1/messages', body);
      expect(status).toBe(400);
      expect(json).toEqual({
        type: 'error',
        error: { type: 'invalid_request_error', message: expect.stringContaining(message) },
      });
    }
    expect(claude.requests).toHaveLength(0);
  });

  it('refuses, through the SDK, text hidden in a case variant of a field it reads, before any upstream', async () => {
    const inMessage = await anthropic.messages
      .create({
        model: 'claude-sonnet-4',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hello', Content: 'SSN 123-45-6789' } as never],
      })
      .catch((e: unknown) => e);
    expect(inMessage).toBeInstanceOf(Anthropic.BadRequestError);
    expect((inMessage as InstanceType<typeof Anthropic.BadRequestError>).message).toContain(
      'messages.0.Content: differs from `content` only in letter case',
    );
    const inSystem = await anthropic.messages
      .create({
        model: 'claude-sonnet-4',
        max_tokens: 10,
        system: [{ type: 'text', text: 'be brief', TEXT: 'SSN 123-45-6789' } as never],
        messages: [{ role: 'user', content: 'hello' }],
      })
      .catch((e: unknown) => e);
    expect(inSystem).toBeInstanceOf(Anthropic.BadRequestError);
    expect((inSystem as InstanceType<typeof Anthropic.BadRequestError>).message).toContain('system.0.TEXT');
    expect(claude.requests).toHaveLength(0);
  });

  it('answers an unknown model as Anthropic not_found_error, which the SDK raises as NotFoundError', async () => {
    const error = await anthropic.messages
      .create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error' },
    });
  });

  it('shows an OpenAI upstream error to an Anthropic client as its Anthropic error type and status', async () => {
    oai.setBehaviour('gpt-4o-mini', { status: 429, errorMessage: 'slow down' });
    const error = await anthropic.messages
      .create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).error).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
    });
  });

  it('shows an Anthropic upstream error to an OpenAI client in the OpenAI shape', async () => {
    claude.setBehaviour('claude-sonnet-4', {
      errorType: 'invalid_request_error',
      errorMessage: 'prompt is too long',
    });
    const invalid = await openai.chat.completions
      .create({ model: 'claude-sonnet-4', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect((invalid as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
      message: 'prompt is too long',
      type: 'invalid_request_error',
      code: null,
      param: null,
    });

    // Anthropic's own 529 reaches OpenAI clients as the 503 they know how to retry.
    claude.setBehaviour('claude-sonnet-4', { errorType: 'overloaded_error' });
    const overloaded = await openai.chat.completions
      .create({ model: 'claude-sonnet-4', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect((overloaded as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((overloaded as InstanceType<typeof OpenAI.APIError>).code).toBe('overloaded');
  });

  it('relays an Anthropic upstream error to an Anthropic client with its status and type', async () => {
    claude.setBehaviour('claude-sonnet-4', {
      status: 402,
      errorType: 'billing_error',
      errorMessage: 'no credit',
    });
    const { status, json } = await post('/v1/messages', {
      model: 'claude-sonnet-4',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(status).toBe(402);
    expect(json).toEqual({ type: 'error', error: { type: 'billing_error', message: 'no credit' } });
  });

  it('refuses an OpenAI request an Anthropic provider cannot express, without calling it', async () => {
    const error = await openai.chat.completions
      .create({ model: 'claude-sonnet-4', n: 2, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('unsupported_parameter');
    expect(claude.requests).toHaveLength(0);
  });

  it('refuses an Anthropic request an OpenAI provider cannot express, in the Anthropic shape', async () => {
    const { status, json } = await post('/v1/messages', {
      model: 'gpt-4o-mini',
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x' } }] }],
    });
    expect(status).toBe(400);
    expect(json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(oai.requests).toHaveLength(0);
  });
});

// ── streams that break after they began ────────────────────────────────────

describe('an upstream stream that breaks mid-way', () => {
  it('reaches an Anthropic client as the upstream error event (passthrough)', async () => {
    const logsBefore = gw.requestLogs().length;
    claude.setBehaviour('claude-sonnet-4', { reply: 'a b c d', streamError: true, chunkDelayMs: 5 });
    const stream = await anthropic.messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
    expect(seen).toContain('message_start');
    await waitForLogs(1, logsBefore);
    expect(gw.requestLogs().at(-1)?.stream_error).toBe('Overloaded');
  });

  it('reaches an OpenAI client as an error chunk (translated from an Anthropic error event)', async () => {
    claude.setBehaviour('claude-sonnet-4', { reply: 'a b c d', streamError: true, chunkDelayMs: 5 });
    const stream = await openai.chat.completions.create({
      model: 'claude-sonnet-4',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('Overloaded');
    expect(text).toBe('a');
  });

  it('reaches an Anthropic client as an error event when an OpenAI upstream resets', async () => {
    oai.setBehaviour('gpt-4o-mini', { reply: 'a b c d e f', fault: 'reset-mid-stream', chunkDelayMs: 5 });
    const stream = await anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
          text += event.delta.text;
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe('api_error');
    expect((error as Error).message).toContain('upstream connection failed during the stream');
    expect(text).not.toBe('');
  });

  it('reaches an Anthropic client as an error event when an OpenAI upstream stops without [DONE]', async () => {
    oai.setBehaviour('gpt-4o-mini', { fault: 'stream-without-done' });
    const stream = anthropic.messages.stream({
      model: 'gpt-4o-mini',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/before it was complete/);
  });
});

// ── count_tokens ───────────────────────────────────────────────────────────

describe('POST /v1/messages/count_tokens', () => {
  it('asks an Anthropic provider, and estimates for an OpenAI-compatible one', async () => {
    const params = {
      messages: [{ role: 'user' as const, content: 'How many tokens is this?' }],
      system: 'Be brief.',
    };
    const counted = await anthropic.messages.countTokens({ model: 'claude-sonnet-4', ...params });
    const sent = claude.requests.at(-1);
    expect(sent?.path).toBe('/v1/messages/count_tokens');
    expect(sent?.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(counted.input_tokens).toBeGreaterThan(0);

    const { data, response } = await anthropic.messages
      .countTokens({ model: 'gpt-4o-mini', ...params })
      .withResponse();
    expect(response.headers.get('x-switchyard-token-count')).toBe('estimate');
    expect(data.input_tokens).toBeGreaterThan(5);
    expect(data.input_tokens).toBeLessThan(40);
    expect(oai.requests).toHaveLength(0);
  });
});
