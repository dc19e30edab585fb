import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakePolicyProvider,
  startFakePolicyProvider,
} from '../../src/routing/policy/fake-policy-provider.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * The decision order of DESIGN §2, end to end through the HTTP API with the openai client:
 * enforced rules > direct-backend header > session affinity > policy (inline > provider > stored
 * + static) > requested model / default.
 */
let onprem: FakeOpenAI;
let cloud: FakeOpenAI;
let claude: FakeOpenAI;
let policies: FakePolicyProvider;
let gw: TestGateway;

const KEYS = {
  acmeFinance: 'sk-acme-finance-0000000001',
  acmeEng: 'sk-acme-engineer-000000002',
  acmeIntern: 'sk-acme-intern-00000000003',
  globex: 'sk-globex-engineer-0000004',
  admin: 'admin-key-0123456789abcdef',
  acmeAdmin: 'acme-admin-key-0123456789',
};
const CARD = '4111 1111 1111 1111';

function client(key: string, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: headers });
}

async function chat(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const { data, response } = await client(key, headers)
    .chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hello' }],
      ...body,
    } as never)
    .withResponse();
  return {
    data: data as unknown as OpenAI.Chat.ChatCompletion,
    decidedBy: response.headers.get('x-switchyard-decided-by'),
    target: `${response.headers.get('x-switchyard-provider')}/${response.headers.get('x-switchyard-model')}`,
    rule: response.headers.get('x-switchyard-rule'),
    policy: response.headers.get('x-switchyard-policy'),
  };
}

beforeAll(async () => {
  [onprem, cloud, claude, policies] = await Promise.all([
    startFakeOpenAI({ name: 'onprem' }),
    startFakeOpenAI({ name: 'cloud' }),
    startFakeOpenAI({ name: 'claude' }),
    startFakePolicyProvider(),
  ]);
  const env = Object.fromEntries(Object.entries(KEYS).map(([k, v]) => [k.toUpperCase(), v]));
  gw = await startTestGateway(
    `
version: 1
admin:
  keys: ["$ADMIN", {key: "$ACMEADMIN", tenant: acme}]
providers:
  - {name: onprem, kind: openai-compatible, base_url: "${onprem.url}", models: [llama3.1:8b]}
  - {name: cloud, kind: openai-compatible, base_url: "${cloud.url}", models: [gpt-4o, gpt-4o-mini]}
  - {name: claude, kind: openai-compatible, base_url: "${claude.url}", models: [claude-sonnet-4]}
identity:
  api_keys:
    - {key: "$ACMEFINANCE", tenant: acme, user: {id: u1, role: analyst, department: finance}}
    - {key: "$ACMEENG", tenant: acme, user: {id: u2, role: engineer, department: rnd}}
    - {key: "$ACMEINTERN", tenant: acme, user: {id: u3, role: intern, department: rnd}}
    - {key: "$GLOBEX", tenant: globex, user: {id: g1, role: engineer, department: rnd}}
routing:
  default: cloud/gpt-4o-mini
  direct_backend: {enabled: true, allowed: [cloud, claude]}
  session_affinity: {ttl_seconds: 60}
  inline_policy: {enabled: true}
  policy_provider: {url: "${policies.url}", headers: {authorization: "Bearer $POLICY_TOKEN"}, ttl_seconds: 60}
  rules:
    - {name: pii-stays-home, priority: 1, enforce: true,
       conditions: [{field: request.sensitivity, operator: gte, value: high}],
       action: {provider: onprem, model: "llama3.1:8b"}}
    - {name: no-interns, priority: 2, enforce: true,
       conditions: [{field: user.role, operator: eq, value: intern}],
       action: {reject: "Interns may not use models through the gateway"}}
    - {name: finance-on-claude, priority: 10,
       conditions: [{field: user.department, operator: eq, value: finance}],
       action: {provider: claude, fallback_providers: [cloud]}}
`,
    { env: { ...env, POLICY_TOKEN: 'policy-token-xyz' } },
  );
});

afterAll(async () => {
  await gw.close();
  await Promise.all([onprem.close(), cloud.close(), claude.close(), policies.close()]);
});

beforeEach(() => {
  for (const fake of [onprem, cloud, claude]) fake.reset();
  policies.requests.length = 0;
  policies.policies.clear();
});

