import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakePolicyProvider, sendJson, startFakePolicyProvider } from './fake-policy-provider.ts';
import { PolicyCache, type PolicyCacheEvents } from './policy-cache.ts';
import { type PolicyProviderConfigInput, policyProviderSchema } from './provider-config.ts';

let provider: FakePolicyProvider;
let clock: number;
let events: string[];

const recorder: PolicyCacheEvents = {
  hit: () => events.push('hit'),
  miss: () => events.push('miss'),
  stale: () => events.push('stale'),
  error: (reason) => events.push(`error:${reason}`),
  notFound: () => events.push('notFound'),
};

beforeEach(async () => {
  provider = await startFakePolicyProvider();
  clock = 1_000_000;
  events = [];
});

afterEach(async () => {
  await provider.close();
});

function cacheWith(overrides: Partial<PolicyProviderConfigInput> = {}): PolicyCache {
  const config = policyProviderSchema.parse({ url: provider.url, ttl_seconds: 60, ...overrides });
  return new PolicyCache(config, { now: () => clock, events: recorder });
}

function doc(policyId: string, revision: number | undefined, model = 'openai/gpt-4o-mini') {
  return { policy_id: policyId, revision, schema_version: 1, default: model };
}

/** Holds every provider response until `release()`; lets concurrent lookups pile up on one fetch. */
function gateProvider(): { release(): void } {
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const serve = provider.handler;
  provider.handler = async (request, res) => {
    await gate;
    await serve(request, res);
  };
  return { release: () => release() };
}

describe('PolicyCache revisions and TTL', () => {
  it('serves a cached revision 5 to requests for revision ≤ 5 or none; revision 6 fetches', async () => {
    const cache = cacheWith();
    provider.policies.set('p', doc('p', 5));

    expect(await cache.get('acme', 'p', 5)).toMatchObject({ status: 'fetched', revision: 5 });
    expect(await cache.get('acme', 'p', 5)).toMatchObject({ status: 'hit', revision: 5 });
    expect(await cache.get('acme', 'p', 3)).toMatchObject({ status: 'hit', revision: 5 });
    expect(await cache.get('acme', 'p', undefined)).toMatchObject({ status: 'hit', revision: 5 });
    expect(provider.count('p')).toBe(1);

    provider.policies.set('p', doc('p', 6, 'claude/claude-sonnet-4'));
    const newer = await cache.get('acme', 'p', 6);
    expect(newer).toMatchObject({
      status: 'fetched',
      revision: 6,
      document: { default: 'claude/claude-sonnet-4' },
    });
    expect(provider.requests[1]?.query.get('revision')).toBe('6');
    expect(await cache.get('acme', 'p', 6)).toMatchObject({ status: 'hit', revision: 6 });
    expect(provider.count('p')).toBe(2);
    expect(events).toEqual(['miss', 'hit', 'hit', 'hit', 'miss', 'hit']);
  });

  it('asks again while the provider lags behind the requested revision', async () => {
    const cache = cacheWith();
    provider.policies.set('p', doc('p', 5));
    // The provider does not have revision 6 yet: it answers 5, and 5 is what is served.
    expect(await cache.get('acme', 'p', 6)).toMatchObject({ status: 'fetched', revision: 5 });
    expect(await cache.get('acme', 'p', 6)).toMatchObject({ status: 'fetched', revision: 5 });
    expect(await cache.get('acme', 'p', 5)).toMatchObject({ status: 'hit', revision: 5 });
    expect(provider.count('p')).toBe(2);
  });

  it('lets a document without a revision answer for the revision it was fetched for', async () => {
    const cache = cacheWith();
    provider.policies.set('p', doc('p', undefined));
    expect(await cache.get('acme', 'p', 4)).toMatchObject({ status: 'fetched', revision: undefined });
    expect(await cache.get('acme', 'p', 4)).toMatchObject({ status: 'hit' });
    expect(await cache.get('acme', 'p', 5)).toMatchObject({ status: 'fetched' });
    expect(provider.count('p')).toBe(2);
  });

  it('fetches again once the TTL has passed', async () => {
    const cache = cacheWith({ ttl_seconds: 60 });
    provider.policies.set('p', doc('p', 1));
    await cache.get('acme', 'p', undefined);

    clock += 59_999;
    expect(await cache.get('acme', 'p', undefined)).toMatchObject({ status: 'hit' });
    clock += 1;
    provider.policies.set('p', doc('p', 2));
    expect(await cache.get('acme', 'p', undefined)).toMatchObject({ status: 'fetched', revision: 2 });
    expect(provider.count('p')).toBe(2);
  });

  it('caches not-found for not_found_ttl_seconds, then asks again', async () => {
    const cache = cacheWith({ not_found_ttl_seconds: 30 });
    expect(await cache.get('acme', 'ghost', undefined)).toEqual({ status: 'not_found' });
    expect(await cache.get('acme', 'ghost', undefined)).toEqual({ status: 'not_found' });
    expect(provider.count('ghost')).toBe(1);

    clock += 30_000;
    provider.policies.set('ghost', doc('ghost', 1));
    expect(await cache.get('acme', 'ghost', undefined)).toMatchObject({ status: 'fetched', revision: 1 });
    expect(provider.count('ghost')).toBe(2);
    expect(events).toEqual(['miss', 'notFound', 'hit', 'miss']);
  });

  it('does not let a cached not-found answer a request for a newer revision', async () => {
    const cache = cacheWith();
    expect(await cache.get('acme', 'ghost', 1)).toEqual({ status: 'not_found' });
    expect(await cache.get('acme', 'ghost', 1)).toEqual({ status: 'not_found' });
    provider.policies.set('ghost', doc('ghost', 2));
    expect(await cache.get('acme', 'ghost', 2)).toMatchObject({ status: 'fetched', revision: 2 });
    expect(provider.count('ghost')).toBe(2);
  });
});

