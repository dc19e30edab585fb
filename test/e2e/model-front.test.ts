import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * The model front serves well-formed model requests itself and hands the rest to Fastify, which
 * serves the same endpoints. The same body sent with a Content-Length (taken by the front) and
 * chunked (served by Fastify) must get the same answer, errors included.
 */
let upstream: FakeOpenAI;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startFakeOpenAI({ name: 'up' });
  gw = await startTestGateway(`
version: 1
server: {max_body_bytes: 4096}
providers:
  - {name: up, kind: openai-compatible, base_url: "${upstream.url}", models: [gpt-4o-mini]}
models:
  cheap: [up/gpt-4o-mini]
routing:
  default: up/gpt-4o-mini
`);
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
});

interface Answer {
  status: number;
  contentType: string | undefined;
  requestId: string | undefined;
  decidedBy: string | undefined;
  body: unknown;
}

async function send(
  path: string,
  text: string,
  framing: 'length' | 'chunked',
  requestId = `front-test-${framing}`,
): Promise<Answer> {
  const response = await request(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    // A string is sent with a Content-Length; a stream without one, chunked.
    body: framing === 'length' ? text : Readable.from([Buffer.from(text)]),
  });
  const raw = await response.body.text();
  return {
    status: response.statusCode,
    contentType: response.headers['content-type'] as string | undefined,
    requestId: response.headers['x-request-id'] as string | undefined,
    decidedBy: response.headers['x-switchyard-decided-by'] as string | undefined,
    body: JSON.parse(raw) as unknown,
  };
}

/** Ids and timestamps differ from one answer to the next; everything else must not. */
function comparable(answer: Answer): unknown {
  const { requestId: _id, body, ...rest } = answer;
  const { id: _bodyId, created: _created, ...fields } = body as Record<string, unknown>;
  return { ...rest, body: fields };
}

const MESSAGES = [{ role: 'user', content: 'hi' }];

describe('model front and Fastify answer alike', () => {
  it.each([
    [
      '/v1/chat/completions',
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"Messages":[]}',
    ],
    [
      '/v1/messages',
      '{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi","conTent":"x"}]}',
    ],
  ])('both refuse a case variant of a field they read, on %s, before any upstream', async (path, text) => {
    upstream.reset();
    for (const framing of ['length', 'chunked'] as const) {
      const answer = await send(path, text, framing);
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).toContain('only in letter case');
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    [
      'a valid chat completion',
      '/v1/chat/completions',
      JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES }),
    ],
    ['malformed JSON', '/v1/chat/completions', '{"model": "gpt-4o-mini", "messages": ['],
    [
      'a case variant of messages',
      '/v1/chat/completions',
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"Messages":[{"role":"user","content":"x"}]}',
    ],
    [
      'a case variant of content in an Anthropic message',
      '/v1/messages',
      '{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi","conTent":"x"}]}',
    ],
    [
      'prototype poisoning',
      '/v1/chat/completions',
      `{"__proto__": {"x": 1}, "messages": ${JSON.stringify(MESSAGES)}}`,
    ],
    [
      'constructor poisoning',
      '/v1/chat/completions',
      `{"constructor": {"prototype": {"x": 1}}, "messages": []}`,
    ],
    ['a body that is not an object', '/v1/chat/completions', '[1, 2]'],
    ['no messages', '/v1/chat/completions', '{"model": "gpt-4o-mini"}'],
    ['an unknown model', '/v1/chat/completions', JSON.stringify({ model: 'nope', messages: MESSAGES })],
    ['whitespace only', '/v1/chat/completions', '   '],
    ['embeddings', '/v1/embeddings', JSON.stringify({ model: 'gpt-4o-mini', input: 'hello' })],
    ['malformed JSON on the Anthropic API', '/v1/messages', '{"model":'],
    [
      'an invalid Anthropic body',
      '/v1/messages',
      JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES }),
    ],
    [
      'a valid Anthropic message',
      '/v1/messages',
      JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: MESSAGES }),
    ],
  ])('%s', async (_name, path, text) => {
    const front = await send(path, text, 'length');
    const fastify = await send(path, text, 'chunked');
    expect(comparable(front)).toEqual(comparable(fastify));
    expect(front.requestId).toBe('front-test-length');
    expect(fastify.requestId).toBe('front-test-chunked');
  });

  it('logs a request served by the front like any other, with its path and decision', async () => {
    await send('/v1/chat/completions?x=1', JSON.stringify({ messages: MESSAGES }), 'length', 'front-log');
    const line = gw.requestLogs().find((entry) => entry.reqId === 'front-log');
    expect(line).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      decided_by: 'default',
      provider: 'up',
    });
  });
});

describe('what the upstream receives', () => {
  // Spacing, key order and a number past double precision: kept only by sending the bytes as they are.
  const text = `{ "messages": ${JSON.stringify(MESSAGES)},  "model": "gpt-4o-mini", "seed": 12345678901234567890 }`;

  it("gets the client's own bytes from the front when they already name the target model", async () => {
    upstream.reset();
    await send('/v1/chat/completions', text, 'length', 'front-raw');
    expect(upstream.requests.at(-1)?.text).toBe(text);
  });

  it('gets a re-encoded body when the model must change, or when Fastify served the request', async () => {
    upstream.reset();
    const aliased = JSON.stringify({ model: 'cheap', messages: MESSAGES });
    await send('/v1/chat/completions', aliased, 'length', 'front-aliased');
    await send('/v1/chat/completions', text, 'chunked', 'fastify-raw');
    const [first, second] = upstream.requests;
    expect(JSON.parse(first?.text ?? '')).toEqual({ model: 'gpt-4o-mini', messages: MESSAGES });
    // Fastify keeps no bytes: the body is parsed and written again (the seed loses precision).
    expect(second?.text).toBe(
      JSON.stringify({ messages: MESSAGES, model: 'gpt-4o-mini', seed: 12345678901234567000 }),
    );
  });

  it('is the body as the gateway read it, even when the client sent a key twice', async () => {
    // JSON.parse keeps the last copy of a key, another parser may keep the first: were these bytes
    // forwarded as they are, a sensitive first copy would pass every check made on the last.
    upstream.reset();
    const repeated = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"SSN 123-45-6789"}],"messages":${JSON.stringify(MESSAGES)}}`;
    const answer = await send('/v1/chat/completions', repeated, 'length', 'front-duplicate-keys');
    expect(answer.status).toBe(200);
    expect(upstream.requests.at(-1)?.text).toBe(JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES }));
  });
});
