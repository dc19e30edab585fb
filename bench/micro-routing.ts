/**
 * Micro-benchmarks of the routing engine (issue: rule evaluation, PII scan, policy-cache hit),
 * in-process, each reported with a baseline measured in the same run:
 *   - deciding with N static rules (first match near the end) vs deciding with no rules;
 *   - a PII scan of a 1 KB / 100 KB prompt vs one plain linear pass over the same text;
 *   - a policy-cache hit vs a bare Map lookup;
 *   - a decision whose rules never read `request.sensitivity` with a 100 KB prompt vs a tiny prompt
 *     (it should cost the same: the scanner never runs).
 * `node --import tsx bench/micro-routing.ts` prints a Markdown table; bench/run.ts includes it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileSnapshot } from '../src/config/compile.ts';
import { parseConfig } from '../src/config/load.ts';
import type { Snapshot } from '../src/config/snapshot.ts';
import { PoolRegistry } from '../src/forward/pools.ts';
import { sensitivityOfText } from '../src/inspect/index.ts';
import { decide, type RoutingServices } from '../src/routing/pipeline.ts';
import { PolicyCache } from '../src/routing/policy/policy-cache.ts';
import { LazyRequestFacts } from '../src/routing/request-facts.ts';

export interface MicroResult {
  name: string;
  baseline: string;
  p50us: number;
  p99us: number;
  baselineP50us: number;
  ratio: number;
}

function measure(fn: () => unknown, iterations: number): { p50: number; p99: number } {
  for (let i = 0; i < Math.min(iterations, 2000); i++) fn();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  return {
    p50: samples[Math.floor(iterations * 0.5)] as number,
    p99: samples[Math.floor(iterations * 0.99)] as number,
  };
}

async function measureAsync(fn: () => unknown, iterations: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(iterations, 2000); i++) await fn();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  return {
    p50: samples[Math.floor(iterations * 0.5)] as number,
    p99: samples[Math.floor(iterations * 0.99)] as number,
  };
}

function snapshotWithRules(count: number, sensitivityRule: boolean): Snapshot {
  const rules = Array.from({ length: count }, (_, i) => ({
    name: `rule-${i}`,
    priority: i + 10,
    conditions: [
      { field: 'user.department', operator: 'eq', value: i === count - 1 ? 'finance' : `dept-${i}` },
      { field: 'request.model', operator: 'in', value: ['gpt-4o', 'gpt-4o-mini'] },
    ],
    action: { provider: 'b' },
  }));
  if (sensitivityRule) {
    rules.unshift({
      name: 'pii',
      priority: 1,
      conditions: [{ field: 'request.sensitivity', operator: 'gte', value: 'high' } as never],
      action: { provider: 'a' },
    });
  }
  const text = JSON.stringify({
    version: 1,
    providers: [
      {
        name: 'a',
        kind: 'openai-compatible',
        base_url: 'http://127.0.0.1:9/v1',
        models: ['gpt-4o-mini', 'gpt-4o'],
      },
      {
        name: 'b',
        kind: 'openai-compatible',
        base_url: 'http://127.0.0.1:9/v1',
        models: ['gpt-4o-mini', 'gpt-4o'],
      },
    ],
    routing: { rules },
  });
  return compileSnapshot(parseConfig(text, 'bench', {}), { pools: new PoolRegistry(), generation: 1 });
}

const services: RoutingServices = {
  tenantRules: async (snapshot) => ({
    enforced: snapshot.routing.enforcedRules,
    normal: snapshot.routing.staticRules,
  }),
  resolvePolicy: async () => null,
  choosePreference: async () => null,
  sessions: null,
  sessionStoreFailed: () => {},
};

function decideOnce(snapshot: Snapshot, content: string) {
  const body = { model: 'gpt-4o', messages: [{ role: 'user', content }] };
  const facts = new LazyRequestFacts({
    caller: { tenant: 'acme', user: { id: 'u1', role: 'analyst', department: 'finance' } },
    body,
    headers: {},
    useCaseHeader: 'x-use-case',
  });
  return decide(
    {
      snapshot,
      facts,
      headers: {},
      body,
      fields: {
        policyId: undefined,
        revision: undefined,
        inlinePolicy: undefined,
        inlinePreferences: undefined,
      },
      traceDetail: 'none',
    },
    services,
  );
}

function prompt(bytes: number): string {
  const sentence = 'Please summarise the quarterly report for the finance team and list the open risks. ';
  return sentence.repeat(Math.ceil(bytes / sentence.length)).slice(0, bytes);
}

export async function runRoutingMicro(quick = false): Promise<MicroResult[]> {
  const results: MicroResult[] = [];
  const n = quick ? 5_000 : 20_000;
  const push = (name: string, baseline: string, m: { p50: number; p99: number }, b: { p50: number }) =>
    results.push({ name, baseline, p50us: m.p50, p99us: m.p99, baselineP50us: b.p50, ratio: m.p50 / b.p50 });

  const empty = snapshotWithRules(0, false);
  await measureAsync(() => decideOnce(empty, 'hi'), n); // warm-up: the first series also pays for JIT
  const baseline = await measureAsync(() => decideOnce(empty, 'hi'), n);
  for (const count of [10, 1_000, 10_000]) {
    const snapshot = snapshotWithRules(count, false);
    const m = await measureAsync(() => decideOnce(snapshot, 'hi'), count >= 10_000 ? Math.floor(n / 5) : n);
    push(`decision, ${count} rules, match at the end`, 'decision, no rules', m, baseline);
  }

  const noSensitive = snapshotWithRules(10, false);
  const small = await measureAsync(() => decideOnce(noSensitive, 'hi'), n);
  const large = prompt(100_000);
  const big = await measureAsync(() => decideOnce(noSensitive, large), Math.floor(n / 5));
  push('decision, 100 KB prompt, no rule reads sensitivity', 'same with a 2-byte prompt', big, small);
  const withSensitive = snapshotWithRules(10, true);
  const scanned = await measureAsync(() => decideOnce(withSensitive, large), Math.floor(n / 20));
  push(
    'decision, 100 KB prompt, a rule reads sensitivity',
    'same with a 2-byte prompt, no such rule',
    scanned,
    small,
  );

  for (const size of [1_000, 100_000]) {
    const text = prompt(size);
    const scan = measure(() => sensitivityOfText(text), size > 10_000 ? Math.floor(n / 20) : n);
    const pass = measure(() => text.indexOf('\u0000'), size > 10_000 ? Math.floor(n / 20) : n);
    push(`PII scan, ${size / 1000} KB prompt`, 'one linear pass (indexOf)', scan, pass);
  }

  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ policy_id: 'p', revision: 1, schema_version: 1, rules: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cache = new PolicyCache({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/policy`,
    headers: {},
    ttl_seconds: 3600,
    timeout_ms: 1000,
    on_error: 'fallthrough',
    max_entries: 1000,
    not_found_ttl_seconds: 30,
    max_body_bytes: 65536,
  });
  await cache.get('acme', 'p', 1);
  const map = new Map([[JSON.stringify(['acme', 'p']), 1]]);
  const hit = await measureAsync(async () => cache.get('acme', 'p', 1), n);
  const mapGet = await measureAsync(async () => map.get(JSON.stringify(['acme', 'p'])), n);
  push('policy cache hit', 'Map lookup of the same key (async)', hit, mapGet);
  server.close();
  return results;
}

export function microTable(results: readonly MicroResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.p50us.toFixed(2)} | ${r.p99us.toFixed(2)} | ${r.baseline} | ${r.baselineP50us.toFixed(2)} | ${r.ratio.toFixed(2)}× |`,
  );
  return [
    '| measure | p50 µs | p99 µs | baseline | baseline p50 µs | ratio (p50) |',
    '|---|---:|---:|---|---:|---:|',
    ...rows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await runRoutingMicro(process.argv.includes('--quick'));
  process.stdout.write(`${microTable(results)}\n`);
}
