import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { deleteKeys, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis.ts';

/**
 * `switchyard serve --workers 2`: two processes answer on one port, a dead worker is replaced,
 * SIGTERM drains them all — and with the Redis store, a session pinned by one worker holds on the other.
 */
const CLI = ['--import', 'tsx', 'src/cli.ts'];
const prefix = uniquePrefix('workers');
let one: FakeOpenAI;
let two: FakeOpenAI;
let child: ChildProcess;
let port: number;
let dir: string;
const lines: Array<Record<string, unknown>> = [];

/** One request on its own connection, so the primary's round-robin sees each as new. */
function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>(
    (resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          agent: false,
          headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    },
  );
}

const listening = () => lines.filter((line) => line.msg === 'switchyard listening');
const requestPids = (path: string) =>
  new Set(lines.filter((l) => l.msg === 'request' && l.path === path).map((l) => l.pid));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** expect.poll for hooks: resolves once `ready()` holds, fails after `timeoutMs`. */
async function waitUntil(ready: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('workers did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  [one, two] = await Promise.all([
    startFakeOpenAI({ name: 'one', record: false }),
    startFakeOpenAI({ name: 'two', record: false }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'switchyard-workers-'));
  const file = join(dir, 'workers.yaml');
  writeFileSync(
    file,
    `version: 1
server: {listen: "127.0.0.1:0"}
logging: {level: info}
providers:
  - {name: one, kind: openai-compatible, base_url: "${one.url}", models: [m1]}
  - {name: two, kind: openai-compatible, base_url: "${two.url}", models: [m2]}
rules_store: {kind: memory}
routing:
  session_affinity: {store: redis, redis: {url: "${SHARED_REDIS_URL}", prefix: "${prefix}", command_timeout_ms: 2000}}
`,
  );
  child = spawn(process.execPath, [...CLI, 'serve', '--config', file, '--workers', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete)
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr?.resume();
  await waitUntil(() => listening().length >= 2, 20_000);
  port = Number(new URL(String(listening()[0]?.url)).port);
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([one.close(), two.close(), deleteKeys(prefix)]);
});

describe('switchyard serve --workers 2', () => {
  it('starts two workers on one port, and both answer', async () => {
    const pids = new Set(listening().map((line) => line.pid));
    expect(pids.size).toBe(2);
    expect(new Set(listening().map((line) => line.url)).size).toBe(1);
    await expect
      .poll(
        async () => {
          expect((await send('GET', '/v1/models')).status).toBe(200);
          return requestPids('/v1/models').size;
        },
        { timeout: 10_000 },
      )
      .toBe(2);
    expect(requestPids('/v1/models')).toEqual(pids);
  });

  it('shares session affinity between workers through Redis', async () => {
    const session = `conv-${randomUUID()}`;
    const chat = (model: string) =>
      send(
        'POST',
        '/v1/chat/completions',
        { model, messages: [{ role: 'user', content: 'hi' }] },
        { 'x-session-id': session },
      );
    const first = await chat('one/m1');
    expect(first.status, JSON.stringify(lines.slice(-3))).toBe(200);
    expect(first.headers['x-switchyard-provider']).toBe('one');
    await expect
      .poll(async () => (await chat('two/m2')).headers['x-switchyard-decided-by'], { timeout: 5000 })
      .toBe('session');
    // Several more turns, spread over both workers: every one stays on the pinned target.
    for (let i = 0; i < 6; i += 1)
      expect((await chat('two/m2')).headers['x-switchyard-provider']).toBe('one');
    const turns = lines.filter(
      (l) => l.msg === 'request' && l.path === '/v1/chat/completions' && l.decided_by === 'session',
    );
    expect(new Set(turns.map((l) => l.pid)).size).toBe(2);
  });

  it('replaces a worker that dies', async () => {
    const victim = Number(listening()[0]?.pid);
    process.kill(victim, 'SIGKILL');
    await expect.poll(() => listening().length, { timeout: 20_000 }).toBe(3);
    const replacement = Number(listening()[2]?.pid);
    expect(replacement).not.toBe(victim);
    expect(lines.some((l) => l.msg === 'worker exited; starting another' && l.pid === victim)).toBe(true);
    expect((await send('GET', '/healthz')).status).toBe(200);
  });

  it('drains every worker on SIGTERM and exits 0', async () => {
    const workers = listening()
      .map((line) => Number(line.pid))
      .filter(alive);
    expect(workers).toHaveLength(2);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  });
});

describe('switchyard serve --workers, refused', () => {
  const serve = (config: string, workers: string) => {
    const file = join(dir, `refused-${workers}.yaml`);
    writeFileSync(file, config);
    return spawnSync(process.execPath, [...CLI, 'serve', '--config', file, '--workers', workers], {
      encoding: 'utf8',
      timeout: 20_000,
    });
  };
  const base = `version: 1\nserver: {listen: "127.0.0.1:0"}\nproviders: [{name: one, kind: openai, models: [m1]}]\n`;

  it('refuses an embedded rule store, which only one process can open', () => {
    const run = serve(`${base}rules_store: {kind: embedded, path: ${join(dir, 'rules')}}\n`, '2');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('rules_store.kind: embedded serves one process');
  });

  it('refuses a worker count that is not a positive integer', () => {
    expect(serve(`${base}rules_store: {kind: memory}\n`, '0').status).toBe(2);
    expect(serve(`${base}rules_store: {kind: memory}\n`, 'two').status).toBe(2);
  });
});
