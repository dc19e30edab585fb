import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceList, parseModelsDev } from './price-list.ts';

/** A price list server whose answer each test sets. */
let server: Server;
let url: string;
let answer: { status: number; body: string } = { status: 200, body: '{}' };
let fetches = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api.json`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const MODELS_DEV = {
  openai: {
    id: 'openai',
    name: 'OpenAI',
    models: {
      'gpt-4o': {
        id: 'gpt-4o',
        name: 'GPT-4o',
        cost: { input: 2.5, output: 10, cache_read: 1.25 },
        limit: { context: 128000 },
      },
      'gpt-4o-mini': { id: 'gpt-4o-mini', cost: { input: 0.15, output: 0.6 } },
      'free-ish': { id: 'free-ish' },
      broken: { cost: { input: '1', output: 2 } },
    },
  },
  nothing: { id: 'nothing', models: {} },
  odd: 'not a provider',
};

function recorder() {
  const events = { loaded: [] as number[], failed: [] as string[] };
  return {
    events,
    sink: { loaded: (n: number) => events.loaded.push(n), failed: (r: string) => events.failed.push(r) },
  };
}

describe('parseModelsDev', () => {
  it('reads input and output costs per provider and model, skipping incomplete entries', () => {
    const table = parseModelsDev(MODELS_DEV);
    expect([...table.keys()]).toEqual(['openai']);
    expect(Object.fromEntries(table.get('openai') ?? [])).toEqual({
      'gpt-4o': { input: 2.5, output: 10 },
      'gpt-4o-mini': { input: 0.15, output: 0.6 },
    });
    expect(parseModelsDev([1, 2]).size).toBe(0);
    expect(parseModelsDev(null).size).toBe(0);
  });
});

describe('PriceList', () => {
  it('fetches when configured, looks up by the first provider id that lists the model, and keeps prices on failure', async () => {
    answer = { status: 200, body: JSON.stringify(MODELS_DEV) };
    const { events, sink } = recorder();
    const list = new PriceList(sink);
    list.configure({ url, refresh_seconds: 3600, timeout_ms: 2000, max_body_bytes: 1_000_000 });
    await list.refresh();
    expect(events.loaded).toEqual([2]);
    expect(list.price(['mine', 'openai'], 'gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
    expect(list.price(['mine'], 'gpt-4o-mini')).toBeUndefined();
    expect(list.price(['openai'], 'unknown')).toBeUndefined();

    answer = { status: 500, body: 'oops' };
    await list.refresh();
    answer = { status: 200, body: 'not json' };
    await list.refresh();
    answer = { status: 200, body: '{"openai": {"models": {}}}' };
    await list.refresh();
    expect(events.failed).toEqual([
      'price list answered HTTP 500',
      'price list is not valid JSON',
      'price list has no model with an input and output cost',
    ]);
    expect(list.price(['openai'], 'gpt-4o')).toEqual({ input: 2.5, output: 10 });
    list.close();
  });

  it('refuses a list over the size limit', async () => {
    answer = { status: 200, body: JSON.stringify(MODELS_DEV) };
    const { events, sink } = recorder();
    const list = new PriceList(sink);
    list.configure({ url, refresh_seconds: 3600, timeout_ms: 2000, max_body_bytes: 100 });
    await list.refresh();
    expect(events.failed).toEqual(['price list exceeds 100 bytes']);
    list.close();
  });

  it('refreshes periodically and stops when unconfigured', async () => {
    answer = { status: 200, body: JSON.stringify(MODELS_DEV) };
    const { events, sink } = recorder();
    const list = new PriceList(sink);
    const before = fetches;
    list.configure({ url, refresh_seconds: 1, timeout_ms: 2000, max_body_bytes: 1_000_000 });
    await expect.poll(() => events.loaded.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    list.configure(null);
    expect(list.price(['openai'], 'gpt-4o')).toBeUndefined();
    const after = fetches;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(fetches).toBe(after);
    expect(after - before).toBeGreaterThanOrEqual(2);
  });
});
