/**
 * Micro-benchmark of preference routing's decision cost (issue #5):
 *   - a decision that needs the router model, minus the router call's own time (as the gateway
 *     measures it around the HTTP round trip), i.e. what prompt building, answer parsing, ranking and
 *     the pipeline add;
 *   - a decision served from session affinity (the router is skipped);
 *   - a baseline decision by requested model, with no preference routes configured.
 * The fake router answers `{"route": "code"}` at once, from its own process, so its CPU is not
 * charged to the decision. Decisions run in-process through `routeRequest` (no HTTP ingress).
 *
 *   node --import tsx bench/micro-preferences.ts [--iterations 3000]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../src/gateway.ts';
import { anonymousIdentity } from '../src/identity/identity.ts';
import { createLogger } from '../src/observability/logger.ts';
import { rankRoute } from '../src/routing/preferences/ranking.ts';
import { parseRouterAnswer } from '../src/routing/preferences/router-answer.ts';
import { buildRouterPrompt, selectConversation } from '../src/routing/preferences/router-prompt.ts';
import { rememberSession, routeRequest } from '../src/server/route-request.ts';
import { startFakeOpenAI } from '../src/testing/fake-openai.ts';
import { exitWithParent } from './child-lifecycle.ts';
import { spawnServer, stopAll } from './children.ts';

const ROUTER_MODEL = 'arch-router';

function config(routerUrl: string, withPreferences: boolean): string {
  const preferences = withPreferences
    ? `
  router: {provider: router, model: ${ROUTER_MODEL}, timeout_ms: 1500}
  routing_preferences:
    - {name: code, description: "writing or fixing code", models: [cloud/gpt-4o, cloud/gpt-4o-mini], selection_policy: {prefer: cheapest}}
    - {name: chat, description: "small talk", models: [cloud/gpt-4o-mini], selection_policy: {prefer: fastest}}
    - {name: legal, description: "contracts and terms", models: [cloud/gpt-4o]}`
    : '';
  return `
version: 1
logging: {level: silent}
rules_store: {kind: memory}
providers:
  - {name: router, kind: openai-compatible, base_url: "${routerUrl}", models: [${ROUTER_MODEL}]}
  - {name: cloud, kind: openai-compatible, base_url: "http://127.0.0.1:9/v1", models: [gpt-4o, gpt-4o-mini],
     pricing: {gpt-4o: {input: 2.5, output: 10}, gpt-4o-mini: {input: 0.15, output: 0.6}}}
routing:
  default: cloud/gpt-4o-mini
  session_affinity: {ttl_seconds: 3600}${preferences}
`;
}

/** A realistic few-turn conversation with a system prompt (left out of the router prompt). */
const BODY = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'You are a careful senior engineer. Answer briefly.' },
    { role: 'user', content: 'I have a Python loop that appends to a list inside a try block.' },
    { role: 'assistant', content: 'Could you paste the loop and the error you see?' },
    {
      role: 'user',
      content:
        'for row in rows:\n    try:\n        out.append(parse(row))\n    except ValueError:\n        pass\nIt silently drops rows; how do I log them and keep going?',
    },
  ],
};

interface Stats {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return {
    mean: samples.reduce((s, v) => s + v, 0) / samples.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
  };
}

async function routerSeconds(gateway: Gateway): Promise<number> {
  const metric = await gateway.metrics.routerLatency.get();
  return metric.values.filter((v) => v.metricName?.endsWith('_sum')).reduce((s, v) => s + v.value, 0);
}

