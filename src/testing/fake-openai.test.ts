import OpenAI, { APIError, AuthenticationError, AzureOpenAI } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.ts';
import { parseSseData, readSseData } from './sse.ts';

const MESSAGES = [{ role: 'user' as const, content: 'Say hello in a few words please' }];

function postChat(fake: FakeOpenAI, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const payloads: string[] = [];
  for await (const data of readSseData(body)) payloads.push(data);
  return payloads;
}

describe('fake OpenAI upstream', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ name: 'alpha' });
    client = new OpenAI({ baseURL: fake.url, apiKey: 'x', maxRetries: 0 });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('answers a chat completion shaped like the real API and records the request', async () => {
    const completion = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: MESSAGES },
      { headers: { 'x-request-id': 'req-1', traceparent: '00-abc-def-01' } },
    );
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello from alpha (gpt-4o-mini)' },
          finish_reason: 'stop',
        },
      ],
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.created).toBeGreaterThan(1_600_000_000);
    const usage = completion.usage!;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions', query: {} });
    expect(request!.body).toMatchObject({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(request!.headers['x-request-id']).toBe('req-1');
    expect(request!.headers.traceparent).toBe('00-abc-def-01');
    expect(request!.headers.authorization).toBe('Bearer x');
    expect(fake.countFor('gpt-4o-mini')).toBe(1);
    expect(fake.countFor('gpt-4o')).toBe(0);
  });

  it('gives each completion its own id', async () => {
    const first = await client.chat.completions.create({ model: 'm', messages: MESSAGES });
    const second = await client.chat.completions.create({ model: 'm', messages: MESSAGES });
    expect(first.id).not.toBe(second.id);
  });

  it('streams a reply that reassembles, with role, finish and usage chunks in order', async () => {
    fake.setBehaviour('*', { reply: 'The quick brown fox' });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const contents = chunks.slice(1, -2).map((chunk) => chunk.choices[0]!.delta.content);
    expect(contents).toEqual(['The', ' quick', ' brown', ' fox']);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage?.completion_tokens).toBeGreaterThan(0);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'gpt-4o', id: chunks[0]!.id });
    }
  });

  it('ends a stream with [DONE] and leaves the usage chunk out unless asked for', async () => {
    const response = await postChat(fake, { model: 'm', messages: MESSAGES, stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const payloads = parseSseData(await response.text());
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1).map((data) => JSON.parse(data) as OpenAI.ChatCompletionChunk);
    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage === undefined)).toBe(true);
    const text = chunks.map((chunk) => chunk.choices[0]!.delta.content ?? '').join('');
    expect(text).toBe('Hello from alpha (m)');
  });

  it('splits a stream into the requested number of chunks, with delays between them', async () => {
    fake.setBehaviour('m', { reply: 'abcdefghij', chunks: 3, chunkDelayMs: 5 });
    const response = await postChat(fake, { model: 'm', messages: MESSAGES, stream: true });
    const payloads = await collect(response.body!);
    const contents = payloads
      .slice(1, -2)
      .map((data) => (JSON.parse(data) as OpenAI.ChatCompletionChunk).choices[0]!.delta.content);
    expect(contents).toEqual(['abc', 'def', 'ghij']);
    expect(payloads.at(-1)).toBe('[DONE]');
  });

  it('leaves usage out when the behaviour says so', async () => {
    fake.setBehaviour('*', { usage: false });
    const completion = await client.chat.completions.create({ model: 'm', messages: MESSAGES });
    expect(completion.usage).toBeUndefined();
    const response = await postChat(fake, {
      model: 'm',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const payloads = parseSseData(await response.text());
    expect(payloads.some((data) => data.includes('"usage"'))).toBe(false);
  });

  it('calls the scripted tools when the request offers tools, plain and streamed', async () => {
    fake.setBehaviour('gpt-4o-mini', { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } },
    ];
    const plain = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, tools });
    expect(plain.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: null,
        tool_calls: [
          {
            id: 'call_fake_0',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
    });
    const streamed = await client.chat.completions
      .stream({ model: 'gpt-4o-mini', messages: MESSAGES, tools })
      .finalChatCompletion();
    expect(streamed.choices[0]?.message.tool_calls).toEqual([
      {
        id: 'call_fake_0',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
    // Without tools on offer (or with tool_choice none) the model answers in text.
    const text = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(text.choices[0]?.message.content).toBe('Hello from alpha (gpt-4o-mini)');
    const none = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      tools,
      tool_choice: 'none',
    });
    expect(none.choices[0]?.finish_reason).toBe('stop');
  });

  it('embeds text deterministically, in float and base64 encodings', async () => {
    const decoded = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['one', 'two'],
    });
    expect(decoded.object).toBe('list');
    expect(decoded.model).toBe('text-embedding-3-small');
    expect(decoded.data.map((item) => item.index)).toEqual([0, 1]);
    expect(decoded.data[0]!.embedding).toHaveLength(8);
    expect(decoded.usage.total_tokens).toBeGreaterThan(0);

    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['one', 'two'],
      encoding_format: 'float',
    });
    expect(floats.data[0]!.embedding).toEqual(Array.from(decoded.data[0]!.embedding));
    expect(floats.data[0]!.embedding).not.toEqual(floats.data[1]!.embedding);
    const again = await client.embeddings.create({ model: 'e', input: 'two', encoding_format: 'float' });
    expect(again.data[0]!.embedding).toEqual(floats.data[1]!.embedding);
    expect(fake.countFor('text-embedding-3-small')).toBe(2);
  });

  it('lists models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map((model) => model.id)).toEqual(['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']);
    expect(models[0]).toMatchObject({ object: 'model', owned_by: 'alpha' });
  });

  it('surfaces a scripted status as an APIError with the OpenAI error shape', async () => {
    fake.setBehaviour('broken', { status: 500, errorMessage: 'boom' });
    const error = await client.chat.completions
      .create({ model: 'broken', messages: MESSAGES })
      .catch((e) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 500, type: 'server_error', error: { message: 'boom' } });
    // Other models are untouched.
    await expect(
      client.chat.completions.create({ model: 'fine', messages: MESSAGES }),
    ).resolves.toBeDefined();
  });

  it('sets Retry-After on a 429', async () => {
    fake.setBehaviour('*', { status: 429, retryAfterSeconds: 7 });
    const error = await client.chat.completions.create({ model: 'm', messages: MESSAGES }).catch((e) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.headers.get('retry-after')).toBe('7');
  });

  it('consumes a sequence one step per request, then falls back to the behaviour', async () => {
    fake.setBehaviour('m', { reply: 'steady' });
    fake.setSequence('m', [{ status: 503 }, { reply: 'second' }]);
    const create = () => client.chat.completions.create({ model: 'm', messages: MESSAGES });
    await expect(create()).rejects.toMatchObject({ status: 503 });
    expect((await create()).choices[0]!.message.content).toBe('second');
    expect((await create()).choices[0]!.message.content).toBe('steady');
    expect(fake.countFor('m')).toBe(3);
  });

  it('answers malformed JSON, missing fields and unknown paths with OpenAI errors', async () => {
    const malformed = await fetch(`${fake.url}/chat/completions`, { method: 'POST', body: '{"model":' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(fake.requests[0]!.body).toBe('{"model":');

    const noMessages = await postChat(fake, { model: 'm' });
    expect(noMessages.status).toBe(400);
    const unknown = await fetch(`${fake.url}/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('rejects invalid behaviours when they are set', () => {
    expect(() => fake.setBehaviour('m', { chunks: 0 })).toThrow(RangeError);
    expect(() => fake.setBehaviour('m', { latencyMs: [10, 5] })).toThrow(RangeError);
  });

  it('reset clears requests, counts and behaviours', async () => {
    fake.setBehaviour('*', { status: 500 });
    await client.chat.completions.create({ model: 'm', messages: MESSAGES }).catch(() => undefined);
    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect(fake.countFor('m')).toBe(0);
    await expect(client.chat.completions.create({ model: 'm', messages: MESSAGES })).resolves.toBeDefined();
  });

  it('waits for the scripted latency before answering', async () => {
    fake.setBehaviour('*', { latencyMs: [5, 15] });
    await expect(client.chat.completions.create({ model: 'm', messages: MESSAGES })).resolves.toBeDefined();
  });

  describe('faults, seen from a raw HTTP client', () => {
    it('refuse: the connection drops without a response', async () => {
      fake.setBehaviour('m', { fault: 'refuse' });
      await expect(postChat(fake, { model: 'm', messages: MESSAGES })).rejects.toThrow();
      expect(fake.countFor('m')).toBe(1);
    });

    it('reset-before-headers: the request fails', async () => {
      fake.setBehaviour('m', { fault: 'reset-before-headers', latencyMs: 5 });
      await expect(postChat(fake, { model: 'm', messages: MESSAGES })).rejects.toThrow();
    });

    it('reset-mid-body: headers arrive, the body fails', async () => {
      fake.setBehaviour('m', { fault: 'reset-mid-body' });
      const response = await postChat(fake, { model: 'm', messages: MESSAGES });
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();
    });

    it('reset-mid-stream: some chunks arrive, then the stream fails', async () => {
      fake.setBehaviour('m', { fault: 'reset-mid-stream', reply: 'one two three four' });
      const response = await postChat(fake, { model: 'm', messages: MESSAGES, stream: true });
      const received: string[] = [];
      const reading = (async () => {
        for await (const data of readSseData(response.body!)) received.push(data);
      })();
      await expect(reading).rejects.toThrow();
      expect(received).toHaveLength(3);
      expect(received.join('')).not.toContain('[DONE]');
    });

    it('hang-before-headers: nothing arrives until the client gives up', async () => {
      fake.setBehaviour('m', { fault: 'hang-before-headers' });
      const request = postChat(fake, { model: 'm', messages: MESSAGES }, AbortSignal.timeout(100));
      await expect(request).rejects.toMatchObject({ name: 'TimeoutError' });
    });

    it('hang-mid-stream: the stream starts, then stalls until the client gives up', async () => {
      fake.setBehaviour('m', { fault: 'hang-mid-stream', reply: 'one two three four' });
      const response = await postChat(
        fake,
        { model: 'm', messages: MESSAGES, stream: true },
        AbortSignal.timeout(200),
      );
      expect(response.status).toBe(200);
      const received: string[] = [];
      const reading = (async () => {
        for await (const data of readSseData(response.body!)) received.push(data);
      })();
      await expect(reading).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(received).toHaveLength(3);
    });

    it('garbage: a 200 whose body is not JSON', async () => {
      fake.setBehaviour('m', { fault: 'garbage' });
      const response = await postChat(fake, { model: 'm', messages: MESSAGES });
      expect(response.status).toBe(200);
      await expect(response.json()).rejects.toThrow(SyntaxError);
    });

    it('truncated-json: a complete response with half a JSON document', async () => {
      fake.setBehaviour('m', { fault: 'truncated-json' });
      const response = await postChat(fake, { model: 'm', messages: MESSAGES });
      expect(response.headers.get('content-type')).toBe('application/json');
      const text = await response.text();
      expect(text.startsWith('{"id":"chatcmpl-')).toBe(true);
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
    });

    it('truncated-json in a stream: an event whose JSON stops half way', async () => {
      fake.setBehaviour('m', { fault: 'truncated-json' });
      const response = await postChat(fake, { model: 'm', messages: MESSAGES, stream: true });
      const payloads = parseSseData(await response.text());
      expect(payloads).toHaveLength(2);
      expect(() => JSON.parse(payloads[1]!)).toThrow(SyntaxError);
    });

    it('stream-without-done: the stream ends cleanly but without finish chunk or [DONE]', async () => {
      fake.setBehaviour('m', { fault: 'stream-without-done', reply: 'a b' });
      const response = await postChat(fake, {
        model: 'm',
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true },
      });
      const payloads = parseSseData(await response.text());
      expect(payloads).toHaveLength(3);
      expect(payloads.some((data) => data === '[DONE]' || data.includes('"stop"'))).toBe(false);
    });

    it('applies to embeddings too', async () => {
      fake.setBehaviour('e', { fault: 'garbage' });
      const response = await fetch(`${fake.url}/embeddings`, {
        method: 'POST',
        body: JSON.stringify({ model: 'e', input: 'x' }),
      });
      await expect(response.json()).rejects.toThrow(SyntaxError);
    });
  });
});

describe('fake OpenAI upstream with an API key', () => {
  let fake: FakeOpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ name: 'keyed', apiKey: 'sk-right', models: ['only'] });
  });
  afterAll(() => fake.close());

  it('answers 401 to a wrong key and serves the right one', async () => {
    const wrong = new OpenAI({ baseURL: fake.url, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'm', messages: MESSAGES })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
    const right = new OpenAI({ baseURL: fake.url, apiKey: 'sk-right', maxRetries: 0 });
    await expect(right.chat.completions.create({ model: 'm', messages: MESSAGES })).resolves.toBeDefined();
    const page = await right.models.list();
    expect(page.data.map((model) => model.id)).toEqual(['only']);
  });

  it('serves the Azure OpenAI path shape, authenticated by api-key, deployment as model', async () => {
    const azure = new AzureOpenAI({
      endpoint: fake.origin,
      apiKey: 'sk-right',
      apiVersion: '2024-10-21',
      deployment: 'my-deploy',
      maxRetries: 0,
    });
    const completion = await azure.chat.completions.create({ model: '', messages: MESSAGES });
    expect(completion.model).toBe('my-deploy');
    expect(completion.choices[0]!.message.content).toBe('Hello from keyed (my-deploy)');
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/openai/deployments/my-deploy/chat/completions');
    expect(request.query['api-version']).toBe('2024-10-21');
    expect(request.headers['api-key']).toBe('sk-right');
    expect(fake.countFor('my-deploy')).toBe(1);

    const embeddings = await azure.embeddings.create({ model: '', input: 'x', encoding_format: 'float' });
    expect(embeddings.data[0]!.embedding).toHaveLength(8);

    const url = `${fake.origin}/openai/deployments/my-deploy/chat/completions`;
    const init = { method: 'POST', body: JSON.stringify({ messages: MESSAGES }) };
    const bearerOnly = await fetch(`${url}?api-version=2024-10-21`, {
      ...init,
      headers: { authorization: 'Bearer sk-right' },
    });
    expect(bearerOnly.status).toBe(401);
    const noVersion = await fetch(url, { ...init, headers: { 'api-key': 'sk-right' } });
    expect(noVersion.status).toBe(400);
  });
});

describe('fake OpenAI upstream with a start behaviour', () => {
  it('returns to that behaviour on reset', async () => {
    const fake = await startFakeOpenAI({ behaviour: { reply: 'fixed' } });
    try {
      const client = new OpenAI({ baseURL: fake.url, apiKey: 'x', maxRetries: 0 });
      const create = () => client.chat.completions.create({ model: 'm', messages: MESSAGES });
      fake.setBehaviour('*', { reply: 'changed' });
      expect((await create()).choices[0]!.message.content).toBe('changed');
      fake.reset();
      expect((await create()).choices[0]!.message.content).toBe('fixed');
    } finally {
      await fake.close();
    }
  });
});

describe('closing the fake', () => {
  it('resolves promptly with hung requests pending, failing them', { timeout: 5_000 }, async () => {
    const fake = await startFakeOpenAI({ record: false });
    fake.setBehaviour('before', { fault: 'hang-before-headers' });
    fake.setBehaviour('during', { fault: 'hang-mid-stream' });
    const before = postChat(fake, { model: 'before', messages: MESSAGES });
    const during = await postChat(fake, { model: 'during', messages: MESSAGES, stream: true });
    const reading = during.text();
    await vi.waitFor(() => expect(fake.countFor('before')).toBe(1));
    expect(fake.requests).toHaveLength(0);

    await fake.close();
    await expect(before).rejects.toThrow();
    await expect(reading).rejects.toThrow();
    await expect(fake.close()).resolves.toBeUndefined();
  });
});