describe('1. enforced rules', () => {
  it('keeps a prompt with a card number on the on-prem provider', async () => {
    const result = await chat(KEYS.acmeEng, {
      messages: [{ role: 'user', content: `charge ${CARD} please` }],
    });
    expect(result).toMatchObject({
      decidedBy: 'enforced_rule',
      target: 'onprem/llama3.1:8b',
      rule: 'pii-stays-home',
    });
    expect(cloud.requests).toHaveLength(0);
  });

  it.each([
    ['a message name', { messages: [{ role: 'user', name: 'ssn 123-45-6789', content: 'hello' }] }],
    [
      'a tool description',
      {
        tools: [
          {
            type: 'function',
            function: { name: 'pay', description: `card ${CARD}`, parameters: { type: 'object' } },
          },
        ],
      },
    ],
    ['metadata', { metadata: { note: `card ${CARD}` } }],
    ['the user field', { user: 'ssn 123-45-6789' }],
    ['a field the gateway does not know', { vendor_options: { context: [`card ${CARD}`] } }],
  ])('reads PII in %s as well as in the messages', async (_where, body) => {
    const result = await chat(KEYS.acmeEng, body);
    expect(result).toMatchObject({ decidedBy: 'enforced_rule', target: 'onprem/llama3.1:8b' });
    expect(cloud.requests).toHaveLength(0);
  });

  it('keeps embeddings given as token ids, which it cannot read, where sensitive prompts go', async () => {
    const embed = (input: string | number[] | number[][]) =>
      client(KEYS.acmeEng)
        .embeddings.create({ model: 'gpt-4o-mini', input })
        .withResponse()
        .then(({ response }) => response.headers.get('x-switchyard-provider'));
    expect(await embed('the weather today')).toBe('cloud');
    expect(await embed([9906, 1917])).toBe('onprem');
    expect(await embed([[9906], [1917]])).toBe('onprem');
    expect(await embed(`card ${CARD}`)).toBe('onprem');
    // Shapes the scan has no reading of are not OpenAI's, and are refused before any upstream.
    for (const input of [[[[9906]]], [['ssn 123-45-6789']], [{ text: 'x' }], [[]], ['a', [1]], [1.5], [-3]]) {
      const error = await embed(input as never).catch((e: unknown) => e);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    }
    expect(cloud.requests).toHaveLength(1);
  });

  it('wins over the direct-backend header and over session affinity', async () => {
    const pinned = await chat(KEYS.acmeEng, {}, { 'x-session-id': 'conv-enforce' });
    expect(pinned.target).toBe('cloud/gpt-4o-mini');
    const overHeaders = await chat(
      KEYS.acmeEng,
      { messages: [{ role: 'user', content: `my card ${CARD}` }] },
      { 'x-ai-gateway-backend': 'cloud/gpt-4o', 'x-session-id': 'conv-enforce' },
    );
    expect(overHeaders).toMatchObject({ decidedBy: 'enforced_rule', target: 'onprem/llama3.1:8b' });
  });

  it('routing fields in the body cannot override an enforced rule', async () => {
    const result = await chat(KEYS.acmeEng, {
      messages: [{ role: 'user', content: `card ${CARD}` }],
      routing_policy: { rules: [{ name: 'escape', action: { provider: 'cloud' } }] },
    });
    expect(result.decidedBy).toBe('enforced_rule');
  });

  it('rejects with 403 and the rule message', async () => {
    const error = await chat(KEYS.acmeIntern, {}).catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    expect((error as Error).message).toContain('Interns may not use models through the gateway');
    expect(cloud.requests).toHaveLength(0);
  });
});

describe('2. direct-backend header', () => {
  it('routes to an allowed backend', async () => {
    const result = await chat(KEYS.globex, {}, { 'x-ai-gateway-backend': 'cloud/gpt-4o' });
    expect(result).toMatchObject({ decidedBy: 'direct_backend', target: 'cloud/gpt-4o' });
  });

  it('refuses a backend outside the allow-list with a 400 naming the header', async () => {
    const error = await chat(KEYS.globex, {}, { 'x-ai-gateway-backend': 'onprem' }).catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as Error).message).toContain('x-ai-gateway-backend');
    expect(onprem.requests).toHaveLength(0);
  });
});

describe('3. session affinity', () => {
  it('pins a conversation to its first model, per tenant', async () => {
    const first = await chat(KEYS.globex, { model: 'gpt-4o' }, { 'x-session-id': 'conv-1' });
    expect(first).toMatchObject({ decidedBy: 'model', target: 'cloud/gpt-4o' });
    await expect
      .poll(
        async () =>
          (await chat(KEYS.globex, { model: 'gpt-4o-mini' }, { 'x-session-id': 'conv-1' })).decidedBy,
      )
      .toBe('session');
    const later = await chat(KEYS.globex, { model: 'gpt-4o-mini' }, { 'x-session-id': 'conv-1' });
    expect(later.target).toBe('cloud/gpt-4o');
    // Another tenant using the same session id is not pinned by globex's conversation.
    const otherTenant = await chat(KEYS.acmeEng, { model: 'gpt-4o-mini' }, { 'x-session-id': 'conv-1' });
    expect(otherTenant).toMatchObject({ decidedBy: 'model', target: 'cloud/gpt-4o-mini' });
  });
});