describe('PolicyCache single flight', () => {
  it('makes exactly one fetch for 100 concurrent misses', async () => {
    const cache = cacheWith();
    provider.policies.set('p', doc('p', 3));
    const gate = gateProvider();

    const lookups = Array.from({ length: 100 }, (_, i) => cache.get('acme', 'p', i % 4));
    await expect.poll(() => provider.count()).toBe(1);
    gate.release();
    const results = await Promise.all(lookups);

    expect(provider.count()).toBe(1);
    expect(results.every((lookup) => lookup.status === 'fetched' && lookup.revision === 3)).toBe(true);
    expect(events.filter((event) => event === 'miss')).toHaveLength(100);
  });

  it('makes a waiter needing a newer revision re-check after the fetch in progress, not race it', async () => {
    const cache = cacheWith();
    provider.policies.set('p', doc('p', 5));
    const gate = gateProvider();

    const older = cache.get('acme', 'p', 5);
    const newer = cache.get('acme', 'p', 6);
    await expect.poll(() => provider.count()).toBe(1);
    // Revision 6 appears while the first fetch (for 5) is in flight; the second lookup must see it.
    provider.policies.set('p', doc('p', 6));
    gate.release();

    expect(await older).toMatchObject({ status: 'fetched', revision: 6 });
    expect(await newer).toMatchObject({ status: 'fetched', revision: 6 });
    // The answer to the first fetch already covers revision 6: no second fetch was needed.
    expect(provider.count()).toBe(1);
  });

  it('fetches again for a waiter whose revision the fetch in progress did not bring back', async () => {
    const cache = cacheWith();
    provider.policies.set('p', doc('p', 5));
    let answered = 0;
    const serve = provider.handler;
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    provider.handler = async (request, res) => {
      if (answered++ === 0) await gate;
      await serve(request, res);
    };

    const older = cache.get('acme', 'p', 5);
    const newer = cache.get('acme', 'p', 6);
    await expect.poll(() => provider.count()).toBe(1);
    release();
    expect(await older).toMatchObject({ status: 'fetched', revision: 5 });
    expect(await newer).toMatchObject({ status: 'fetched', revision: 5 });
    expect(provider.requests.map((request) => request.query.get('revision'))).toEqual(['5', '6']);
  });
});

describe('PolicyCache provider failures', () => {
  it('serves the last document as stale when the provider answers 500, and reports it', async () => {
    const cache = cacheWith({ on_error: 'reject' });
    provider.policies.set('p', doc('p', 5));
    await cache.get('acme', 'p', 5);

    provider.handler = (_request, res) => sendJson(res, 500, { error: 'down' });
    clock += 61_000;
    const lookup = await cache.get('acme', 'p', 5);
    expect(lookup).toMatchObject({
      status: 'stale',
      revision: 5,
      reason: 'policy provider answered HTTP 500',
    });
    // A newer revision cannot be fetched either: the last known document still beats nothing.
    expect(await cache.get('acme', 'p', 9)).toMatchObject({ status: 'stale', revision: 5 });
    expect(events).toEqual([
      'miss',
      'miss',
      'error:policy provider answered HTTP 500',
      'stale',
      'miss',
      'error:policy provider answered HTTP 500',
      'stale',
    ]);
  });

  it('serves stale when the provider is gone altogether', async () => {
    const cache = cacheWith();
    provider.policies.set('p', doc('p', 2));
    await cache.get('acme', 'p', undefined);
    await provider.close();
    clock += 61_000;
    expect(await cache.get('acme', 'p', undefined)).toMatchObject({
      status: 'stale',
      revision: 2,
      reason: 'policy provider unreachable (ECONNREFUSED)',
    });
  });

  it('reports an error carrying on_error when nothing is cached', async () => {
    provider.handler = (_request, res) => sendJson(res, 503, {});
    expect(await cacheWith().get('acme', 'p', 1)).toEqual({
      status: 'error',
      reason: 'policy provider answered HTTP 503',
      onError: 'fallthrough',
    });
    expect(await cacheWith({ on_error: 'reject' }).get('acme', 'p', 1)).toMatchObject({
      status: 'error',
      onError: 'reject',
    });
    // Errors are not cached: each lookup asks again.
    expect(provider.count()).toBe(2);
  });

  it('does not serve a not-found as stale', async () => {
    const cache = cacheWith();
    await cache.get('acme', 'ghost', undefined);
    provider.handler = (_request, res) => sendJson(res, 500, {});
    clock += 31_000;
    expect(await cache.get('acme', 'ghost', undefined)).toMatchObject({ status: 'error' });
  });

  it('refuses (and never caches) documents that fail validation', async () => {
    const cache = cacheWith();
    provider.handler = (_request, res) => sendJson(res, 200, doc('other', 1));
    expect(await cache.get('acme', 'p', 1)).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/policy_id/),
    });
    provider.handler = (_request, res) => sendJson(res, 200, { ...doc('p', 1), schema_version: 99 });
    expect(await cache.get('acme', 'p', 1)).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/schema_version/),
    });
    provider.handler = (_request, res) => sendJson(res, 200, 'not json');
    expect(await cache.get('acme', 'p', 1)).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/JSON/),
    });
    expect(cache.size).toBe(0);
  });

  it('gives up after timeout_ms on a provider that never answers', async () => {
    provider.handler = () => {};
    expect(await cacheWith({ timeout_ms: 100 }).get('acme', 'p', 1)).toMatchObject({
      status: 'error',
      reason: 'policy provider timed out after 100 ms',
    });
  });
});

