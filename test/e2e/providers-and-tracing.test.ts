import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** Provider kinds' wire details, deadlines and OTLP export. */
let azure: FakeOpenAI;
let slow: FakeOpenAI;
let collector: Server;
const exported: Array<{ path: string; body: string }> = [];
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  azure = await startFakeOpenAI({ name: 'azure', apiKey: 'azure-secret' });
  slow = await startFakeOpenAI({ name: 'slow' });
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      exported.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
  gw = await startTestGateway(
    `
version: 1
server: {request_timeout_ms: 600, stream_idle_timeout_ms: 300}
tracing: {otlp_endpoint: "${collectorUrl}", service_name: switchyard-test}
providers:
  - {name: az, kind: azure-openai, base_url: "${azure.origin}", api_key: "$AZ_KEY", api_version: "2024-10-21", models: [my-deployment]}
  - {name: slow, kind: openai-compatible, base_url: "${slow.url}", models: [s1, s2], timeout_ms: 500,
     headers: {x-org: acme}}
models:
  both-slow: [slow/s1, slow/s2]
`,
    { env: { AZ_KEY: 'azure-secret' } },
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await azure.close();
  await slow.close();
  collector.close();
});

describe('provider kinds', () => {
  it('azure-openai: deployment in the path, api-version query, api-key header', async () => {
    const completion = await client.chat.completions.create({
      model: 'my-deployment',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]?.message.content).toContain('my-deployment');
    const request = azure.requests.at(-1);
    expect(request?.path).toBe('/openai/deployments/my-deployment/chat/completions');
    expect(request?.query['api-version']).toBe('2024-10-21');
    expect(request?.headers['api-key']).toBe('azure-secret');
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('sends configured extra headers', async () => {
    await client.chat.completions.create({ model: 'slow/s1', messages: [{ role: 'user', content: 'hi' }] });
    expect(slow.requests.at(-1)?.headers['x-org']).toBe('acme');
  });
});

describe('deadlines', () => {
  it('bounds the whole fallback chain by the request deadline', async () => {
    slow.setBehaviour('s1', { latencyMs: 400, status: 500 });
    slow.setBehaviour('s2', { latencyMs: 400 });
    const started = Date.now();
    const error = await client.chat.completions
      .create({ model: 'both-slow', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    // The first target fails after 400 ms; the second would answer at 800 ms, past the 600 ms deadline.
    expect(slow.countFor('s2')).toBe(1);
    expect(Date.now() - started).toBeLessThan(790);
    slow.reset();
  });

  it('ends a stream that goes idle with an SSE error event', async () => {
    slow.setBehaviour('s1', { fault: 'hang-mid-stream', reply: 'a b c d' });
    const stream = await client.chat.completions.create({
      model: 'slow/s1',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    await expect(async () => {
      for await (const _ of stream) {
        // drain
      }
    }).rejects.toThrow(/idle/);
    slow.reset();
  });
});

describe('tracing', () => {
  it('exports a server span per request over OTLP/HTTP with the caller trace id', async () => {
    const traceId = 'aaaabbbbccccddddeeeeffff00001111';
    await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-1234567890abcdef-01` },
      body: JSON.stringify({ model: 'my-deployment', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await expect
      .poll(() => exported.some((e) => e.path === '/v1/traces' && e.body.includes(traceId)), {
        timeout: 5000,
      })
      .toBe(true);
    const payload = exported.find((e) => e.body.includes(traceId))?.body ?? '';
    expect(payload).toContain('switchyard-test');
    expect(payload).toContain('switchyard.decided_by');
  });
});