async function main(): Promise<void> {
  const iterationsAt = process.argv.indexOf('--iterations');
  const iterations = iterationsAt === -1 ? 3000 : Number(process.argv[iterationsAt + 1]);
  const logDir = mkdtempSync(join(tmpdir(), 'switchyard-micro-pref-'));
  const { url } = await spawnServer({
    name: 'router',
    args: ['bench/micro-preferences.ts', '--router-child'],
    cwd: process.cwd(),
    logPath: join(logDir, 'router.log'),
    printsUrl: true,
  });
  const logger = createLogger({ level: 'silent' });
  const withRouter = await Gateway.create({ configText: config(url as string, true), logger });
  const plain = await Gateway.create({ configText: config(url as string, false), logger });
  const identity = anonymousIdentity('bench');

  const decide = (gateway: Gateway, headers: Record<string, string>) =>
    routeRequest({ gateway, snapshot: gateway.snapshot, identity, body: BODY, headers, traceDetail: 'none' });

  // Pin one session, so affinity decisions are hits.
  const pinned = await decide(withRouter, { 'x-session-id': 'bench-pinned' });
  if (pinned.decidedBy !== 'preference')
    throw new Error(`expected a preference decision, got ${pinned.decidedBy}`);
  rememberSession(withRouter, pinned, pinned.targets[0]!);
  const hit = await decide(withRouter, { 'x-session-id': 'bench-pinned' });
  if (hit.decidedBy !== 'session') throw new Error(`expected a session hit, got ${hit.decidedBy}`);

  const modes = {
    baseline: () => decide(plain, {}),
    affinity: () => decide(withRouter, { 'x-session-id': 'bench-pinned' }),
    router: () => decide(withRouter, {}),
  };
  const samples: Record<keyof typeof modes, number[]> = { baseline: [], affinity: [], router: [] };

  // Warm-up: JIT, connection pool, fake router.
  for (let i = 0; i < 300; i++) for (const run of Object.values(modes)) await run();

  // Per router decision: the router call's own time (from the gateway's router latency histogram,
  // read outside the timed region), and the rest of the decision.
  const routerCall: number[] = [];
  const added: number[] = [];
  // Interleaved, so drift (GC, CPU frequency) hits every mode alike.
  for (let i = 0; i < iterations; i++) {
    for (const [mode, run] of Object.entries(modes) as Array<[keyof typeof modes, () => Promise<unknown>]>) {
      const before = mode === 'router' ? await routerSeconds(withRouter) : 0;
      const started = performance.now();
      await run();
      const us = (performance.now() - started) * 1000;
      samples[mode].push(us);
      if (mode !== 'router') continue;
      const callUs = ((await routerSeconds(withRouter)) - before) * 1e6;
      routerCall.push(callUs);
      added.push(us - callUs);
    }
  }

  const baseline = stats(samples.baseline);
  const affinity = stats(samples.affinity);
  const router = stats(samples.router);
  const call = stats(routerCall);
  const extra = stats(added);
  const row = (name: string, s: Stats) =>
    `${name.padEnd(34)} ${fmt(s.mean)} ${fmt(s.p50)} ${fmt(s.p90)} ${fmt(s.p99)}`;
  console.log(`preference routing decision cost, ${iterations} iterations each, node ${process.version}`);
  console.log(
    `${''.padEnd(34)} ${'mean'.padStart(9)} ${'p50'.padStart(9)} ${'p90'.padStart(9)} ${'p99'.padStart(9)}   (µs)`,
  );
  console.log(row('baseline (by model, no routes)', baseline));
  console.log(row('affinity hit (router skipped)', affinity));
  console.log(row('router decision, total', router));
  console.log(row('  of which the router call', call));
  console.log(row('  added beyond the router call', extra));
  console.log('');
  console.log('ratios of medians (p50):');
  console.log(`  affinity hit / baseline                 ${(affinity.p50 / baseline.p50).toFixed(2)}x`);
  console.log(`  router decision, added / baseline       ${(extra.p50 / baseline.p50).toFixed(2)}x`);
  console.log(`  router decision, added / affinity hit   ${(extra.p50 / affinity.p50).toFixed(2)}x`);
  console.log(`  router decision, total / affinity hit   ${(router.p50 / affinity.p50).toFixed(1)}x`);
  console.log(`  router call share of its decision       ${((call.p50 / router.p50) * 100).toFixed(0)} %`);

  // The pure work of a router decision, hot: what is left of "added" is async and cold-cache cost.
  const routes = withRouter.snapshot.routing.preferences;
  const names = routes.map((r) => r.name);
  const sources = {
    price: (t: { key: string }) => withRouter.routing.preferences.priceOf(withRouter.snapshot, t as never),
    latency: () => undefined,
  };
  const pure = () => {
    const prompt = buildRouterPrompt(routes, selectConversation(BODY.messages, 2048));
    const answer = parseRouterAnswer('{"route": "code"}', names);
    return (
      prompt.length + (answer.kind === 'route' ? rankRoute(routes[0]!, sources, false).ranked.length : 0)
    );
  };
  for (let i = 0; i < 20_000; i++) pure();
  const pureStarted = performance.now();
  for (let i = 0; i < 100_000; i++) pure();
  const pureUs = ((performance.now() - pureStarted) * 1000) / 100_000;
  console.log(`  prompt + parse + rank, hot loop      ${pureUs.toFixed(1)} µs`);

  await withRouter.close();
  await plain.close();
  await stopAll();
}

function fmt(us: number): string {
  return us.toFixed(1).padStart(9);
}

async function routerChild(): Promise<void> {
  const fake = await startFakeOpenAI({
    name: 'router',
    record: false,
    behaviour: { reply: '{"route": "code"}' },
  });
  exitWithParent(() => fake.close());
  process.stdout.write(`${fake.url}\n`);
}

// Last, so every constant above is initialised before either path runs.
if (process.argv.includes('--router-child')) await routerChild();
else await main();
