import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * Preference routes end to end (DESIGN §2 step 4, §3): a fake router model speaking the OpenAI chat
 * format picks the route, the route's models are ranked by price (config pricing and a models.dev
 * price list) or by latency this gateway observed, and anything short of a clear answer falls
 * back to the default. `POST /v1/route` returns the same decision without calling a model.
 */
let router: FakeOpenAI;
let cloud: FakeOpenAI;
let slow: FakeOpenAI;
let fast: FakeOpenAI;
let oai: FakeOpenAI;
let priceServer: Server;
let priceFetches = 0;
let gw: TestGateway;

const KEYS = { dev: 'sk-acme-dev-0000000000001', intern: 'sk-acme-intern-00000000002' };
const ROUTER = 'arch-router';

/** models.dev shape. `cloud` is listed too, with prices its config `pricing` must override. */
const PRICE_LIST = {
  openai: {
    id: 'openai',
    models: {
      'gpt-4o': { cost: { input: 0.1, output: 0.2 } },
      'gpt-4o-mini': { cost: { input: 3, output: 12 } },
    },
  },
  cloud: { id: 'cloud', models: { 'gpt-4o': { cost: { input: 0.01, output: 0.01 } } } },
};

function client(key = KEYS.dev, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: headers });
}

interface Served {
  decidedBy: string | null;
  route: string | null;
  target: string;
}

async function chat(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  key = KEYS.dev,
): Promise<Served> {
  const { response } = await client(key, headers)
    .chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'fix this python loop' }],
      ...body,
    } as never)
    .withResponse();
  return {
    decidedBy: response.headers.get('x-switchyard-decided-by'),
    route: response.headers.get('x-switchyard-route'),
    target: `${response.headers.get('x-switchyard-provider')}/${response.headers.get('x-switchyard-model')}`,
  };
}

interface RouteDecision {
  object: string;
  decided_by: string;
  route: string | null;
  targets: string[];
  trace: Array<{
    step: string;
    decided: boolean;
    reason: string;
    details?: { ranking?: Array<{ target: string; value: number | null; unit: string }> };
  }>;
}

async function decideOnly(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  key = KEYS.dev,
) {
  const response = await fetch(`${gw.url}/v1/route`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'fix this python loop' }],
      ...body,
    }),
  });
  return { status: response.status, body: (await response.json()) as RouteDecision };
}

function preferenceStep(decision: RouteDecision) {
  return decision.trace.find((step) => step.step === 'preferences');
}

/** The prompt of the router request at `index`. */
function promptSent(index: number): string {
  const body = router.requests[index]?.body as { messages?: Array<{ content?: string }> } | undefined;
  return body?.messages?.[0]?.content ?? '';
}

function answer(reply: string): void {
  router.setBehaviour(ROUTER, { reply });
}