describe('PolicyCache tenants and bounds', () => {
  it('never serves a policy fetched for one tenant to another', async () => {
    const cache = cacheWith();
    provider.policies.set('shared-id', doc('shared-id', 1, 'openai/gpt-4o'));
    expect(await cache.get('tenant-a', 'shared-id', 1)).toMatchObject({ status: 'fetched' });

    provider.policies.set('shared-id', doc('shared-id', 1, 'onprem/llama3.1:8b'));
    const forB = await cache.get('tenant-b', 'shared-id', 1);
    expect(forB).toMatchObject({ status: 'fetched', document: { default: 'onprem/llama3.1:8b' } });
    expect(await cache.get('tenant-a', 'shared-id', 1)).toMatchObject({
      status: 'hit',
      document: { default: 'openai/gpt-4o' },
    });
    expect(provider.count('shared-id')).toBe(2);
  });

  it('keeps keys unambiguous when tenant and id contain separators', async () => {
    const cache = cacheWith();
    provider.policies.set('b:c', doc('b:c', 1));
    provider.policies.set('c', doc('c', 1));
    await cache.get('a', 'b:c', undefined);
    expect(await cache.get('a:b', 'c', undefined)).toMatchObject({ status: 'fetched' });
    expect(provider.count()).toBe(2);
  });

  it('evicts the least recently used entry past max_entries', async () => {
    const cache = cacheWith({ max_entries: 2 });
    for (const id of ['p1', 'p2', 'p3']) provider.policies.set(id, doc(id, 1));
    await cache.get('acme', 'p1', undefined);
    await cache.get('acme', 'p2', undefined);
    await cache.get('acme', 'p3', undefined);
    expect(cache.size).toBe(2);

    expect(await cache.get('acme', 'p3', undefined)).toMatchObject({ status: 'hit' });
    expect(await cache.get('acme', 'p2', undefined)).toMatchObject({ status: 'hit' });
    expect(await cache.get('acme', 'p1', undefined)).toMatchObject({ status: 'fetched' });
    expect(provider.count('p1')).toBe(2);
  });

  it('invalidates one policy, a whole tenant, or everything', async () => {
    const cache = cacheWith();
    for (const id of ['p1', 'p2']) provider.policies.set(id, doc(id, 1));
    for (const tenant of ['acme', 'acme2']) {
      await cache.get(tenant, 'p1', undefined);
      await cache.get(tenant, 'p2', undefined);
    }

    cache.invalidate('acme', 'p1');
    expect((await cache.get('acme', 'p1', undefined)).status).toBe('fetched');
    expect((await cache.get('acme', 'p2', undefined)).status).toBe('hit');

    cache.invalidate('acme');
    expect((await cache.get('acme', 'p2', undefined)).status).toBe('fetched');
    // `acme2` shares a prefix with `acme` but is another tenant.
    expect((await cache.get('acme2', 'p2', undefined)).status).toBe('hit');

    cache.clear();
    expect(cache.size).toBe(0);
    expect((await cache.get('acme2', 'p1', undefined)).status).toBe('fetched');
  });

  it('does not let a fetch started before invalidate write back its answer', async () => {
    const cache = cacheWith();
    provider.policies.set('p', doc('p', 1));
    const gate = gateProvider();
    const before = cache.get('acme', 'p', undefined);
    await expect.poll(() => provider.count()).toBe(1);
    cache.invalidate('acme', 'p');
    gate.release();
    expect(await before).toMatchObject({ status: 'fetched', revision: 1 });
    expect(cache.size).toBe(0);
  });
});
