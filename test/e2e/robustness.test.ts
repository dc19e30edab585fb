import { connect } from 'node:net';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * Bad input on every endpoint, load shedding, graceful drain, and secrets kept out of responses
 * and logs: the gateway keeps answering in its own error shape, forwards nothing bad, and never
 * crashes.
 */
let upstream: FakeOpenAI;
let gw: TestGateway;
const SECRETS = {
  PROVIDER_KEY: 'sk-provider-secret-777777',
  ADMIN_KEY: 'admin-secret-key-888888',
  USER_KEY: 'sk-user-secret-key-99999',
};

const config = (maxInFlight: number) => `
version: 1
server: {max_in_flight: ${maxInFlight}, max_body_bytes: 65536}
admin: {keys: ["$ADMIN_KEY"]}
providers:
  - {name: up, kind: openai-compatible, base_url: "${upstream.url}", api_key: "$PROVIDER_KEY", models: [m1, e1]}
identity:
  api_keys: [{key: "$USER_KEY", tenant: acme, user: {id: u1, role: analyst}}]
routing: {default: up/m1}
mcp_servers:
  - {name: tools, url: "${upstream.url.replace('/v1', '/mcp')}"}
`;

beforeAll(async () => {
  upstream = await startFakeOpenAI({ name: 'up', apiKey: SECRETS.PROVIDER_KEY });
  gw = await startTestGateway(config(1000), { env: SECRETS });
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
});

beforeEach(() => upstream.reset());

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await request(`${gw.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${path.startsWith('/admin') ? SECRETS.ADMIN_KEY : SECRETS.USER_KEY}`,
      ...headers,
    },
    body,
  });
  const text = await response.body.text();
  return { status: response.statusCode, text, headers: response.headers };
}

type Shape = 'openai' | 'anthropic' | 'jsonrpc';

function shapeOf(path: string): Shape {
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.startsWith('/mcp/')) return 'jsonrpc';
  return 'openai';
}

function expectCleanError(result: { status: number; text: string }, shape: Shape = 'openai') {
  expect(result.status).toBeGreaterThanOrEqual(400);
  expect(result.status).toBeLessThan(500);
  const body = JSON.parse(result.text) as Record<string, unknown>;
  const message = expect.any(String);
  if (shape === 'openai') expect(body).toMatchObject({ error: { message, type: expect.any(String) } });
  if (shape === 'anthropic')
    expect(body).toMatchObject({ type: 'error', error: { message, type: expect.any(String) } });
  if (shape === 'jsonrpc')
    expect(body).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number), message } });
  expect(result.text).not.toMatch(/at .+\.(ts|js):\d+/);
  for (const secret of Object.values(SECRETS)) expect(result.text).not.toContain(secret);
}

const ENDPOINTS = [
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/messages',
  '/v1/messages/count_tokens',
  '/mcp/tools',
  '/admin/v1/explain',
  '/admin/v1/tenants/acme/rules',
];

