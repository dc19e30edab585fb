import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBehaviour, type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { freePort } from '../helpers/net.ts';

/**
 * The long run (`npm run test:stress`): a gateway process under a fixed request rate for
 * STRESS_MINUTES (default 10) with 5 % of upstream calls failing. Every request must be answered —
 * 200 through the fallback — none lost or duplicated (the upstreams count), and the gateway's
 * memory and file descriptors must stay flat after warm-up. Loopback only, bounded in time.
 */
const MINUTES = Number(process.env.STRESS_MINUTES ?? 10);
const RATE = Number(process.env.STRESS_RATE ?? 200);
const DURATION_MS = MINUTES * 60_000;

let primary: FakeOpenAI;
let backup: FakeOpenAI;
let gateway: ChildProcess;
let url: string;

function failureMix(count: number): FakeBehaviour[] {
  const faults: FakeBehaviour[] = [
    { status: 500 },
    { status: 503 },
    { fault: 'reset-before-headers' },
    { fault: 'garbage' },
  ];
  return Array.from({ length: count }, (_, i) =>
    i % 20 === 7 ? (faults[i % faults.length] as FakeBehaviour) : {},
  );
}

function sample(pid: number): { rssMb: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

beforeAll(async () => {
  primary = await startFakeOpenAI({ name: 'primary', record: false });
  backup = await startFakeOpenAI({ name: 'backup', record: false });
  primary.setSequence('p1', failureMix(Math.ceil((RATE * DURATION_MS) / 1000) + 10_000));
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-stress-'));
  const config = join(dir, 'stress.yaml');
  writeFileSync(
    config,
    `version: 1
server: {listen: "127.0.0.1:${port}"}
logging: {level: warn, file: ${JSON.stringify(join(dir, 'gateway.log'))}}
rules_store: {kind: memory}
providers:
  - {name: primary, kind: openai-compatible, base_url: "${primary.url}", models: [p1], circuit_breaker: {failure_threshold: 1000}}
  - {name: backup, kind: openai-compatible, base_url: "${backup.url}", models: [b1]}
models: {resilient: [primary/p1, backup/b1]}
`,
  );
  gateway = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error('gateway did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 60_000);

afterAll(async () => {
  gateway?.kill('SIGKILL');
  await primary?.close();
  await backup?.close();
});

describe('soak', () => {
  it(
    `answers every request at ${RATE} req/s for ${MINUTES} min with 5 % upstream failures, memory and fds flat`,
    async () => {
      const agent = new Agent({ connections: 32 });
      const outcomes = { ok: 0, failed: 0, other: 0 };
      const samples: Array<{ at: number; rssMb: number; fds: number }> = [];
      const started = Date.now();
      let sent = 0;
      const inFlight = new Set<Promise<void>>();
      const sampler = setInterval(
        () => samples.push({ at: Date.now() - started, ...sample(gateway.pid as number) }),
        5_000,
      );
      while (Date.now() - started < DURATION_MS) {
        const due = Math.floor(((Date.now() - started) / 1000) * RATE);
        while (sent < due) {
          sent += 1;
          const id = `soak-${sent}`;
          const p = request(`${url}/v1/chat/completions`, {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json', 'x-request-id': id },
            body: JSON.stringify({ model: 'resilient', messages: [{ role: 'user', content: id }] }),
          })
            .then(async (r) => {
              await r.body.text();
              if (r.statusCode === 200) outcomes.ok += 1;
              else outcomes.other += 1;
            })
            .catch(() => {
              outcomes.failed += 1;
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await Promise.all(inFlight);
      clearInterval(sampler);
      await agent.close();

      expect(outcomes.failed).toBe(0);
      expect(outcomes.other).toBe(0);
      expect(outcomes.ok).toBe(sent);
      // Each request was answered by exactly one upstream success: none lost, none duplicated.
      const primaryOk = primary.countFor('p1') - Math.ceil(primary.countFor('p1') / 20);
      expect(backup.countFor('b1') + primaryOk).toBeGreaterThanOrEqual(sent - 1);
      expect(backup.countFor('b1') + primaryOk).toBeLessThanOrEqual(sent + 1);

      const warm = samples.filter((s) => s.at > Math.min(60_000, DURATION_MS / 3));
      const first = warm.slice(0, Math.max(1, Math.floor(warm.length / 3)));
      const last = warm.slice(-Math.max(1, Math.floor(warm.length / 3)));
      const avg = (xs: typeof warm, f: (s: (typeof warm)[number]) => number) =>
        xs.reduce((a, s) => a + f(s), 0) / xs.length;
      const report = {
        sent,
        ...outcomes,
        rssStartMb: avg(first, (s) => s.rssMb),
        rssEndMb: avg(last, (s) => s.rssMb),
        fdsStart: avg(first, (s) => s.fds),
        fdsEnd: avg(last, (s) => s.fds),
      };
      process.stdout.write(`soak: ${JSON.stringify(report)}\n`);
      expect(report.rssEndMb).toBeLessThan(report.rssStartMb * 1.2 + 10);
      expect(report.fdsEnd).toBeLessThan(report.fdsStart + 16);
    },
    DURATION_MS + 120_000,
  );
});
