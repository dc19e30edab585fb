import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  deleteKeys,
  type OwnedRedis,
  ownedRedis,
  SHARED_REDIS_URL,
  scanKeys,
  uniquePrefix,
} from '../helpers/redis.ts';

/**
 * Session affinity on Redis, end to end: replicas share pins, tenants stay apart, implicit keys
 * store only a hash, and an outage costs affinity but never a request.
 */
const KEYS = { ACME: 'sk-acme-session-000000001', GLOBEX: 'sk-globex-session-0000002' };
const SYSTEM = 'You are the ACME quarterly-report assistant.';
const FIRST = 'Summarise the confidential Q3 numbers.';

let one: FakeOpenAI;
let two: FakeOpenAI;

function config(redisUrl: string, prefix: string, extra = ''): string {
  return `
version: 1
providers:
  - {name: one, kind: openai-compatible, base_url: "${one.url}", models: [m1]}
  - {name: two, kind: openai-compatible, base_url: "${two.url}", models: [m2]}
rules_store: {kind: memory}
identity:
  api_keys:
    - {key: "$ACME", tenant: acme, user: {id: u1}}
    - {key: "$GLOBEX", tenant: globex, user: {id: g1}}
routing:
  session_affinity:
    ttl_seconds: 60
    store: redis
    redis: {url: "${redisUrl}", prefix: "${prefix}", command_timeout_ms: 2000}
    ${extra}
`;
}

interface Answer {
  status: number;
  decidedBy: string | null;
  provider: string | null;
}

async function chat(
  gw: TestGateway,
  model: string,
  options: { session?: string; key?: string; messages?: unknown[] } = {},
): Promise<Answer> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${options.key ?? KEYS.ACME}`,
      ...(options.session ? { 'x-session-id': options.session } : {}),
    },
    body: JSON.stringify({ model, messages: options.messages ?? [{ role: 'user', content: 'hello' }] }),
  });
  await response.arrayBuffer();
  return {
    status: response.status,
    decidedBy: response.headers.get('x-switchyard-decided-by'),
    provider: response.headers.get('x-switchyard-provider'),
  };
}

/** Pins a session to `one` and waits until the write-back (after the response) has landed. */
async function pinToOne(
  gw: TestGateway,
  reader: TestGateway,
  options: { session?: string; key?: string; messages?: unknown[] },
) {
  expect((await chat(gw, 'one/m1', options)).provider).toBe('one');
  await expect
    .poll(async () => (await chat(reader, 'two/m2', options)).decidedBy, { timeout: 5000 })
    .toBe('session');
}

async function metric(gw: TestGateway, operation: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`switchyard_session_store_errors_total{operation="${operation}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

beforeAll(async () => {
  [one, two] = await Promise.all([startFakeOpenAI({ name: 'one' }), startFakeOpenAI({ name: 'two' })]);
});

afterAll(async () => {
  await Promise.all([one.close(), two.close()]);
});

describe('two gateways sharing Redis', () => {
  const prefix = uniquePrefix('e2e-shared');
  const reloadedPrefix = uniquePrefix('e2e-shared-reloaded');
  let a: TestGateway;
  let b: TestGateway;
  let raw: Redis;

  beforeAll(async () => {
    const text = config(SHARED_REDIS_URL, prefix, 'implicit: true');
    [a, b] = await Promise.all([
      startTestGateway(text, { env: KEYS }),
      startTestGateway(text, { env: KEYS }),
    ]);
    raw = new Redis(SHARED_REDIS_URL);
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    raw.disconnect();
    await Promise.all([deleteKeys(prefix), deleteKeys(reloadedPrefix)]);
  });

  it('keeps a session pinned through A on the same target through B', async () => {
    const session = `conv-${randomUUID()}`;
    expect(await chat(a, 'one/m1', { session })).toEqual({
      status: 200,
      decidedBy: 'model',
      provider: 'one',
    });
    await expect
      .poll(async () => (await chat(b, 'two/m2', { session })).provider, { timeout: 5000 })
      .toBe('one');
    expect(await chat(b, 'two/m2', { session })).toEqual({
      status: 200,
      decidedBy: 'session',
      provider: 'one',
    });
    expect(await raw.get(`${prefix}:acme:${session}`)).toBe('["one/m1"]');
  });

  it("does not let another tenant's session with the same id follow the pin", async () => {
    const session = `conv-${randomUUID()}`;
    await pinToOne(a, b, { session });
    expect(await chat(b, 'two/m2', { session, key: KEYS.GLOBEX })).toEqual({
      status: 200,
      decidedBy: 'model',
      provider: 'two',
    });
  });

  it('pins a conversation without a session header by a hash of its opening', async () => {
    const opening = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `${FIRST} ${randomUUID()}` },
    ];
    await pinToOne(a, b, { messages: opening });
    const later = [
      ...opening,
      { role: 'assistant', content: 'Revenue grew.' },
      { role: 'user', content: 'And costs?' },
    ];
    expect(await chat(b, 'two/m2', { messages: later })).toEqual({
      status: 200,
      decidedBy: 'session',
      provider: 'one',
    });
    // Another tenant opening the same way is not pinned.
    expect((await chat(b, 'two/m2', { messages: later, key: KEYS.GLOBEX })).decidedBy).toBe('model');

    // Only a hash reaches Redis: no prompt text in keys or values.
    const keys = (await scanKeys(raw, prefix)).filter((key) => key.includes('~sha256:'));
    expect(keys.some((key) => key.includes(':acme:'))).toBe(true);
    for (const key of keys) {
      expect(key).toMatch(/:(acme|globex):~sha256:[0-9a-f]{64}$/);
      expect(await raw.get(key)).toMatch(/^\["(one\/m1|two\/m2)"\]$/);
    }
  });

  it('opens a new store when a reload changes its settings, leaving the other replica alone', async () => {
    const session = `conv-${randomUUID()}`;
    await pinToOne(a, b, { session });
    const reloaded = await a.reload(config(SHARED_REDIS_URL, reloadedPrefix, 'implicit: true'));
    expect(reloaded.ok).toBe(true);
    // A now reads another prefix: the pin made under the old one is not there.
    expect(await chat(a, 'two/m2', { session })).toEqual({
      status: 200,
      decidedBy: 'model',
      provider: 'two',
    });
    await expect
      .poll(() => raw.get(`${reloadedPrefix}:acme:${session}`), { timeout: 5000 })
      .toBe('["two/m2"]');
    expect((await chat(b, 'two/m2', { session })).provider).toBe('one');
    expect(await metric(a, 'get')).toBe(0);
  });
});

