import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** The admin API: rule CRUD with validation and optimistic concurrency, import/export, config. */
let upstream: FakeOpenAI;
let gw: TestGateway;
const ADMIN = 'admin-key-for-tests-000001';
const ACME_ADMIN = 'acme-admin-key-for-tests-01';
const USER_KEY = 'sk-user-key-for-tests-0001';
const PROVIDER_SECRET = 'sk-provider-secret-value-42';

beforeAll(async () => {
  upstream = await startFakeOpenAI({ name: 'up' });
  gw = await startTestGateway(
    `
version: 1
admin: {keys: ["$ADMIN", {key: "$ACME_ADMIN", tenant: acme}]}
providers:
  - {name: main, kind: openai-compatible, base_url: "${upstream.url}", api_key: "$PROVIDER_SECRET", models: [m-default, m-special]}
identity:
  api_keys: [{key: "$USER_KEY", tenant: acme, user: {id: u1, role: analyst}}]
routing: {default: main/m-default}
`,
    { env: { ADMIN, ACME_ADMIN, USER_KEY, PROVIDER_SECRET } },
  );
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
});

function admin(
  path: string,
  init: { method?: string; body?: unknown; key?: string; headers?: Record<string, string> } = {},
) {
  const raw = typeof init.body === 'string';
  return fetch(`${gw.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.key ?? ADMIN}`,
      ...(init.body === undefined ? {} : { 'content-type': raw ? 'application/yaml' : 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : raw ? (init.body as string) : JSON.stringify(init.body),
  });
}

const analystRule = {
  name: 'analysts-special',
  priority: 5,
  conditions: [{ field: 'user.role', operator: 'eq', value: 'analyst' }],
  action: { provider: 'main', model: 'm-special' },
};

async function modelServedForUser(): Promise<string | null> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${USER_KEY}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  });
  return response.headers.get('x-switchyard-model');
}

