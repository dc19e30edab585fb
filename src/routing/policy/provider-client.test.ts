import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakePolicyProvider, sendJson, startFakePolicyProvider } from './fake-policy-provider.ts';
import { fetchPolicy, policyUrl } from './provider-client.ts';
import { type PolicyProviderConfig, policyProviderSchema } from './provider-config.ts';

const SECRET = 'sk-policy-secret-1234';

let provider: FakePolicyProvider;
let config: PolicyProviderConfig;

beforeEach(async () => {
  provider = await startFakePolicyProvider();
  // As the config loader hands it over: `$POLICY_TOKEN` already replaced by its value.
  config = policyProviderSchema.parse({
    url: provider.url,
    headers: { Authorization: `Bearer ${SECRET}`, 'X-Tenant-Scope': 'routing' },
  });
});

afterEach(async () => {
  await provider.close();
});

function doc(policyId: string, revision: number, extra: Record<string, unknown> = {}) {
  return { policy_id: policyId, revision, schema_version: 1, default: 'openai/gpt-4o-mini', ...extra };
}

function expectErrorWithout(outcome: Awaited<ReturnType<typeof fetchPolicy>>, pattern: RegExp): string {
  expect(outcome.kind).toBe('error');
  const reason = outcome.kind === 'error' ? outcome.reason : '';
  expect(reason).toMatch(pattern);
  // Neither secrets nor the provider's address ever reach a reason.
  expect(reason).not.toContain(SECRET);
  expect(reason).not.toContain('127.0.0.1');
  return reason;
}

describe('policyProviderSchema', () => {
  it('fills the defaults', () => {
    expect(policyProviderSchema.parse({ url: 'https://policies.internal/v1/p' })).toEqual({
      url: 'https://policies.internal/v1/p',
      headers: {},
      ttl_seconds: 300,
      timeout_ms: 1500,
      on_error: 'fallthrough',
      max_entries: 10_000,
      not_found_ttl_seconds: 30,
      max_body_bytes: 1024 * 1024,
    });
  });

  it('refuses non-http urls, unknown keys and unknown on_error', () => {
    expect(policyProviderSchema.safeParse({ url: 'file:///etc/passwd' }).success).toBe(false);
    expect(policyProviderSchema.safeParse({ url: 'https://x', ttl: 3 }).success).toBe(false);
    expect(policyProviderSchema.safeParse({ url: 'https://x', on_error: 'ignore' }).success).toBe(false);
  });
});

describe('policyUrl', () => {
  it('keeps the configured query and path; the id is only ever a query value', () => {
    const url = policyUrl(
      'https://p.internal/v1/policy?env=prod&policy_id=evil#frag',
      '../../admin?x=1&y',
      7,
    );
    expect(url.origin).toBe('https://p.internal');
    expect(url.pathname).toBe('/v1/policy');
    expect(url.hash).toBe('');
    expect(url.searchParams.get('env')).toBe('prod');
    expect(url.searchParams.getAll('policy_id')).toEqual(['../../admin?x=1&y']);
    expect(url.searchParams.get('revision')).toBe('7');
  });
});

