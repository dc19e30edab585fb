import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../gateway.ts';
import { createLogger } from '../observability/logger.ts';
import { type FakePolicyProvider, startFakePolicyProvider } from '../routing/policy/fake-policy-provider.ts';
import { MemoryRuleStore } from '../stores/memory-rule-store.ts';
import { rememberSession, routeRequest } from './route-request.ts';

/**
 * A request whose lookups all answer from memory (API key, tenant rules, session, cached policy) is
 * decided without waiting: the decision comes back as a value, not a promise. Only what really has
 * to wait — a policy not yet fetched, a JWT — returns a promise.
 */
const API_KEY = 'sk-route-request-test-0123456789';

let policies: FakePolicyProvider;
let gateway: Gateway;

beforeAll(async () => {
  policies = await startFakePolicyProvider();
  policies.policies.set('p1', {
    policy_id: 'p1',
    revision: 1,
    schema_version: 1,
    rules: [
      {
        name: 'analysts',
        priority: 1,
        conditions: [{ field: 'user.department', operator: 'eq', value: 'analytics' }],
        action: { provider: 'b', model: 'gpt-4o' },
      },
    ],
  });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  gateway = await Gateway.create({
    logger: createLogger({ level: 'info' }, sink),
    ruleStore: new MemoryRuleStore(),
    configText: JSON.stringify({
      version: 1,
      providers: [
        { name: 'a', kind: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1', models: ['gpt-4o-mini'] },
        { name: 'b', kind: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1', models: ['gpt-4o'] },
      ],
      identity: {
        required: true,
        api_keys: [{ key: API_KEY, tenant: 'acme', user: { id: 'u1', department: 'analytics' } }],
      },
      routing: {
        default: 'a/gpt-4o-mini',
        session_affinity: { ttl_seconds: 60 },
        policy_provider: { url: policies.url, ttl_seconds: 3600 },
      },
    }),
  });
});

afterAll(async () => {
  await gateway?.close();
  await policies?.close();
});

function route(headers: Record<string, string>, body: Record<string, unknown>) {
  const snapshot = gateway.snapshot;
  const identity = snapshot.authenticator.authenticate(headers);
  if (identity instanceof Promise) throw new Error('an API key should be checked without waiting');
  return routeRequest({ gateway, snapshot, identity, body, headers });
}

describe('routeRequest', () => {
  const headers = { authorization: `Bearer ${API_KEY}` };
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], policy_id: 'p1' };

  it('waits only for the policy it has not fetched yet, then decides at once', async () => {
    const first = route({ ...headers, 'x-session-id': 's1' }, body);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ decidedBy: 'rule', rule: { name: 'analysts' } });

    const second = route({ ...headers, 'x-session-id': 's2' }, body);
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toMatchObject({ decidedBy: 'rule', rule: { name: 'analysts' }, sessionKey: 'acme:s2' });
    expect(policies.count('p1')).toBe(1);
  });

  it('decides a pinned session at once', async () => {
    const decided = await route({ ...headers, 'x-session-id': 's3' }, body);
    const served = decided.targets[0];
    if (!served) throw new Error('no target');
    rememberSession(gateway, decided, served);
    const next = route({ ...headers, 'x-session-id': 's3' }, body);
    expect(next).not.toBeInstanceOf(Promise);
    expect(next).toMatchObject({ decidedBy: 'session', targets: [{ key: 'b/gpt-4o' }] });
  });

  it('throws a refusal at once too, with nothing to wait for', () => {
    expect(() => route(headers, { ...body, policy_id: undefined, routing_policy: { rules: 'no' } })).toThrow(
      /inline routing polic/i,
    );
  });
});