describe('rule CRUD', () => {
  it('creates a rule that decides the next request at once, updates it with its version, deletes it', async () => {
    expect(await modelServedForUser()).toBe('m-default');
    const created = await admin('/admin/v1/tenants/acme/rules', { method: 'POST', body: analystRule });
    expect(created.status).toBe(201);
    const rule = (await created.json()) as { id: string; version: number; enabled: boolean };
    expect(rule).toMatchObject({ version: 1, enabled: true });
    expect(await modelServedForUser()).toBe('m-special');

    const updated = await admin(`/admin/v1/tenants/acme/rules/${rule.id}`, {
      method: 'PUT',
      body: { ...analystRule, enabled: false, version: 1 },
    });
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as { version: number }).version).toBe(2);
    expect(await modelServedForUser()).toBe('m-default');

    const stale = await admin(`/admin/v1/tenants/acme/rules/${rule.id}`, {
      method: 'PUT',
      body: { ...analystRule, version: 1 },
    });
    expect(stale.status).toBe(409);

    expect((await admin(`/admin/v1/tenants/acme/rules/${rule.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`/admin/v1/tenants/acme/rules/${rule.id}`)).status).toBe(404);
  });

  it.each([
    ['an unknown provider', { ...analystRule, action: { provider: 'nowhere' } }, 'nowhere'],
    [
      'an unknown field',
      { ...analystRule, conditions: [{ field: 'user.shoe_size', operator: 'eq', value: '9' }] },
      'user.shoe_size',
    ],
    [
      'a catastrophic regex',
      { ...analystRule, conditions: [{ field: 'request.model', operator: 'matches', value: '^(a+)+$' }] },
      'catastrophic',
    ],
    ['not an object', [1, 2], 'must be a JSON object'],
  ])('refuses %s with a 400 naming the problem and writes nothing', async (_name, body, message) => {
    const response = await admin('/admin/v1/tenants/acme/rules', { method: 'POST', body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(message);
    const list = (await (await admin('/admin/v1/tenants/acme/rules')).json()) as { rules: unknown[] };
    expect(list.rules).toHaveLength(0);
  });

  it('refuses a second rule with the same name (409)', async () => {
    const first = await admin('/admin/v1/tenants/dup/rules', { method: 'POST', body: analystRule });
    expect(first.status).toBe(201);
    const second = await admin('/admin/v1/tenants/dup/rules', { method: 'POST', body: analystRule });
    expect(second.status).toBe(409);
  });
});

describe('authorization', () => {
  it('refuses missing, wrong and non-admin credentials', async () => {
    expect((await fetch(`${gw.url}/admin/v1/tenants/acme/rules`)).status).toBe(401);
    expect((await admin('/admin/v1/tenants/acme/rules', { key: 'not-an-admin-key-123456' })).status).toBe(
      401,
    );
    expect((await admin('/admin/v1/tenants/acme/rules', { key: USER_KEY })).status).toBe(403);
  });

  it('keeps a tenant-scoped admin key to its own tenant', async () => {
    expect((await admin('/admin/v1/tenants/acme/rules', { key: ACME_ADMIN })).status).toBe(200);
    expect((await admin('/admin/v1/tenants/globex/rules', { key: ACME_ADMIN })).status).toBe(403);
    expect((await admin('/admin/v1/config', { key: ACME_ADMIN })).status).toBe(403);
  });
});

describe('import and export', () => {
  it('imports YAML all-or-nothing and exports it back as YAML and JSON', async () => {
    const yaml = `rules:\n  - {name: one, priority: 1, action: {provider: main}}\n  - {name: two, action: {reject: "no"}}\n`;
    const imported = await admin('/admin/v1/tenants/imp/rules.import', { method: 'POST', body: yaml });
    expect(imported.status).toBe(200);
    expect(((await imported.json()) as { imported: number }).imported).toBe(2);

    const bad = `rules:\n  - {name: three, action: {provider: main}}\n  - {name: four, action: {provider: nowhere}}\n`;
    const refused = await admin('/admin/v1/tenants/imp/rules.import', { method: 'POST', body: bad });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('rules[1]');

    const exported = await admin('/admin/v1/tenants/imp/rules.export?format=yaml');
    expect(exported.headers.get('content-type')).toContain('yaml');
    const document = parseYaml(await exported.text()) as { rules: Array<{ name: string }> };
    expect(document.rules.map((r) => r.name)).toEqual(['one', 'two']);
    const json = (await (await admin('/admin/v1/tenants/imp/rules.export')).json()) as { rules: unknown[] };
    expect(json.rules).toHaveLength(2);
  });

  it('the CLI imports and exports through the admin API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-rules-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, '- {name: from-cli, action: {provider: main, model: m-special}}\n');
    const env = { ...process.env, SWITCHYARD_ADMIN_KEY: ADMIN };
    // Asynchronous: the gateway under test runs in this process and must keep answering.
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'rules', ...args], {
        env,
      }).then(
        (out) => ({ code: 0, ...out }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const imported = await run(['import', '--url', gw.url, '--tenant', 'cli', file]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('imported 1 rules');
    const exported = await run(['export', '--url', gw.url, '--tenant', 'cli']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('from-cli');
    const refused = await run([
      'export',
      '--url',
      gw.url,
      '--tenant',
      'cli',
      '--admin-key',
      'wrong-key-000000000000',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HTTP 401');
  });
});

describe('config', () => {
  it('shows the active config with every secret redacted', async () => {
    const response = await admin('/admin/v1/config');
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const secret of [ADMIN, ACME_ADMIN, USER_KEY, PROVIDER_SECRET]) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(text).toContain('m-special');
  });

  it('reloads the config on request and serves the OpenAPI document', async () => {
    const before = gw.gateway.snapshot.generation;
    const response = await admin('/admin/v1/config/reload', { method: 'POST' });
    expect(response.status).toBe(200);
    expect(gw.gateway.snapshot.generation).toBe(before + 1);
    const openapi = (await (await admin('/admin/v1/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toContain('/admin/v1/tenants/{tenant}/rules');
  });
});