describe('bad input', () => {
  const corpus: Array<[string, string | Buffer]> = [
    ['malformed JSON', '{"model": "m1", "messages": ['],
    ['empty body', ''],
    ['a JSON string', '"hello"'],
    ['null', 'null'],
    ['wrong types', '{"model": 42, "messages": "hi", "input": {}, "request": 7}'],
    ['deep nesting', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
    ['deep objects', `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`],
    [
      'a huge string',
      JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] }),
    ],
    [
      'invalid UTF-8',
      Buffer.concat([
        Buffer.from('{"model":"m1","messages":[{"role":"user","content":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}]}'),
      ]),
    ],
    [
      '__proto__ key',
      '{"__proto__": {"polluted": true}, "model": "m1", "messages": [{"role": "user", "content": "x"}]}',
    ],
    [
      'constructor.prototype',
      '{"constructor": {"prototype": {"polluted": true}}, "messages": [{"role": "user", "content": "x"}]}',
    ],
    ['messages not objects', '{"model": "m1", "messages": [1, null, "x"]}'],
  ];

  it.each(ENDPOINTS.flatMap((path) => corpus.map(([name, body]) => [path, name, body] as const)))(
    '%s: %s → clean 4xx, nothing forwarded',
    async (path, name, body) => {
      const result = await post(path, body);
      // Invalid UTF-8 decodes to replacement characters: a valid request may result, and that is fine.
      if (name === 'invalid UTF-8' && result.status < 400) return;
      expectCleanError(result, shapeOf(path));
      expect(upstream.requests).toHaveLength(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('duplicate keys: the last one wins, as in JSON.parse, and nothing is lost', async () => {
    const result = await post(
      '/v1/chat/completions',
      '{"model":"nope","model":"m1","messages":[{"role":"user","content":"x"}]}',
    );
    expect(result.status).toBe(200);
    expect((upstream.requests[0]?.body as { model?: string } | undefined)?.model).toBe('m1');
  });

  it('arbitrary JSON bodies on every endpoint never cause a 5xx or reach an upstream unvalidated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.jsonValue({ maxDepth: 4 }), async (path, value) => {
        upstream.reset();
        const result = await post(path, JSON.stringify(value));
        expect(result.status).toBeLessThan(500);
        if (result.status >= 400) expectCleanError(result, shapeOf(path));
        if (path === '/v1/chat/completions' && result.status >= 400)
          expect(upstream.requests).toHaveLength(0);
      }),
      { numRuns: 150 },
    );
  });

  it('header injection: CR/LF in a header is refused by the HTTP layer in the error shape', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1', () => {
        socket.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\rInjected: yes\r\nContent-Length: 2\r\n\r\n{}',
        );
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('"malformed_http"');
    expect(upstream.requests).toHaveLength(0);
  });

  it('a caller request id that is not a safe token is replaced, so it cannot reach upstream headers', async () => {
    const result = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'x' }] }),
      {
        'x-request-id': 'abc def<script>',
      },
    );
    expect(result.status).toBe(200);
    const id = String(result.headers['x-request-id']);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.requests[0]?.headers['x-request-id']).toBe(id);
  });
});

describe('overload', () => {
  it('sheds load past max_in_flight with 503 + Retry-After instead of queueing, then recovers', async () => {
    // max_in_flight is read when the server starts: a gateway built with the small limit.
    const small = await startTestGateway(config(3), { env: SECRETS });
    try {
      upstream.setBehaviour('*', { latencyMs: 300 });
      const agent = new Agent({ connections: 20 });
      // While the gateway is full, its probes still answer: an orchestrator must not kill it.
      const probes = new Promise<number[]>((resolve) =>
        setTimeout(
          () =>
            void Promise.all(
              ['/healthz', '/readyz', '/metrics'].map((p) => fetch(`${small.url}${p}`).then((r) => r.status)),
            ).then(resolve),
          100,
        ),
      );
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          request(`${small.url}/v1/chat/completions`, {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.USER_KEY}` },
            body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'x' }] }),
          }).then(async (r) => ({
            status: r.statusCode,
            retryAfter: r.headers['retry-after'],
            body: await r.body.text(),
          })),
        ),
      );
      const shed = results.filter((r) => r.status === 503);
      expect(results.filter((r) => r.status === 200)).toHaveLength(3);
      expect(shed).toHaveLength(9);
      expect(shed[0]?.retryAfter).toBe('1');
      expect(await probes).toEqual([200, 200, 200]);
      expect(JSON.parse(shed[0]?.body ?? '{}')).toMatchObject({ error: { code: 'overloaded' } });
      upstream.setBehaviour('*', {});
      const after = await post(
        '/v1/chat/completions',
        JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(after.status).toBe(200);
      const metrics = await (await fetch(`${small.url}/metrics`)).text();
      expect(metrics).toMatch(/switchyard_requests_shed_total 9/);
      await agent.close();
    } finally {
      await small.close();
    }
  });
});

describe('graceful drain', () => {
  it('lets in-flight requests finish, answers new ones 503 with Connection: close, then stops', async () => {
    const draining = await startTestGateway(config(100), { env: SECRETS });
    upstream.setBehaviour('*', { latencyMs: 400 });
    const agent = new Agent({ connections: 1, pipelining: 1 });
    const send = () =>
      request(`${draining.url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.USER_KEY}` },
        body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'x' }] }),
      });
    const inFlight = send();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = draining.close();
    const response = await inFlight;
    expect(response.statusCode).toBe(200);
    await response.body.text();
    const late = await fetch(`${draining.url}/healthz`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    await closing;
    upstream.setBehaviour('*', {});
    await agent.close();
  });
});

describe('secrets', () => {
  it('never appear in any log line', () => {
    const all = gw.logs.join('\n');
    expect(gw.logs.length).toBeGreaterThan(10);
    for (const secret of Object.values(SECRETS)) expect(all).not.toContain(secret);
  });
});
