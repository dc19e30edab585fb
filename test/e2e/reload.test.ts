import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** Config reloads: built beside the old snapshot, swapped whole, refused when invalid. */
let upstream: FakeOpenAI;
let gw: TestGateway;
let dir: string;
let configPath: string;

const configWith = (alias: string, latency = 0) => `
version: 1
providers:
  - {name: up, kind: openai-compatible, base_url: "${upstream.url}", models: [m1, m2]}
models:
  pick: [up/${alias}]
# latency marker ${latency}
`;

beforeAll(async () => {
  upstream = await startFakeOpenAI({ name: 'up', behaviour: { latencyMs: [5, 30] } });
  dir = mkdtempSync(join(tmpdir(), 'switchyard-reload-'));
  configPath = join(dir, 'switchyard.yaml');
  writeFileSync(configPath, configWith('m1'));
  gw = await startTestGateway('', { configText: undefined, configPath, watchConfig: true });
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
});

describe('reload', () => {
  it('answers 200 concurrent requests during 20 reloads, losing none', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const before = upstream.requests.length;
    const requests = Array.from({ length: 200 }, (_, i) =>
      client.chat.completions.create({ model: 'pick', messages: [{ role: 'user', content: `n${i}` }] }),
    );
    const reloads: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      reloads.push(gw.reload(configWith(i % 2 === 0 ? 'm2' : 'm1', i)));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const results = await Promise.allSettled(requests);
    const reloadResults = await Promise.all(reloads);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(reloadResults.every((r) => (r as { ok: boolean }).ok)).toBe(true);
    // Every request reached the upstream exactly once: none lost, none duplicated.
    expect(upstream.requests.length - before).toBe(200);
    const contents = new Set(
      upstream.requests.slice(before).map((r) => JSON.stringify((r.body as { messages: unknown }).messages)),
    );
    expect(contents.size).toBe(200);
    expect(gw.gateway.snapshot.generation).toBeGreaterThanOrEqual(21);
  });

  it('refuses an invalid config with its reasons and keeps serving the old one', async () => {
    await gw.reload(configWith('m1'));
    const generation = gw.gateway.snapshot.generation;
    const result = await gw.reload(`${configWith('m1')}\nserver: {listen: nope}`);
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ path: 'server.listen' })] });
    expect(gw.gateway.snapshot.generation).toBe(generation);
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'pick', messages: [{ role: 'user', content: 'still here' }] }),
    });
    expect(response.status).toBe(200);
    expect(gw.logs.some((line) => line.includes('config reload refused'))).toBe(true);
  });

  it('reloads when the config file changes', async () => {
    const generation = gw.gateway.snapshot.generation;
    writeFileSync(configPath, configWith('m2').replace('pick:', 'renamed:'));
    await expect.poll(() => gw.gateway.snapshot.generation, { timeout: 5000 }).toBeGreaterThan(generation);
    expect(gw.gateway.snapshot.modelIndex.has('renamed')).toBe(true);
  });
});
