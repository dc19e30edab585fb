import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleSpec } from '../../src/routing/rules/schema.ts';
import { createPgDriver } from '../../src/stores/sql/pg-driver.ts';
import { SqlRuleStore } from '../../src/stores/sql/sql-rule-store.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * The gateway on its configured rule store: PostgreSQL reached through a proxy the test can cut
 * (an outage, then the database's return), and the embedded PGlite default in a data folder.
 * Requests come from the anonymous tenant `default`.
 */
let cloud: FakeOpenAI;
let onprem: FakeOpenAI;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  [cloud, onprem] = await Promise.all([
    startFakeOpenAI({ name: 'cloud' }),
    startFakeOpenAI({ name: 'onprem' }),
  ]);
});

afterAll(async () => {
  await Promise.all(gateways.map((gw) => gw.close()));
  await Promise.all([cloud?.close(), onprem?.close()]);
});

function config(rulesStore: string): string {
  return `
version: 1
providers:
  - {name: cloud, kind: openai-compatible, base_url: "${cloud.url}", models: [gpt-4o-mini]}
  - {name: onprem, kind: openai-compatible, base_url: "${onprem.url}", models: [llama3.1:8b]}
routing:
  default: cloud/gpt-4o-mini
rules_store: ${rulesStore}
`;
}

async function start(rulesStore: string): Promise<TestGateway> {
  const gw = await startTestGateway(config(rulesStore), { configuredRuleStore: true });
  gateways.push(gw);
  return gw;
}

const toOnprem: RuleSpec = {
  id: 'all-to-onprem',
  name: 'all-to-onprem',
  conditions: [],
  action: { provider: 'onprem', model: 'llama3.1:8b' },
  priority: 10,
  enabled: true,
  enforce: false,
};

async function chat(gw: TestGateway) {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return {
    status: response.status,
    rule: response.headers.get('x-switchyard-rule'),
    provider: response.headers.get('x-switchyard-provider'),
    error: body.error?.code,
  };
}

interface Readiness {
  status: number;
  body: {
    status: string;
    reason?: string;
    rules_store: { ok: boolean; error?: string; serving_cached?: boolean };
  };
}

async function readyz(gw: TestGateway): Promise<Readiness> {
  const response = await fetch(`${gw.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

async function storeUpMetric(gw: TestGateway): Promise<string | undefined> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return /^switchyard_rules_store_up (\d)$/m.exec(text)?.[1];
}

describe('rules_store: postgres', () => {
  const schema = `sy_test_${randomBytes(4).toString('hex')}`;
  let proxy: TcpProxy;
  /** Another replica, reaching the database directly: it writes while the gateways cannot see. */
  let direct: SqlRuleStore;
  const throughProxy = (ttlSeconds: number) => {
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(proxy.port);
    return `{kind: postgres, url: "${url}", schema: ${schema}, cache_ttl_seconds: ${ttlSeconds}}`;
  };

  beforeAll(async () => {
    const target = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    direct = new SqlRuleStore({ connect: async () => createPgDriver({ url: TEST_DATABASE_URL }), schema });
    await direct.ready();
  });

  afterAll(async () => {
    await proxy?.close();
    await direct?.close();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('keeps deciding with the last compiled rules while the database is away, and catches up by itself', async () => {
    // TTL 0: every request asks the store, so the outage is met on the request path. TTL 1 h: only
    // a change notification, or the reset after the feed comes back, can refresh its rules.
    const [eager, patient] = await Promise.all([start(throughProxy(0)), start(throughProxy(3600))]);
    for (const gw of [eager, patient]) {
      await expect.poll(async () => (await readyz(gw)).body.rules_store.ok, { timeout: 10_000 }).toBe(true);
      expect(await chat(gw)).toMatchObject({ status: 200, rule: null, provider: 'cloud' });
    }
    await direct.create('default', toOnprem);
    for (const gw of [eager, patient]) {
      // Written on another replica: heard through NOTIFY.
      await expect.poll(async () => (await chat(gw)).rule, { timeout: 1000 }).toBe('all-to-onprem');
      expect(await storeUpMetric(gw)).toBe('1');
    }

    await proxy.cut();
    await direct.update('default', 'all-to-onprem', { ...toOnprem, action: { provider: 'cloud' } }, 1);
    for (const gw of [eager, patient]) {
      await expect.poll(async () => (await readyz(gw)).body.rules_store.ok, { timeout: 10_000 }).toBe(false);
      const down = await readyz(gw);
      expect(down).toMatchObject({
        status: 200,
        body: { status: 'ready', rules_store: { ok: false, serving_cached: true } },
      });
      expect(down.body.rules_store.error).toMatch(/\S/);
      expect(await chat(gw)).toMatchObject({ status: 200, rule: 'all-to-onprem', provider: 'onprem' });
      expect(await storeUpMetric(gw)).toBe('0');
    }
    await expect(eager.gateway.routing.ruleStore?.list('default')).rejects.toThrow(/unavailable/);

    await proxy.restore();
    for (const gw of [eager, patient]) {
      await expect.poll(async () => (await readyz(gw)).body.rules_store.ok, { timeout: 15_000 }).toBe(true);
      expect(await storeUpMetric(gw)).toBe('1');
      // The update made during the outage was never heard: the reset on reconnect brings it in.
      expect(await chat(gw)).toMatchObject({ status: 200, rule: 'all-to-onprem', provider: 'cloud' });
    }
  });

  it('a replica that starts without its database is not ready, says why, and becomes ready when it returns', async () => {
    await proxy.cut();
    const gw = await start(throughProxy(30));
    const notReady = await readyz(gw);
    expect(notReady).toMatchObject({
      status: 503,
      body: { status: 'not_ready', rules_store: { ok: false, serving_cached: false } },
    });
    expect(notReady.body.reason).toMatch(/rule store is unavailable and no rules are cached/);
    expect(await chat(gw)).toMatchObject({ status: 503, error: 'rule_store_unavailable' });

    await proxy.restore();
    await expect.poll(async () => (await readyz(gw)).status, { timeout: 15_000 }).toBe(200);
    expect(await chat(gw)).toMatchObject({ status: 200, rule: 'all-to-onprem' });
  });
});

describe('rules_store: embedded (the default)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchyard-embedded-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts PGlite in its data folder, and keeps the rules across a restart', {
    timeout: 90_000,
  }, async () => {
    const rulesStore = `{path: "${join(dataDir, 'rules')}"}`;
    const first = await start(rulesStore);
    await expect.poll(async () => (await readyz(first)).status, { timeout: 60_000 }).toBe(200);
    await first.gateway.routing.ruleStore?.create('default', toOnprem);
    expect(await chat(first)).toMatchObject({ status: 200, rule: 'all-to-onprem', provider: 'onprem' });
    await first.close();

    const second = await start(rulesStore);
    try {
      expect(await chat(second)).toMatchObject({ status: 200, rule: 'all-to-onprem', provider: 'onprem' });
    } finally {
      // Before the folder is removed.
      await second.close();
    }
  });
});
