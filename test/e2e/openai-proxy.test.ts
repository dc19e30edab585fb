import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** The gateway core end to end, driven by the official `openai` client. */
let primary: FakeOpenAI;
let secondary: FakeOpenAI;
let gw: TestGateway;
let client: OpenAI;

function config(): string {
  return `
version: 1
server: {request_timeout_ms: 5000, stream_idle_timeout_ms: 1000}
providers:
  - {name: primary, kind: openai-compatible, base_url: "${primary.url}", api_key: "$PRIMARY_KEY",
     models: [gpt-4o-mini, gpt-4o, text-embedding-3-small], timeout_ms: 400,
     circuit_breaker: {failure_threshold: 3, cooldown_ms: 300}}
  - {name: secondary, kind: openai-compatible, base_url: "${secondary.url}", models: [gpt-4o-mini, backup-model]}
models:
  resilient: [primary/gpt-4o-mini, secondary/backup-model]
routing:
  default: primary/gpt-4o-mini
`;
}

/** Serves `server` on a loopback port and reloads the gateway with it as provider `name` of `model`. */
async function addProvider(server: Server, name: string, model: string): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const result = await gw.reload(
    config().replace(
      'models: [gpt-4o-mini, backup-model]}',
      `models: [gpt-4o-mini, backup-model]}
  - {name: ${name}, kind: openai-compatible, base_url: "http://127.0.0.1:${port}/v1", models: [${model}]}`,
    ),
  );
  expect(result.ok).toBe(true);
}

beforeAll(async () => {
  primary = await startFakeOpenAI({ name: 'primary', apiKey: 'sk-primary-secret-123' });
  secondary = await startFakeOpenAI({ name: 'secondary' });
  gw = await startTestGateway(config(), { env: { PRIMARY_KEY: 'sk-primary-secret-123' } });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await primary.close();
  await secondary.close();
});

beforeEach(() => {
  primary.reset();
  secondary.reset();
  gw.gateway.health.clear();
});

describe('proxying', () => {
  it('answers a plain chat completion with the upstream content and decision headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello from primary (gpt-4o-mini)');
    expect(response.headers.get('x-switchyard-decided-by')).toBe('model');
    expect(response.headers.get('x-switchyard-provider')).toBe('primary');
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-4o-mini');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    // The gateway's own key went upstream, not the client's.
    expect(primary.requests[0]?.headers.authorization).toBe('Bearer sk-primary-secret-123');
  });

  it('streams chunk by chunk and the reassembled content equals the upstream reply', async () => {
    const reply = 'one two three four five six seven';
    primary.setBehaviour('gpt-4o-mini', { reply, chunkDelayMs: 5 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
    });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      chunks += 1;
    }
    expect(text).toBe(reply);
    expect(chunks).toBeGreaterThan(7);
  });

  it('proxies embeddings and lists configured models and aliases', async () => {
    const embeddings = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(embeddings.data).toHaveLength(2);
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(['resilient', 'gpt-4o-mini', 'primary/gpt-4o', 'secondary/backup-model']),
    );
  });

  it('uses routing.default when the request names no model', async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-decided-by')).toBe('default');
  });

  it('passes x-request-id and traceparent upstream and returns them', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'req-abc-123',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.headers.get('x-request-id')).toBe('req-abc-123');
    const returned = response.headers.get('traceparent') ?? '';
    expect(returned).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(returned).not.toContain('00f067aa0ba902b7');
    const upstream = primary.requests[0]?.headers;
    expect(upstream?.['x-request-id']).toBe('req-abc-123');
    expect(upstream?.traceparent).toBe(returned);
  });
});