describe('fetchPolicy against a real HTTP provider', () => {
  it('GETs the policy with policy_id, revision and the configured headers', async () => {
    provider.policies.set('acme-main', doc('acme-main', 5));
    const outcome = await fetchPolicy({ ...config, url: `${provider.url}?env=prod` }, 'acme-main', 5);

    expect(outcome).toEqual({
      kind: 'found',
      document: { ...doc('acme-main', 5), rules: [], routing_preferences: [] },
    });
    const [request] = provider.requests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/v1/routing-policy');
    expect(Object.fromEntries(request?.query ?? [])).toEqual({
      env: 'prod',
      policy_id: 'acme-main',
      revision: '5',
    });
    expect(request?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(request?.headers['x-tenant-scope']).toBe('routing');
    expect(request?.headers.accept).toBe('application/json');
  });

  it('leaves revision out when none is asked for', async () => {
    provider.policies.set('p', doc('p', 1));
    await fetchPolicy(config, 'p', undefined);
    expect(provider.requests[0]?.query.has('revision')).toBe(false);
  });

  it('reports 404 as not_found', async () => {
    expect(await fetchPolicy(config, 'missing', 1)).toEqual({ kind: 'not_found' });
  });

  it('reports other statuses, redirects included, as errors', async () => {
    provider.handler = (_request, res) => sendJson(res, 500, { error: `boom ${SECRET}` });
    expectErrorWithout(await fetchPolicy(config, 'p', 1), /HTTP 500/);

    provider.handler = (_request, res) => {
      res.writeHead(302, { location: 'http://elsewhere.example/steal' }).end();
    };
    expectErrorWithout(await fetchPolicy(config, 'p', 1), /HTTP 302/);
    expect(provider.count()).toBe(2);
  });

  it('refuses a body that is not JSON', async () => {
    provider.handler = (_request, res) => sendJson(res, 200, '{"policy_id": "p", oops');
    expectErrorWithout(await fetchPolicy(config, 'p', 1), /not valid JSON/);
  });

  it('refuses a document for another policy_id', async () => {
    provider.handler = (_request, res) => sendJson(res, 200, doc('someone-else', 1));
    expectErrorWithout(await fetchPolicy(config, 'p', 1), /policy_id "someone-else", asked for "p"/);
  });

  it('refuses an unsupported schema_version', async () => {
    provider.handler = (_request, res) => sendJson(res, 200, doc('p', 1, { schema_version: 2 }));
    expectErrorWithout(await fetchPolicy(config, 'p', 1), /unsupported schema_version 2 \(supported: 1\)/);
  });

  it('names the problem when the document fails the schema', async () => {
    provider.handler = (_request, res) =>
      sendJson(
        res,
        200,
        doc('p', 1, { routing_preferences: [{ name: 'code', description: 'x', models: [] }] }),
      );
    expectErrorWithout(
      await fetchPolicy(config, 'p', 1),
      /invalid policy document: routing_preferences\[0\]\.models/,
    );

    provider.handler = (_request, res) => sendJson(res, 200, [doc('p', 1)]);
    expectErrorWithout(await fetchPolicy(config, 'p', 1), /not a JSON object/);
  });

  it('refuses a body declared larger than max_body_bytes without reading it', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
    provider.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': huge.length });
      res.end(huge);
    };
    expectErrorWithout(await fetchPolicy(config, 'p', 1), /exceeds max_body_bytes \(1048576\)/);
  });

  it('stops reading an endless body past max_body_bytes instead of buffering it', async () => {
    let serverSawClose = false;
    provider.handler = (_request, res) => {
      res.on('close', () => {
        serverSawClose = true;
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      streamForever(res);
    };
    // A body with no end: only a reader that stops at the limit ever returns.
    const outcome = await fetchPolicy({ ...config, timeout_ms: 20_000 }, 'p', 1);
    expectErrorWithout(outcome, /exceeds max_body_bytes/);
    await expect.poll(() => serverSawClose).toBe(true);
  });

  it('gives up after timeout_ms when the provider never answers', async () => {
    provider.handler = () => {
      // Never answers.
    };
    expectErrorWithout(await fetchPolicy({ ...config, timeout_ms: 150 }, 'p', 1), /timed out after 150 ms/);
  });

  it('times out a provider that sends headers and then stalls', async () => {
    provider.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"policy_id":');
    };
    expectErrorWithout(await fetchPolicy({ ...config, timeout_ms: 150 }, 'p', 1), /timed out after 150 ms/);
  });

  it('reports a provider that is down by error code only', async () => {
    await provider.close();
    expectErrorWithout(await fetchPolicy(config, 'p', 1), /unreachable \(ECONNREFUSED\)/);
  });

  it('honours the caller abort signal', async () => {
    provider.handler = () => {};
    const controller = new AbortController();
    const pending = fetchPolicy(config, 'p', 1, controller.signal);
    await expect.poll(() => provider.count()).toBe(1);
    controller.abort();
    expectErrorWithout(await pending, /aborted/);
  });
});

/** Writes 64 KiB chunks, honouring backpressure, until the client goes away. */
function streamForever(res: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  function pump(): void {
    while (!res.destroyed && res.write(chunk)) {
      // Keep writing while the socket accepts.
    }
    if (!res.destroyed) res.once('drain', pump);
  }
  res.once('close', () => res.removeAllListeners('drain'));
  pump();
}