beforeAll(async () => {
  [router, cloud, slow, fast, oai] = await Promise.all([
    startFakeOpenAI({ name: 'router' }),
    startFakeOpenAI({ name: 'cloud' }),
    startFakeOpenAI({ name: 'slow' }),
    startFakeOpenAI({ name: 'fast' }),
    startFakeOpenAI({ name: 'oai' }),
  ]);
  priceServer = createServer((_req, res) => {
    priceFetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(PRICE_LIST));
  });
  await new Promise<void>((resolve) => priceServer.listen(0, '127.0.0.1', resolve));
  const priceUrl = `http://127.0.0.1:${(priceServer.address() as AddressInfo).port}/api.json`;
  gw = await startTestGateway(
    `
version: 1
providers:
  - {name: router, kind: openai-compatible, base_url: "${router.url}", models: [${ROUTER}],
     circuit_breaker: {failure_threshold: 1000}}
  - {name: cloud, kind: openai-compatible, base_url: "${cloud.url}", models: [gpt-4o, gpt-4o-mini, text-embedding-3-small],
     pricing: {gpt-4o: {input: 2.5, output: 10}, gpt-4o-mini: {input: 0.15, output: 0.6}}}
  - {name: slow, kind: openai-compatible, base_url: "${slow.url}", models: [m, s]}
  - {name: fast, kind: openai-compatible, base_url: "${fast.url}", models: [m, s]}
  - {name: oai, kind: openai, base_url: "${oai.url}", api_key: "$OAI_KEY", models: [gpt-4o, gpt-4o-mini]}
identity:
  api_keys:
    - {key: "$DEV", tenant: acme, user: {id: u1, role: developer}}
    - {key: "$INTERN", tenant: acme, user: {id: u2, role: intern}}
routing:
  default: cloud/gpt-4o-mini
  session_affinity: {ttl_seconds: 60}
  inline_policy: {enabled: true}
  router: {provider: router, model: ${ROUTER}, timeout_ms: 400}
  price_list: {url: "${priceUrl}", refresh_seconds: 3600}
  rules:
    - {name: no-interns, conditions: [{field: user.role, operator: eq, value: intern}], action: {reject: "Interns may not use models"}}
  routing_preferences:
    - {name: code, description: "writing, reviewing or fixing code", models: [cloud/gpt-4o, cloud/gpt-4o-mini],
       selection_policy: {prefer: cheapest}}
    - {name: chat, description: "small talk and greetings", models: [slow/m, fast/m], selection_policy: {prefer: fastest}}
    - {name: legal, description: "contracts and terms", models: [oai/gpt-4o-mini, oai/gpt-4o], selection_policy: {prefer: cheapest}}
    - {name: listed, description: "anything about travel", models: [cloud/gpt-4o, cloud/gpt-4o-mini]}
`,
    { env: { DEV: KEYS.dev, INTERN: KEYS.intern, OAI_KEY: 'sk-oai-test' } },
  );
  // The price list is fetched when the gateway starts; wait for that fetch (or one more) to land.
  await gw.gateway.routing.preferences.prices.refresh();
});

afterAll(async () => {
  await gw.close();
  await Promise.all([router, cloud, slow, fast, oai].map((fake) => fake.close()));
  priceServer.closeAllConnections();
  await new Promise((resolve) => priceServer.close(resolve));
});

beforeEach(() => {
  for (const fake of [router, cloud, slow, fast, oai]) fake.reset();
});