describe('fallback', () => {
  it('falls back to the next alias target after a 500', async () => {
    primary.setBehaviour('gpt-4o-mini', { status: 500 });
    const { data, response } = await client.chat.completions
      .create({ model: 'resilient', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello from secondary (backup-model)');
    expect(response.headers.get('x-switchyard-decided-by')).toBe('alias');
    expect(response.headers.get('x-switchyard-provider')).toBe('secondary');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(primary.countFor('gpt-4o-mini')).toBe(1);
  });

  it('falls back after a timeout and after a connection reset', async () => {
    primary.setBehaviour('gpt-4o-mini', { fault: 'hang-before-headers' });
    const afterTimeout = await client.chat.completions.create({
      model: 'resilient',
      messages: [{ role: 'user', content: 'a' }],
    });
    expect(afterTimeout.model).toBe('backup-model');

    primary.setBehaviour('gpt-4o-mini', { fault: 'reset-before-headers' });
    const afterReset = await client.chat.completions.create({
      model: 'resilient',
      messages: [{ role: 'user', content: 'b' }],
    });
    expect(afterReset.model).toBe('backup-model');
  });

  it('falls back when a stream dies before its first byte, but never after the stream began', async () => {
    primary.setBehaviour('gpt-4o-mini', { fault: 'reset-before-headers' });
    const early = await client.chat.completions.create({
      model: 'resilient',
      messages: [{ role: 'user', content: 'a' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of early) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from secondary (backup-model)');

    primary.reset();
    secondary.reset();
    primary.setBehaviour('gpt-4o-mini', { fault: 'reset-mid-stream', reply: 'a b c d e f g h' });
    const late = await client.chat.completions.create({
      model: 'resilient',
      messages: [{ role: 'user', content: 'b' }],
      stream: true,
    });
    const received: string[] = [];
    await expect(async () => {
      for await (const chunk of late) received.push(chunk.choices[0]?.delta.content ?? '');
    }).rejects.toThrow(/upstream/);
    expect(received.join('')).not.toBe('');
    expect(secondary.requests).toHaveLength(0);
  });

  it('ends a stream that stops without [DONE] with an error event', async () => {
    primary.setBehaviour('gpt-4o-mini', { fault: 'stream-without-done' });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    await expect(async () => {
      for await (const _ of stream) {
        // drain
      }
    }).rejects.toThrow(/before it was complete/);
  });

  it('falls back when the upstream answers garbage instead of JSON', async () => {
    primary.setBehaviour('gpt-4o-mini', { fault: 'garbage' });
    const completion = await client.chat.completions.create({
      model: 'resilient',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(completion.model).toBe('backup-model');
  });

  it('gives the client the last upstream status and message when every target fails', async () => {
    primary.setBehaviour('gpt-4o-mini', { status: 500, errorMessage: 'primary broke' });
    secondary.setBehaviour('backup-model', { status: 503, errorMessage: 'secondary is overloaded' });
    const error = await client.chat.completions
      .create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((error as Error).message).toContain('secondary is overloaded');
  });

  it('does not fall back on a client error (400) from the upstream', async () => {
    primary.setBehaviour('gpt-4o-mini', { status: 400, errorMessage: 'bad temperature' });
    const error = await client.chat.completions
      .create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect(secondary.requests).toHaveLength(0);
  });

  it('honours Retry-After as a cooldown for that target', async () => {
    primary.setSequence('gpt-4o-mini', [{ status: 429, retryAfterSeconds: 1 }]);
    const first = await client.chat.completions.create({
      model: 'resilient',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(first.model).toBe('backup-model');
    // During the cooldown the primary is skipped without being asked.
    const second = await client.chat.completions.create({
      model: 'resilient',
      messages: [{ role: 'user', content: 'y' }],
    });
    expect(second.model).toBe('backup-model');
    expect(primary.countFor('gpt-4o-mini')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const third = await client.chat.completions.create({
      model: 'resilient',
      messages: [{ role: 'user', content: 'z' }],
    });
    expect(third.model).toBe('gpt-4o-mini');
  });

  it('opens the circuit breaker after consecutive failures and recovers after the cooldown', async () => {
    primary.setBehaviour('gpt-4o', { status: 502 });
    for (let i = 0; i < 3; i++) {
      await client.chat.completions
        .create({ model: 'primary/gpt-4o', messages: [{ role: 'user', content: 'x' }] })
        .catch(() => {});
    }
    expect(primary.countFor('gpt-4o')).toBe(3);
    const open = await client.chat.completions
      .create({ model: 'primary/gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect((open as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(primary.countFor('gpt-4o')).toBe(3);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('switchyard_circuit_breaker_state{target="primary/gpt-4o"} 2');

    primary.setBehaviour('gpt-4o', {});
    await new Promise((resolve) => setTimeout(resolve, 350));
    const recovered = await client.chat.completions.create({
      model: 'primary/gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(recovered.model).toBe('gpt-4o');
    const after = await (await fetch(`${gw.url}/metrics`)).text();
    expect(after).toContain('switchyard_circuit_breaker_state{target="primary/gpt-4o"} 0');
  });

  it('aborts the upstream request when the client disconnects', async () => {
    // An upstream that streams forever and notes when its request is torn down.
    let upstreamClosed = false;
    const endless = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(
        () => res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'x' } }] })}\n\n`),
        10,
      );
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed = true;
      });
      req.resume();
    });
    await addProvider(endless, 'endless', 'forever');
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'endless/forever', messages: [{ role: 'user', content: 'x' }], stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    // The client ends iteration quietly when its own signal aborts.
    for await (const _ of stream) {
      seen += 1;
      if (seen === 3) controller.abort();
    }
    expect(seen).toBe(3);
    await expect.poll(() => upstreamClosed).toBe(true);
    await expect
      .poll(() => gw.requestLogs().some((l) => l.status === 499 && l.stream_error === 'client disconnected'))
      .toBe(true);
    endless.close();
  });
});

describe('streaming backpressure', () => {
  it('a client that reads slowly holds the upstream back, and gets every event in order', async () => {
    // An upstream that writes 20 MB of events as fast as its socket takes them: more than the
    // loopback buffers hold, so it can only finish once the client has read most of it.
    const events = 5000;
    const filler = 'x'.repeat(4000);
    let upstreamFinishedAt = 0;
    const fast = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      const pump = () => {
        while (sent < events) {
          const event = { choices: [{ index: 0, delta: { content: `${sent} ${filler}` } }] };
          sent += 1;
          if (!res.write(`data: ${JSON.stringify(event)}\n\n`)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end('data: [DONE]\n\n', () => {
          upstreamFinishedAt = performance.now();
        });
      };
      pump();
    });
    await addProvider(fast, 'fast', 'firehose');

    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'fast/firehose',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      }),
    });
    // The client reads nothing for a while.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const resumedAt = performance.now();
    const text = await response.text();
    expect(upstreamFinishedAt).toBeGreaterThan(resumedAt);
    const payloads = text
      .split('\n\n')
      .filter((block) => block.startsWith('data: '))
      .map((block) => block.slice('data: '.length));
    expect(payloads.at(-1)).toBe('[DONE]');
    const numbers = payloads
      .slice(0, -1)
      .map((payload) => Number.parseInt(JSON.parse(payload).choices[0].delta.content, 10));
    expect(numbers).toEqual(Array.from({ length: events }, (_, i) => i));
    fast.close();
  });
});

describe('bad input never reaches an upstream', () => {
  const post = (body: string, contentType = 'application/json') =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });

  it.each([
    ['malformed JSON', '{"model": "gpt-4o-mini", ', 'application/json', 400, 'invalid_json'],
    ['a body that is not an object', '[1,2]', 'application/json', 400, 'invalid_body'],
    ['no messages', '{"model":"gpt-4o-mini"}', 'application/json', 400, 'invalid_messages'],
    [
      'an unknown model',
      '{"model":"nope","messages":[{"role":"user","content":"x"}]}',
      'application/json',
      404,
      'model_not_found',
    ],
    [
      'a non-string model',
      '{"model":7,"messages":[{"role":"user","content":"x"}]}',
      'application/json',
      400,
      'invalid_model',
    ],
    ['an unsupported content type', 'hello', 'text/plain', 415, 'unsupported_media_type'],
    // Go's encoding/json (Ollama, among others) reads these as the field itself, and keeps the last.
    [
      'a case variant of messages',
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"Messages":[{"role":"user","content":"SSN 123-45-6789"}]}',
      'application/json',
      400,
      'ambiguous_field',
    ],
    [
      'a case variant of content',
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x","CONTENT":"SSN 123-45-6789"}]}',
      'application/json',
      400,
      'ambiguous_field',
    ],
    [
      'a second model in capitals',
      '{"model":"gpt-4o-mini","MODEL":"gpt-backup","messages":[{"role":"user","content":"x"}]}',
      'application/json',
      400,
      'ambiguous_field',
    ],
    [
      'prototype pollution',
      '{"__proto__":{"x":1},"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}',
      'application/json',
      400,
      'invalid_json',
    ],
  ])('%s', async (_name, body, contentType, status, code) => {
    const response = await post(body, contentType);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { code: string; message: string; type: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message).toBeTruthy();
    expect(primary.requests).toHaveLength(0);
    expect(secondary.requests).toHaveLength(0);
  });

  it('refuses, through the SDK, a message whose text hides in a case variant of content', async () => {
    const error = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello', Content: 'SSN 123-45-6789' } as never],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.code).toBe('ambiguous_field');
    expect(bad.message).toContain('`messages[0].Content` differs from `content` only in letter case');
    // The long s (U+017F) is one of the two letters outside ASCII that Go folds onto an ASCII one.
    const longS = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello' }],
        '\u017ftream': true,
      } as never)
      .catch((e: unknown) => e);
    expect(longS).toBeInstanceOf(OpenAI.BadRequestError);
    expect((longS as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('ambiguous_field');
    expect(primary.requests).toHaveLength(0);
  });

  it('refuses a body over the configured limit with 413', async () => {
    const big = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }],
    });
    const response = await post(big);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
    expect(primary.requests).toHaveLength(0);
  });

  it('answers unknown paths with a 404 in the OpenAI error shape', async () => {
    const response = await fetch(`${gw.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
  });
});

describe('observability', () => {
  it('writes one log line per request with the decision and attempts, and never the secrets', async () => {
    primary.setBehaviour('gpt-4o-mini', { status: 500 });
    await client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] });
    const line = gw.requestLogs().at(-1) as Record<string, unknown>;
    expect(line).toMatchObject({
      status: 200,
      decided_by: 'alias',
      provider: 'secondary',
      model: 'backup-model',
    });
    expect(line.attempts).toEqual([
      expect.objectContaining({ target: 'primary/gpt-4o-mini', outcome: 'http_error', status: 500 }),
      expect.objectContaining({ target: 'secondary/backup-model', outcome: 'ok' }),
    ]);
    expect(line.usage).toEqual({ promptTokens: expect.any(Number), completionTokens: expect.any(Number) });
    const all = gw.logs.join('\n');
    expect(all).not.toContain('sk-primary-secret-123');
    expect(all).not.toContain('client-key');
  });

  it('exports request, latency, fallback and token metrics', async () => {
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
    });
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(
      /switchyard_requests_total\{endpoint="chat",provider="primary",model="gpt-4o-mini",decided_by="model",status="200"\} \d+/,
    );
    expect(text).toContain('switchyard_upstream_latency_seconds_bucket');
    expect(text).toContain('switchyard_time_to_first_token_seconds_bucket');
    expect(text).toContain('switchyard_fallbacks_total');
    expect(text).toContain('switchyard_tokens_total{provider="primary",model="gpt-4o-mini",kind="prompt"}');
  });

  it("exports the process's memory: resident, heap total and used, external", async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const value = (name: string) => Number(text.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1]);
    const rss = value('process_resident_memory_bytes');
    const heapTotal = value('nodejs_heap_size_total_bytes');
    const heapUsed = value('nodejs_heap_size_used_bytes');
    // The gateway runs in this test process: its figures are this process's, read at scrape time.
    expect(heapUsed).toBeGreaterThan(0);
    expect(heapUsed).toBeLessThanOrEqual(heapTotal);
    expect(heapTotal).toBeLessThan(rss);
    expect(value('nodejs_external_memory_bytes')).toBeGreaterThan(0);
  });

  it('reports health and readiness', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(
      ((await ready.json()) as { config: { generation: number } }).config.generation,
    ).toBeGreaterThanOrEqual(1);
  });
});