describe('4. the policy', () => {
  it('static rules route by identity', async () => {
    const result = await chat(KEYS.acmeFinance, {});
    expect(result).toMatchObject({
      decidedBy: 'rule',
      target: 'claude/claude-sonnet-4',
      rule: 'finance-on-claude',
    });
  });

  it("a tenant's stored rules apply to that tenant only", async () => {
    const stored = await gw.gateway.routing.ruleStore?.create('globex', {
      name: 'globex-engineers-on-claude',
      conditions: [{ field: 'user.role', operator: 'eq', value: 'engineer' }],
      action: { provider: 'claude' },
      priority: 50,
      enabled: true,
      enforce: false,
    });
    try {
      expect(await chat(KEYS.globex, {})).toMatchObject({
        decidedBy: 'rule',
        target: 'claude/claude-sonnet-4',
      });
      // acme also has engineers, but globex's rule never applies to acme.
      expect(await chat(KEYS.acmeEng, {})).toMatchObject({ decidedBy: 'model', target: 'cloud/gpt-4o-mini' });
    } finally {
      await gw.gateway.routing.ruleStore?.delete('globex', stored?.id ?? '');
    }
    expect((await chat(KEYS.globex, {})).decidedBy).toBe('model');
  });

  it('an inline policy decides and its routing fields never reach the upstream', async () => {
    const result = await chat(KEYS.globex, {
      routing_policy: {
        policy_id: 'mine',
        rules: [
          {
            name: 'tools-to-onprem',
            conditions: [{ field: 'request.stream', operator: 'eq', value: false }],
            action: { provider: 'onprem' },
          },
        ],
      },
    });
    expect(result).toMatchObject({ decidedBy: 'rule', target: 'onprem/llama3.1:8b', policy: 'mine' });
    const forwarded = onprem.requests[0]?.body as Record<string, unknown>;
    expect(forwarded).not.toHaveProperty('routing_policy');
    expect(forwarded.model).toBe('llama3.1:8b');
  });

  it('an invalid inline policy is a 400 that reaches no upstream', async () => {
    const error = await chat(KEYS.globex, {
      routing_policy: { rules: [{ name: 'x', action: { provider: 'nowhere' } }] },
    }).catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as Error).message).toContain('nowhere');
    expect(cloud.requests.length + onprem.requests.length + claude.requests.length).toBe(0);
  });

  it('a policy from the provider decides, with revision, secrets from env, and per-tenant caching', async () => {
    policies.policies.set('team-policy', {
      policy_id: 'team-policy',
      revision: 3,
      schema_version: 1,
      rules: [
        {
          name: 'rnd-to-claude',
          conditions: [{ field: 'user.department', operator: 'eq', value: 'rnd' }],
          action: { provider: 'claude' },
        },
      ],
      default: 'onprem/llama3.1:8b',
    });
    const lookupsBefore = await policyCacheLookups();
    const first = await chat(KEYS.acmeEng, { policy_id: 'team-policy', revision: 3 });
    expect(first).toMatchObject({
      decidedBy: 'rule',
      target: 'claude/claude-sonnet-4',
      policy: 'team-policy@3',
    });
    expect(policies.requests[0]?.headers.authorization).toBe('Bearer policy-token-xyz');
    expect(policies.requests[0]?.query.get('revision')).toBe('3');
    expect(policies.requests[0]?.query.get('tenant')).toBe('acme');
    expect(claude.requests[0]?.body).not.toHaveProperty('policy_id');

    await chat(KEYS.acmeEng, { policy_id: 'team-policy', revision: 2 });
    expect(policies.count('team-policy')).toBe(1);
    // Tenant globex asking for the same id gets its own fetch, never acme's cached entry.
    await chat(KEYS.globex, { policy_id: 'team-policy' });
    expect(policies.count('team-policy')).toBe(2);

    // The policy's default applies when none of its rules match.
    const fallbackToDefault = await chat(KEYS.acmeFinance, { policy_id: 'team-policy' });
    expect(fallbackToDefault).toMatchObject({ decidedBy: 'policy_default', target: 'onprem/llama3.1:8b' });

    // Two fetches (acme, globex), two answers from the cache (acme again, twice), in the metrics.
    const lookupsAfter = await policyCacheLookups();
    expect(lookupsAfter.miss - lookupsBefore.miss).toBe(2);
    expect(lookupsAfter.hit - lookupsBefore.hit).toBe(2);
  });

  it('an unknown policy falls through to the stored and static rules', async () => {
    const result = await chat(KEYS.acmeFinance, { policy_id: 'missing' });
    expect(result).toMatchObject({ decidedBy: 'rule', rule: 'finance-on-claude' });
  });
});