describe('the router model picks the route', () => {
  it('routes as the router answers, ranked by the route selection policy', async () => {
    answer('{"route": "code"}');
    const served = await chat({
      messages: [
        { role: 'system', content: 'You are a terse assistant' },
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: 'fix this python loop' },
      ],
    });
    // cheapest by the config pricing: gpt-4o-mini (0.75) before gpt-4o (12.5).
    expect(served).toEqual({ decidedBy: 'preference', route: 'code', target: 'cloud/gpt-4o-mini' });
    expect(router.countFor(ROUTER)).toBe(1);

    const sent = router.requests[0]?.body as {
      model: string;
      temperature: number;
      max_tokens: number;
      messages: Array<{ role: string; content: string }>;
    };
    expect(sent).toMatchObject({ model: ROUTER, temperature: 0, max_tokens: 32 });
    expect(sent.messages).toHaveLength(1);
    const prompt = sent.messages[0]?.content ?? '';
    const routes = JSON.parse(/<routes>\n(.*)\n<\/routes>/.exec(prompt)?.[1] ?? 'null');
    expect(routes).toEqual([
      { name: 'code', description: 'writing, reviewing or fixing code' },
      { name: 'chat', description: 'small talk and greetings' },
      { name: 'legal', description: 'contracts and terms' },
      { name: 'listed', description: 'anything about travel' },
    ]);
    const conversation = JSON.parse(/<conversation>\n(.*)\n<\/conversation>/.exec(prompt)?.[1] ?? 'null');
    expect(conversation).toEqual([
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'Hi! How can I help?' },
      { role: 'user', content: 'fix this python loop' },
    ]);
    expect(prompt).toContain('{"route": "other"}');
  });

  it('reads a fenced, single-quoted answer with text around it', async () => {
    answer("Here you go:\n```json\n{'route': 'listed'}\n```");
    expect(await chat({})).toEqual({ decidedBy: 'preference', route: 'listed', target: 'cloud/gpt-4o' });
  });

  it('falls back to the default on "other", unknown names, malformed answers, errors and timeouts', async () => {
    const cases: Array<[string, () => void, RegExp]> = [
      ['other', () => answer('{"route": "other"}'), /answered "other"/],
      ['unknown', () => answer('{"route": "poetry"}'), /named "poetry", which is not one of the routes/],
      ['malformed', () => answer('I would pick the coding one'), /answer is not \{"route"/],
      ['error', () => router.setBehaviour(ROUTER, { status: 500 }), /failed: HTTP 500/],
      ['bad body', () => router.setBehaviour(ROUTER, { fault: 'garbage' }), /failed: invalid response/],
      ['refused', () => router.setBehaviour(ROUTER, { fault: 'refuse' }), /failed: /],
      ['slow', () => router.setBehaviour(ROUTER, { latencyMs: 5000 }), /timed out after 400 ms/],
      // A router that never answers must not hold the request: the test would time out if it did.
      ['hung', () => router.setBehaviour(ROUTER, { fault: 'hang-before-headers' }), /timed out after 400 ms/],
    ];
    for (const [name, setUp, reason] of cases) {
      setUp();
      const served = await chat({});
      expect(served, name).toEqual({ decidedBy: 'model', route: null, target: 'cloud/gpt-4o' });
      const { body } = await decideOnly({});
      expect(body.decided_by, name).toBe('model');
      expect(preferenceStep(body)?.reason, name).toMatch(reason);
      expect(preferenceStep(body)?.decided, name).toBe(false);
    }
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    for (const outcome of ['none', 'unknown_route', 'malformed', 'error', 'timeout']) {
      expect(metrics).toMatch(new RegExp(`switchyard_router_calls_total\\{outcome="${outcome}"\\} [1-9]`));
    }
  });

  it("falls back to the policy's default when the policy has one", async () => {
    answer('{"route": "other"}');
    const served = await chat({
      routing_policy: {
        routing_preferences: [{ name: 'code', description: 'code', models: ['cloud/gpt-4o'] }],
        default: 'oai/gpt-4o',
      },
    });
    expect(served).toEqual({ decidedBy: 'policy_default', route: null, target: 'oai/gpt-4o' });
  });

  it('does not call the router when there is no user text', async () => {
    answer('{"route": "code"}');
    const { body } = await decideOnly({ messages: [{ role: 'system', content: 'only a system prompt' }] });
    expect(body.decided_by).toBe('model');
    expect(preferenceStep(body)?.reason).toBe('no user text for the router model to read');
    expect(router.countFor(ROUTER)).toBe(0);
  });

  it('does not route embeddings by preference: the routes name chat models', async () => {
    answer('{"route": "code"}');
    const { response } = await client()
      .embeddings.create({ model: 'text-embedding-3-small', input: 'fix this python loop' })
      .withResponse();
    expect(response.headers.get('x-switchyard-decided-by')).toBe('model');
    expect(router.countFor(ROUTER)).toBe(0);
  });

  it('rules decide before preference routes, and a rejection costs no router call', async () => {
    answer('{"route": "code"}');
    const rejected = await chat({}, {}, KEYS.intern).catch((error: unknown) => error);
    expect((rejected as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    expect(router.countFor(ROUTER)).toBe(0);
  });
});

describe('inline preferences', () => {
  it('override the config for that request and are not forwarded', async () => {
    answer('{"route": "summaries"}');
    const inline = [{ name: 'summaries', description: 'summarising documents', models: ['oai/gpt-4o'] }];
    const served = await chat({ routing_preferences: inline });
    expect(served).toEqual({ decidedBy: 'preference', route: 'summaries', target: 'oai/gpt-4o' });
    const prompt = promptSent(0);
    expect(prompt).toContain('"name":"summaries"');
    expect(prompt).not.toContain('"name":"code"');
    expect(oai.requests[0]?.body).not.toHaveProperty('routing_preferences');

    // A config route name is not one of this request's routes.
    answer('{"route": "code"}');
    const { body } = await decideOnly({ routing_preferences: inline });
    expect(body.decided_by).toBe('model');
    expect(preferenceStep(body)?.reason).toMatch(/named "code", which is not one of the routes/);
  });
});

describe('ranking', () => {
  it('cheapest reads the config pricing first, then the price list', async () => {
    answer('{"route": "code"}');
    const code = (await decideOnly({})).body;
    // The price list says cloud/gpt-4o is nearly free; the operator's own pricing wins.
    expect(code.targets).toEqual(['cloud/gpt-4o-mini', 'cloud/gpt-4o']);
    expect(preferenceStep(code)?.details?.ranking).toEqual([
      { target: 'cloud/gpt-4o-mini', value: 0.75, unit: 'usd_per_million_tokens' },
      { target: 'cloud/gpt-4o', value: 12.5, unit: 'usd_per_million_tokens' },
    ]);

    expect(priceFetches).toBeGreaterThan(0);
    // `oai` has no pricing of its own; it is kind openai, so the list's `openai` entry applies,
    // which flips the listed order.
    answer('{"route": "legal"}');
    const legal = (await decideOnly({})).body;
    expect(legal.targets).toEqual(['oai/gpt-4o', 'oai/gpt-4o-mini']);
    expect(preferenceStep(legal)?.reason).toContain(
      'cheapest: oai/gpt-4o (0.3 USD/M tokens), oai/gpt-4o-mini (15 USD/M tokens)',
    );
  });

  it('none keeps the listed order', async () => {
    answer('{"route": "listed"}');
    expect((await decideOnly({})).body.targets).toEqual(['cloud/gpt-4o', 'cloud/gpt-4o-mini']);
  });

  it('fastest follows the latency this gateway observes, and flips when it changes', async () => {
    const drive = async (times: number) => {
      answer('{"route": "other"}');
      for (let i = 0; i < times; i++) {
        await chat({ model: 'slow/m' });
        await chat({ model: 'fast/m' });
      }
      answer('{"route": "chat"}');
      return (await decideOnly({ messages: [{ role: 'user', content: 'how are you today?' }] })).body;
    };
    answer('{"route": "chat"}');
    // No observations yet: the listed order.
    expect((await decideOnly({})).body.targets).toEqual(['slow/m', 'fast/m']);

    slow.setBehaviour('m', { latencyMs: 150 });
    fast.setBehaviour('m', {});
    const first = await drive(3);
    expect(first.targets).toEqual(['fast/m', 'slow/m']);
    expect(preferenceStep(first)?.details?.ranking?.[0]).toMatchObject({
      target: 'fast/m',
      unit: 'ms_total',
    });

    slow.setBehaviour('m', {});
    fast.setBehaviour('m', { latencyMs: 150 });
    const flipped = await drive(5);
    expect(flipped.targets).toEqual(['slow/m', 'fast/m']);

    // The ranked list is the primary and its fallbacks: a failing primary falls back to the next.
    slow.setBehaviour('m', { status: 503 });
    answer('{"route": "chat"}');
    expect(await chat({ messages: [{ role: 'user', content: 'hi there' }] })).toEqual({
      decidedBy: 'preference',
      route: 'chat',
      target: 'fast/m',
    });
  });

  it('a stream ranks by time to first token, which streamed traffic feeds', async () => {
    answer('{"route": "other"}');
    const stream = await client().chat.completions.create({
      model: 'fast/s',
      stream: true,
      messages: [{ role: 'user', content: 'hello' }],
    });
    for await (const _chunk of stream) {
      // drain
    }
    answer('{"route": "s"}');
    const inline = [
      {
        name: 's',
        description: 'streams',
        models: ['slow/s', 'fast/s'],
        selection_policy: { prefer: 'fastest' },
      },
    ];
    const { body } = await decideOnly({ stream: true, routing_preferences: inline });
    expect(body.targets).toEqual(['fast/s', 'slow/s']);
    const ranking = preferenceStep(body)?.details?.ranking;
    expect(ranking?.[0]).toMatchObject({ target: 'fast/s', unit: 'ms_to_first_token' });
    expect(ranking?.[0]?.value).toEqual(expect.any(Number));
    expect(ranking?.[1]?.value).toBeNull();
  });
});

describe('session affinity', () => {
  it('calls the router once per session; later turns are pinned to the served model', async () => {
    answer('{"route": "code"}');
    const session = { 'x-session-id': 'pref-session-1' };
    const messages: Array<{ role: string; content: string }> = [
      { role: 'user', content: 'write a bash script' },
    ];
    const first = await chat({ messages }, session);
    expect(first).toEqual({ decidedBy: 'preference', route: 'code', target: 'cloud/gpt-4o-mini' });

    // The router would now pick another route; the session keeps its model.
    answer('{"route": "legal"}');
    for (const turn of ['thanks, now add error handling', 'and a usage message']) {
      messages.push({ role: 'assistant', content: 'done' }, { role: 'user', content: turn });
      expect(await chat({ messages }, session)).toEqual({
        decidedBy: 'session',
        route: null,
        target: 'cloud/gpt-4o-mini',
      });
    }
    expect(router.countFor(ROUTER)).toBe(1);

    // Another session asks the router again.
    expect((await chat({ messages }, { 'x-session-id': 'pref-session-2' })).route).toBe('legal');
    expect(router.countFor(ROUTER)).toBe(2);
  });
});

describe('POST /v1/route', () => {
  it('returns the decision the proxy path makes, calling no model and pinning no session', async () => {
    answer('{"route": "code"}');
    const body = { messages: [{ role: 'user', content: 'refactor this function' }] };
    const decided = await decideOnly(body, { 'x-session-id': 'route-only' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({
      object: 'switchyard.route',
      decided_by: 'preference',
      route: 'code',
    });
    expect(decided.body.targets).toEqual(['cloud/gpt-4o-mini', 'cloud/gpt-4o']);
    expect(decided.body.trace.map((s) => s.step)).toEqual([
      'enforced_rules',
      'direct_backend',
      'session',
      'policy',
      'rules',
      'preferences',
    ]);
    expect(cloud.requests).toHaveLength(0);

    // Nothing was pinned: the proxy path decides the same way, by preference.
    const served = await chat(body, { 'x-session-id': 'route-only' });
    expect(served).toEqual({
      decidedBy: decided.body.decided_by,
      route: decided.body.route,
      target: decided.body.targets[0],
    });
  });

  it('decides for the caller the same identity and errors as the proxy path', async () => {
    const rejected = await decideOnly({}, {}, KEYS.intern);
    expect(rejected.status).toBe(403);
    expect(JSON.stringify(rejected.body)).toContain('Interns may not use models');
    const unauthenticated = await decideOnly({}, {}, 'sk-wrong-key-000000000000');
    expect(unauthenticated.status).toBe(401);
    const invalid = await fetch(`${gw.url}/v1/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.dev}` },
      body: JSON.stringify({ model: 'gpt-4o' }),
    });
    expect(invalid.status).toBe(400);
    expect(router.countFor(ROUTER)).toBe(0);
  });
});

describe('a failing router model', () => {
  it('is skipped while its circuit is open, so requests stop paying its timeout', async () => {
    const own = await startTestGateway(`
version: 1
providers:
  - {name: router, kind: openai-compatible, base_url: "${router.url}", models: [${ROUTER}],
     circuit_breaker: {failure_threshold: 2, cooldown_ms: 600000}}
  - {name: cloud, kind: openai-compatible, base_url: "${cloud.url}", models: [gpt-4o]}
routing:
  router: {provider: router, model: ${ROUTER}, timeout_ms: 200}
  routing_preferences:
    - {name: code, description: "code", models: [cloud/gpt-4o]}
`);
    try {
      const decide = async () => {
        const response = await fetch(`${own.url}/v1/route`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'fix this loop' }] }),
        });
        return preferenceStep((await response.json()) as RouteDecision)?.reason;
      };
      router.setBehaviour(ROUTER, { fault: 'hang-before-headers' });
      expect(await decide()).toMatch(/timed out/);
      expect(await decide()).toMatch(/timed out/);
      expect(await decide()).toMatch(/keeps failing \(circuit open\)/);
      expect(router.countFor(ROUTER)).toBe(2);
    } finally {
      await own.close();
    }
  });
});
