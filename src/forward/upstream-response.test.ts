import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamAbort } from './upstream-abort.ts';
import { dispatchUpstream } from './upstream-response.ts';

/** A real local HTTP server: `/chunks?n=N&size=S` sends N chunks of S bytes ('a', 'b', ...). */
let server: Server;
let pool: Pool;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const n = Number(url.searchParams.get('n') ?? 1);
    const size = Number(url.searchParams.get('size') ?? 10);
    const hang = url.searchParams.has('hang');
    res.writeHead(200, { 'content-type': 'text/plain' });
    let sent = 0;
    const next = () => {
      if (sent === n) {
        if (!hang) res.end();
        return;
      }
      const letter = String.fromCharCode(97 + (sent % 26));
      sent += 1;
      res.write(letter.repeat(size), () => setImmediate(next));
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 4 });
});

afterAll(async () => {
  await pool.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, signal = new UpstreamAbort()) =>
  dispatchUpstream(pool, { method: 'GET', path }, signal);

describe('dispatchUpstream', () => {
  it('resolves with the head, then collects the whole body', async () => {
    const head = await get('/chunks?n=5&size=1000');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/plain');
    const { bytes, truncated } = await head.body.collect(1_000_000);
    expect(truncated).toBe(false);
    expect(bytes.toString()).toBe(['a', 'b', 'c', 'd', 'e'].map((l) => l.repeat(1000)).join(''));
  });

  it('keeps only the first `limit` bytes of a larger body and drops the connection', async () => {
    const head = await get('/chunks?n=50&size=1000');
    const { bytes, truncated } = await head.body.collect(2500);
    expect(truncated).toBe(true);
    expect(bytes.toString()).toBe(`${'a'.repeat(1000)}${'b'.repeat(1000)}${'c'.repeat(500)}`);
  });

  it('iterates the chunks in order, then ends; a slow reader loses nothing', async () => {
    const head = await get('/chunks?n=40&size=8192');
    let text = '';
    for (;;) {
      const next = await head.body.next();
      if (next.done) break;
      text += next.value.toString();
      // Slower than the server: the queue passes its high-water mark and the upstream is paused.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(text.length).toBe(40 * 8192);
    expect(text.slice(0, 8192)).toBe('a'.repeat(8192));
    expect(text.slice(-8192)).toBe(String.fromCharCode(97 + (39 % 26)).repeat(8192));
  });

  it('an abort mid-body rejects the reader with the reason', async () => {
    const signal = new UpstreamAbort();
    const head = await get('/chunks?n=1&size=10&hang', signal);
    expect((await head.body.next()).done).toBe(false);
    const waiting = head.body.next();
    const reason = new Error('deadline');
    signal.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it('an abort before the answer rejects the head', async () => {
    const signal = new UpstreamAbort();
    const reason = new Error('client left');
    signal.abort(reason);
    await expect(get('/chunks', signal)).rejects.toBe(reason);
  });

  it('cancel releases the connection: the pool can still serve and close', async () => {
    const heads = await Promise.all([1, 2, 3, 4].map(() => get('/chunks?n=1&size=10&hang')));
    for (const head of heads) head.body.cancel();
    // All four connections were busy with hanging answers; cancelled, they serve again.
    const head = await get('/chunks?n=1&size=3');
    expect((await head.body.collect(100)).bytes.toString()).toBe('aaa');
    expect(await heads[0]?.body.next()).toEqual({ value: undefined, done: true });
    expect(await heads[0]?.body.collect(10)).toEqual({ bytes: Buffer.alloc(0), truncated: false });
  });
});

describe('relayTo', () => {
  /** Relays a body into memory; `slow` makes the sink ask for a pause on every other chunk. */
  function relay(head: Awaited<ReturnType<typeof get>>, slow: boolean) {
    const chunks: string[] = [];
    let pauses = 0;
    const outcome = new Promise<string>((resolve) => {
      head.body.relayTo({
        chunk(chunk) {
          chunks.push(chunk.toString());
          if (!slow || chunks.length % 2 === 1) return true;
          pauses += 1;
          // A slow client: it drains a little later, and the upstream waits for it.
          setTimeout(() => head.body.resume(), 2);
          return false;
        },
        end: () => resolve('end'),
        error: (error) => resolve(`error: ${error.message}`),
      });
    });
    return { chunks, outcome, pauses: () => pauses };
  }

  it('hands over every chunk in order, those read before the relay began first, then the end', async () => {
    const head = await get('/chunks?n=40&size=8192');
    const first = await head.body.next();
    const relayed = relay(head, false);
    expect(await relayed.outcome).toBe('end');
    const text = (first.value as Buffer).toString() + relayed.chunks.join('');
    expect(text.length).toBe(40 * 8192);
    expect(text.slice(-8192)).toBe(String.fromCharCode(97 + (39 % 26)).repeat(8192));
  });

  it('resumes an upstream the queue paused before the relay began', async () => {
    const head = await get('/chunks?n=40&size=8192');
    const first = await head.body.next();
    // A late relay: more than the high-water mark (64 KiB) queues up, and the upstream is paused.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const relayed = relay(head, false);
    expect(await relayed.outcome).toBe('end');
    expect((first.value as Buffer).length + relayed.chunks.join('').length).toBe(40 * 8192);
  });

  it('pauses the upstream for a sink that asks, and loses nothing when it resumes', async () => {
    const head = await get('/chunks?n=40&size=8192');
    const relayed = relay(head, true);
    expect(await relayed.outcome).toBe('end');
    expect(relayed.pauses()).toBeGreaterThan(0);
    expect(relayed.chunks.join('').length).toBe(40 * 8192);
  });

  it('reports a failure part way, after the chunks that came before it', async () => {
    const signal = new UpstreamAbort();
    const head = await get('/chunks?n=1&size=10&hang', signal);
    const relayed = relay(head, false);
    await expect.poll(() => relayed.chunks.length).toBe(1);
    signal.abort(new Error('deadline'));
    expect(await relayed.outcome).toBe('error: deadline');
    expect(relayed.chunks).toEqual(['a'.repeat(10)]);
  });

  it('delivers nothing more once cancelled, and releases the connection', async () => {
    const head = await get('/chunks?n=1&size=10&hang');
    const relayed = relay(head, false);
    await expect.poll(() => relayed.chunks.length).toBe(1);
    head.body.cancel();
    const settled = await Promise.race([
      relayed.outcome,
      new Promise((r) => setTimeout(() => r('quiet'), 50)),
    ]);
    expect(settled).toBe('quiet');
    expect((await (await get('/chunks?n=1&size=3')).body.collect(100)).bytes.toString()).toBe('aaa');
  });
});