describe('5. requested model and default', () => {
  it('uses the requested model, else the default', async () => {
    expect(await chat(KEYS.globex, { model: 'gpt-4o' })).toMatchObject({
      decidedBy: 'model',
      target: 'cloud/gpt-4o',
    });
    const noModel = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.globex}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(noModel.headers.get('x-switchyard-decided-by')).toBe('default');
  });
});

describe('identity', () => {
  it('refuses an invalid key with 401 in the OpenAI error shape', async () => {
    const error = await chat('sk-not-a-real-key-000000', {}).catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
    expect(JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error)).not.toContain(
      'sk-not-a-real-key',
    );
  });
});

describe('explain', () => {
  const explain = (key: string, body: unknown) =>
    fetch(`${gw.url}/admin/v1/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });

  it('returns the full trace with each condition and its actual value, calling no upstream', async () => {
    const response = await explain(KEYS.admin, {
      request: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      identity: { tenant: 'acme', user: { role: 'analyst', department: 'finance' } },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      decided_by: string;
      targets: string[];
      trace: Array<{ step: string; details?: unknown }>;
    };
    expect(body.decided_by).toBe('rule');
    expect(body.targets).toEqual(['claude/claude-sonnet-4', 'cloud/gpt-4o']);
    expect(body.trace.map((s) => s.step)).toEqual([
      'enforced_rules',
      'direct_backend',
      'session',
      'policy',
      'rules',
    ]);
    const enforced = body.trace[0]?.details as Array<{
      name: string;
      conditions: Array<{ field: string; actual: unknown; passed: boolean }>;
    }>;
    expect(enforced[0]?.conditions[0]).toMatchObject({
      field: 'request.sensitivity',
      actual: 'none',
      passed: false,
    });
    expect(enforced[1]?.conditions[0]).toMatchObject({
      field: 'user.role',
      actual: 'analyst',
      passed: false,
    });
    expect(cloud.requests.length + claude.requests.length).toBe(0);
  });

  it('rates embeddings given as token ids as the embeddings route does', async () => {
    const response = await explain(KEYS.admin, {
      request: { model: 'gpt-4o-mini', input: [9906, 1917] },
      identity: { tenant: 'acme', user: { role: 'analyst', department: 'rnd' } },
    });
    const body = (await response.json()) as { decided_by: string; targets: string[] };
    expect(body).toMatchObject({ decided_by: 'enforced_rule', targets: ['onprem/llama3.1:8b'] });
  });

  it('explains a rejection instead of failing', async () => {
    const response = await explain(KEYS.admin, {
      request: { messages: [{ role: 'user', content: 'x' }] },
      headers: { authorization: `Bearer ${KEYS.acmeIntern}` },
    });
    const body = (await response.json()) as { error: { status: number; code: string }; trace: unknown[] };
    expect(body.error).toMatchObject({ status: 403, code: 'rejected_by_rule' });
    expect(body.trace.length).toBeGreaterThan(0);
  });

  it('refuses non-admin credentials and keeps tenant-scoped admins to their tenant', async () => {
    expect((await explain(KEYS.globex, { request: {} })).status).toBe(403);
    expect((await explain('wrong-admin-key-00000000', { request: {} })).status).toBe(401);
    const other = await explain(KEYS.acmeAdmin, {
      request: { messages: [{ role: 'user', content: 'x' }] },
      identity: { tenant: 'globex' },
    });
    expect(other.status).toBe(403);
    const own = await explain(KEYS.acmeAdmin, {
      request: { messages: [{ role: 'user', content: 'x' }] },
      identity: { tenant: 'acme' },
    });
    expect(own.status).toBe(200);
  });
});

/** The policy cache's lookup counters, as scraped from /metrics. */
async function policyCacheLookups(): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const count = (result: string) =>
    Number(
      text.match(new RegExp(`^switchyard_policy_cache_total\\{result="${result}"\\} (\\d+)$`, 'm'))?.[1] ?? 0,
    );
  return { hit: count('hit'), miss: count('miss') };
}