describe('a Redis outage', () => {
  const prefix = uniquePrefix('e2e-outage');
  let server: OwnedRedis;
  let gw: TestGateway;

  beforeAll(async () => {
    server = await ownedRedis();
    await server.start();
    gw = await startTestGateway(config(server.url, prefix), { env: KEYS });
  });

  afterAll(async () => {
    await gw.close();
    await server.stop();
  });

  it('costs affinity, not requests, and affinity returns with Redis without a restart', async () => {
    const session = `conv-${randomUUID()}`;
    await pinToOne(gw, gw, { session });
    expect(await metric(gw, 'get')).toBe(0);

    await server.stop();
    // Requests still succeed; they are routed as if there were no session.
    expect(await chat(gw, 'two/m2', { session })).toEqual({
      status: 200,
      decidedBy: 'model',
      provider: 'two',
    });
    expect(await chat(gw, 'one/m1', { session })).toEqual({
      status: 200,
      decidedBy: 'model',
      provider: 'one',
    });
    expect(await metric(gw, 'get')).toBeGreaterThanOrEqual(2);
    await expect.poll(() => metric(gw, 'set'), { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    expect(gw.logs.some((line) => line.includes('session store unreachable'))).toBe(true);
    const traces = gw.logs.filter((line) => line.includes('"decision trace"'));
    expect(traces.at(-1)).toContain('session store unavailable; affinity skipped');

    // The same port again, empty (no persistence): the gateway reconnects by itself.
    await server.start();
    await expect
      .poll(
        async () => {
          const fresh = `conv-${randomUUID()}`;
          await chat(gw, 'one/m1', { session: fresh });
          // The write-back lands just after the response; give it a moment on the same connection.
          for (let i = 0; i < 20; i += 1) {
            const answer = await chat(gw, 'two/m2', { session: fresh });
            if (answer.decidedBy === 'session') return answer.provider;
          }
          return 'not pinned';
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe('one');
    expect(gw.logs.some((line) => line.includes('session store reachable again'))).toBe(true);
  });
});
