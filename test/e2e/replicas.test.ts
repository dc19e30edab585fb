import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { freePort } from '../helpers/net.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { deleteKeys, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis.ts';

/**
 * Two gateway processes sharing PostgreSQL (rules, LISTEN/NOTIFY) and Redis (sessions), as
 * replicas behind a load balancer would: what one learns, the other serves.
 */
const ADMIN = 'replica-admin-key-000000001';
const KEY = 'sk-replica-tenant-key-00001';
const schema = `sy_replicas_${Math.random().toString(36).slice(2, 10)}`;
const prefix = uniquePrefix('replicas');
let upstream: FakeOpenAI;
const replicas: Array<{ child: ChildProcess; url: string }> = [];

async function startReplica(dir: string, name: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const config = join(dir, `${name}.yaml`);
  writeFileSync(
    config,
    `version: 1
server: {listen: "127.0.0.1:${port}", drain_timeout_ms: 200}
logging: {level: warn}
admin: {keys: ["${ADMIN}"]}
rules_store: {kind: postgres, url: "${TEST_DATABASE_URL}", schema: ${schema}}
providers:
  - {name: up, kind: openai-compatible, base_url: "${upstream.url}", models: [m-default, m-special, m-other]}
identity: {api_keys: [{key: "${KEY}", tenant: acme, user: {id: u1, role: analyst}}]}
routing:
  default: up/m-default
  session_affinity: {store: redis, redis: {url: "${SHARED_REDIS_URL}", prefix: "${prefix}"}}
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', config], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`replica ${name} did not become ready`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, url };
}

const chat = (url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });

beforeAll(async () => {
  upstream = await startFakeOpenAI({ name: 'up' });
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-replicas-'));
  // One after the other: both migrate the same fresh schema (concurrency is covered by the store's tests).
  replicas.push(await startReplica(dir, 'a'));
  replicas.push(await startReplica(dir, 'b'));
}, 90_000);

afterAll(async () => {
  for (const { child } of replicas) child.kill('SIGKILL');
  await upstream?.close();
  await deleteKeys(prefix);
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
});

describe('two replicas', () => {
  it('a rule created through replica A decides requests on replica B within a second', async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    expect((await chat(b.url, {})).headers.get('x-switchyard-model')).toBe('m-default');
    const created = await fetch(`${a.url}/admin/v1/tenants/acme/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({
        name: 'analysts-special',
        conditions: [{ field: 'user.role', operator: 'eq', value: 'analyst' }],
        action: { provider: 'up', model: 'm-special' },
      }),
    });
    expect(created.status).toBe(201);
    await expect
      .poll(async () => (await chat(b.url, {})).headers.get('x-switchyard-model'), {
        timeout: 1000,
        interval: 50,
      })
      .toBe('m-special');
  });

  it('a session pinned through A stays pinned through B', async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const session = { 'x-session-id': `conv-${Math.random().toString(36).slice(2)}` };
    // The stored rule decides the first turn; the session then pins it, whatever later turns ask.
    const first = await chat(a.url, { model: 'm-other' }, session);
    const pinned = first.headers.get('x-switchyard-model');
    await expect
      .poll(async () =>
        (await chat(b.url, { model: 'm-default' }, session)).headers.get('x-switchyard-decided-by'),
      )
      .toBe('session');
    expect((await chat(b.url, { model: 'm-default' }, session)).headers.get('x-switchyard-model')).toBe(
      pinned,
    );
  });
});
