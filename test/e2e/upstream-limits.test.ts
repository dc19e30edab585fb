import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * An upstream cannot make the gateway buffer without bound: an error body is read only as far as
 * its message needs, and a stream event that never ends is cut off at the size limit.
 */
let upstream: Server;
let gw: TestGateway;
let errorBodyBytesSent = 0;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    if (req.url?.includes('chat/completions')) {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const parsed = JSON.parse(body) as { model: string };
        if (parsed.model === 'huge-error') return hugeError(res);
        return endlessEvent(res);
      });
    }
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  gw = await startTestGateway(`
version: 1
providers:
  - {name: up, kind: openai-compatible, base_url: "${url}", models: [huge-error, endless-event]}
`);
});

afterAll(async () => {
  upstream.closeAllConnections();
  upstream.close();
  await gw.close();
});

/** 500 with a 32 MiB body, written 64 KiB at a time while the reader keeps up. */
function hugeError(res: import('node:http').ServerResponse): void {
  res.writeHead(500, { 'content-type': 'application/json' });
  res.write('{"error":{"message":"boom","pad":"');
  const chunk = 'x'.repeat(64 * 1024);
  const write = () => {
    while (errorBodyBytesSent < 32 * 1024 * 1024) {
      errorBodyBytesSent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', write);
        return;
      }
    }
    res.end('"}}');
  };
  res.on('close', () => undefined);
  write();
}

/** A stream whose one `data:` line never ends (12 MiB and counting). */
function endlessEvent(res: import('node:http').ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] })}\n\n`,
  );
  res.write('data: {"choices":[{"index":0,"delta":{"content":"');
  const chunk = 'y'.repeat(256 * 1024);
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed || sent > 12 * 1024 * 1024) {
      clearInterval(timer);
      res.destroy();
      return;
    }
    sent += chunk.length;
    res.write(chunk);
  }, 5);
}

describe('upstream size limits', () => {
  it('reads only the start of a huge error body and answers with its status', async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'huge-error', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.status).toBe(500);
    await response.text();
    // The gateway stopped reading long before the 32 MiB were written.
    await expect.poll(() => errorBodyBytesSent).toBeLessThan(32 * 1024 * 1024);
  });

  it('ends a translated stream with an error event when one upstream event exceeds the limit', async () => {
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'endless-event',
        max_tokens: 10,
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('event: error');
    expect(text).toContain('could not read');
    // The gateway keeps serving.
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});
