import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakePolicyProvider,
  sendJson,
  startFakePolicyProvider,
} from '../../src/routing/policy/fake-policy-provider.ts';
import { type FakeBehaviour, type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * Upstream and policy-provider faults: for each, what the client sees, and that the gateway keeps
 * serving afterwards. With a fallback target the client gets the fallback's answer; without one, a
 * clean error in the OpenAI shape.
 */
let flaky: FakeOpenAI;
let backup: FakeOpenAI;
let policies: FakePolicyProvider;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  [flaky, backup, policies] = await Promise.all([
    startFakeOpenAI({ name: 'flaky' }),
    startFakeOpenAI({ name: 'backup' }),
    startFakePolicyProvider(),
  ]);
  gw = await startTestGateway(`
version: 1
server: {request_timeout_ms: 3000, stream_idle_timeout_ms: 400}
providers:
  - {name: flaky, kind: openai-compatible, base_url: "${flaky.url}", models: [f1], timeout_ms: 400,
     circuit_breaker: {failure_threshold: 1000, cooldown_ms: 1000}}
  - {name: backup, kind: openai-compatible, base_url: "${backup.url}", models: [b1]}
models:
  chain: [flaky/f1, backup/b1]
  alone: [flaky/f1]
routing:
  policy_provider: {url: "${policies.url}", timeout_ms: 300, max_body_bytes: 4096, on_error: fallthrough}
  rules: [{name: to-backup, priority: 50, conditions: [{field: request.metadata.route, operator: eq, value: backup}], action: {provider: backup}}]
`);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await Promise.all([flaky.close(), backup.close(), policies.close()]);
});

beforeEach(() => {
  flaky.reset();
  backup.reset();
  gw.gateway.health.clear();
});

const ask = (model: string, stream = false) =>
  client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'one two three four' }],
    stream,
  } as never);

async function drain(
  stream: AsyncIterable<{ choices: Array<{ delta: { content?: string | null } }> }>,
): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  return text;
}

async function stillServing(): Promise<void> {
  flaky.reset();
  const ok = (await ask('alone')) as OpenAI.Chat.ChatCompletion;
  expect(ok.choices[0]?.message.content).toContain('flaky');
}

const BEFORE_ANY_BYTE: Array<[string, FakeBehaviour]> = [
  ['refuses the connection', { fault: 'refuse' }],
  ['resets before headers', { fault: 'reset-before-headers' }],
  ['resets mid-body', { fault: 'reset-mid-body' }],
  ['hangs before headers', { fault: 'hang-before-headers' }],
  ['answers garbage', { fault: 'garbage' }],
  ['answers truncated JSON', { fault: 'truncated-json' }],
  ['answers 500', { status: 500 }],
  ['answers 429', { status: 429 }],
];

describe.each(BEFORE_ANY_BYTE)('an upstream that %s', (_name, behaviour) => {
  it('falls back when there is another target', async () => {
    flaky.setBehaviour('*', behaviour);
    const answer = (await ask('chain')) as OpenAI.Chat.ChatCompletion;
    expect(answer.choices[0]?.message.content).toContain('backup');
    await stillServing();
  });

  it('answers a clean error when there is none', async () => {
    flaky.setBehaviour('*', behaviour);
    const error = (await ask('alone').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect([429, 500, 502, 504]).toContain(error.status);
    expect(error.message).not.toMatch(/127\.0\.0\.1|ECONN|at .*\.ts/);
    await stillServing();
  });
});

describe('streams', () => {
  it.each([
    ['resets mid-stream', { fault: 'reset-mid-stream' } as FakeBehaviour, /upstream/],
    ['hangs mid-stream', { fault: 'hang-mid-stream' } as FakeBehaviour, /idle/],
    ['ends without [DONE]', { fault: 'stream-without-done' } as FakeBehaviour, /before it was complete/],
  ])(
    'an upstream that %s ends the client stream with an error, and no other target is tried',
    async (_name, behaviour, message) => {
      flaky.setBehaviour('*', { ...behaviour, reply: 'a b c d e f' });
      const stream = (await ask('chain', true)) as unknown as AsyncIterable<never>;
      await expect(drain(stream)).rejects.toThrow(message);
      expect(backup.requests).toHaveLength(0);
      await stillServing();
    },
  );

  it('a slow trickle is relayed chunk by chunk while it keeps within the idle timeout', async () => {
    flaky.setBehaviour('*', { reply: 'slow but steady words', chunkDelayMs: 150 });
    const text = await drain((await ask('alone', true)) as unknown as AsyncIterable<never>);
    expect(text).toBe('slow but steady words');
  });

  it('a 429 storm moves traffic to the fallback without failing clients', async () => {
    flaky.setBehaviour('*', { status: 429 });
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => ask('chain') as Promise<OpenAI.Chat.ChatCompletion>),
    );
    expect(answers.every((a) => a.choices[0]?.message.content?.includes('backup'))).toBe(true);
  });
});

describe('policy provider faults fall through to the stored and static rules', () => {
  const withPolicy = (policyId: string) =>
    client.chat.completions
      .create({
        model: 'alone',
        messages: [{ role: 'user', content: 'x' }],
        policy_id: policyId,
        metadata: { route: 'backup' },
      } as never)
      .withResponse();

  it.each([
    [
      'down (500)',
      (_req: unknown, res: Parameters<typeof sendJson>[0]) => sendJson(res, 500, { error: 'boom' }),
    ],
    ['slow', () => new Promise<void>(() => {})],
    [
      'invalid JSON',
      (_req: unknown, res: Parameters<typeof sendJson>[0]) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end('{not json'),
    ],
    [
      'the wrong policy_id',
      (_req: unknown, res: Parameters<typeof sendJson>[0]) =>
        sendJson(res, 200, { policy_id: 'other', revision: 1, schema_version: 1 }),
    ],
    [
      'a huge body',
      (_req: unknown, res: Parameters<typeof sendJson>[0]) =>
        sendJson(res, 200, { policy_id: 'p', schema_version: 1, pad: 'x'.repeat(100_000) }),
    ],
  ])('provider %s', async (_name, handler) => {
    policies.handler = handler as never;
    const { data, response } = await withPolicy(`p-${Math.random().toString(36).slice(2)}`);
    expect(response.headers.get('x-switchyard-decided-by')).toBe('rule');
    expect((data as OpenAI.Chat.ChatCompletion).choices[0]?.message.content).toContain('backup');
  });
});
