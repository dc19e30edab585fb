import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakePolicyProvider,
  startFakePolicyProvider,
} from '../../src/routing/policy/fake-policy-provider.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** Boundaries no request can cross: metrics labels, the policy provider's address, backends. */
let upstream: FakeOpenAI;
let elsewhere: FakeOpenAI;
let policies: FakePolicyProvider;
let gw: TestGateway;
const KEY = 'sk-tenant-key-0000000001';

beforeAll(async () => {
  [upstream, elsewhere, policies] = await Promise.all([
    startFakeOpenAI({ name: 'up' }),
    startFakeOpenAI({ name: 'elsewhere' }),
    startFakePolicyProvider(),
  ]);
  gw = await startTestGateway(
    `
version: 1
providers:
  - {name: up, kind: openai-compatible, base_url: "${upstream.url}", models: [m1]}
  - {name: hidden, kind: openai-compatible, base_url: "${elsewhere.url}", models: [h1]}
  - {name: open, kind: openai-compatible, base_url: "${upstream.url}"}
identity: {api_keys: [{key: "$KEY", tenant: acme}]}
routing:
  default: up/m1
  direct_backend: {enabled: true, allowed: [up]}
  inline_policy: {enabled: true}
  policy_provider: {url: "${policies.url}"}
  rules:
    - {name: secret-stays, enforce: true, priority: 1, conditions: [{field: request.sensitivity, operator: gte, value: critical}], action: {provider: up}}
`,
    { env: { KEY } },
  );
});

afterAll(async () => {
  await gw.close();
  await Promise.all([upstream.close(), elsewhere.close(), policies.close()]);
});

const send = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });

describe('metrics labels', () => {
  it('never carry a request-supplied value', async () => {
    const marker = `zz-${Math.random().toString(36).slice(2)}`;
    await send({ model: `${marker}-model` });
    await send(
      { model: 'm1', metadata: { route: marker } },
      { 'x-session-id': marker, 'x-use-case': marker },
    );
    await send({ model: 'm1', policy_id: marker });
    // A provider that lists no models serves any name: its series are labelled model="*".
    const served = await send({ model: `open/${marker}-free` });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-switchyard-model')).toBe(`${marker}-free`);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).not.toContain(marker);
  });
});

describe('the policy provider', () => {
  it('is only ever called at its configured address, whatever the request says (no SSRF)', async () => {
    elsewhere.reset();
    policies.requests.length = 0;
    for (const policyId of [elsewhere.url, `../../${elsewhere.url}`, 'p?x=1&url=http://127.0.0.1/']) {
      await send({
        model: 'm1',
        policy_id: policyId,
        policy_url: elsewhere.url,
        policy_provider: { url: elsewhere.url },
      });
    }
    expect(elsewhere.requests).toHaveLength(0);
    for (const request of policies.requests) expect(request.path).toBe(new URL(policies.url).pathname);
  });
});

describe('decision headers', () => {
  it('carry a policy id or model that is not plain ASCII percent-encoded, never breaking the response', async () => {
    const response = await send({
      model: 'm1',
      routing_policy: { policy_id: 'politique-été→ß', default: 'up/m1' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-policy')).toBe(encodeURIComponent('politique-été→ß'));
  });
});

describe('upstream credentials', () => {
  it("an upstream's 401 reaches the client as a 502 about the gateway's key, not as the client's auth failure", async () => {
    upstream.setBehaviour('m1', { status: 401, errorMessage: 'Incorrect API key provided: sk-...abcd' });
    try {
      const response = await send({ model: 'm1' });
      expect(response.status).toBe(502);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('upstream_auth_failed');
      expect(body.error.message).not.toContain('sk-');
    } finally {
      upstream.reset();
    }
  });
});

describe('backends', () => {
  it('the direct-backend header cannot reach a backend outside its allow-list, in any spelling', async () => {
    elsewhere.reset();
    for (const value of ['hidden', 'hidden/h1', ' hidden', 'HIDDEN', 'up/../hidden/h1', 'hidden\t']) {
      const response = await send({ model: 'm1' }, { 'x-ai-gateway-backend': value });
      expect(response.status).toBe(400);
    }
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('an inline policy cannot route around an enforced rule', async () => {
    elsewhere.reset();
    const response = await send({
      messages: [{ role: 'user', content: 'my key is sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD' }],
      routing_policy: { rules: [{ name: 'escape', action: { provider: 'hidden' } }] },
    });
    expect(response.headers.get('x-switchyard-decided-by')).toBe('enforced_rule');
    expect(elsewhere.requests).toHaveLength(0);
  });
});
