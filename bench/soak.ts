import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from './children.ts';
import { BENCH_DIR } from './environment.ts';
import { num, table } from './markdown.ts';
import { paced } from './paced-load.ts';
import type { StartedScenario } from './phases.ts';
import { cpuMicros, type RssSample, sampleRss } from './proc-stats.ts';
import type { LoadOutcome } from './types.ts';

/**
 * Fixed-rate load on each Switchyard scenario for a while, to see memory grow if it leaks. The
 * gateway exposes no heap figure, so RSS (sampled every second) stands in for it; a steady climb
 * from start to end, rather than the peak, is what to look for.
 */
export interface SoakResult {
  scenario: string;
  rate: number;
  minutes: number;
  outcome: LoadOutcome;
  cpuUsPerRequest: number | null;
  rssStartMb: number;
  rssEndMb: number;
  rssPeakMb: number;
  samples: RssSample[];
}

const SAMPLE_MS = 1000;
const WARMUP_S = 2;

export async function runSoak(
  started: readonly StartedScenario[],
  minutes: number,
  rate: number,
  progress: (line: string) => void,
): Promise<SoakResult[]> {
  const results: SoakResult[] = [];
  for (const { scenario, target } of started) {
    if (scenario.baseline) continue;
    const options = {
      origin: target.origin,
      headers: target.headers,
      bodyFields: target.bodyFields,
      sessionHeader: target.sessionHeader,
      stream: false,
      rate,
      connections: 50,
    };
    progress(`soak ${scenario.name}: ${rate} req/s for ${minutes} min`);
    await paced({ ...options, durationS: WARMUP_S });
    const pid = target.process.pid;
    const cpuBefore = cpuMicros(pid);
    const sampler = sampleRss(pid, SAMPLE_MS);
    const outcome = await paced({ ...options, durationS: minutes * 60 });
    const { peak, samples } = sampler.stop();
    const completed = outcome.ok + outcome.non2xx;
    const cpuUs = isRunning(target.process) ? cpuMicros(pid) - cpuBefore : Number.NaN;
    const mb = (bytes: number | undefined) => (bytes ?? Number.NaN) / 1024 / 1024;
    results.push({
      scenario: scenario.name,
      rate,
      minutes,
      outcome,
      cpuUsPerRequest: completed > 0 ? cpuUs / completed : null,
      rssStartMb: mb(samples[0]?.bytes),
      rssEndMb: mb(samples.at(-1)?.bytes),
      rssPeakMb: mb(peak),
      samples,
    });
  }
  return results;
}

export function soakTable(results: readonly SoakResult[]): string {
  const headers = [
    'scenario',
    'req/s',
    'minutes',
    '2xx',
    'non-2xx',
    'errors',
    'p50 ms',
    'p99 ms',
    'CPU µs/req',
    'RSS start MB',
    'RSS end MB',
    'RSS peak MB',
  ];
  const rows = results.map((r) => [
    r.scenario,
    num(r.outcome.sentRate),
    String(r.minutes),
    String(r.outcome.ok),
    String(r.outcome.non2xx),
    String(r.outcome.errors),
    num(r.outcome.latency.p50, 2),
    num(r.outcome.latency.p99, 2),
    num(r.cpuUsPerRequest),
    num(r.rssStartMb, 1),
    num(r.rssEndMb, 1),
    num(r.rssPeakMb, 1),
  ]);
  return table(headers, rows, ['left', ...headers.slice(1).map(() => 'right' as const)]);
}

/** Soak results go beside, not into, results.json: a soak is a different experiment. */
export function writeSoakResults(results: readonly SoakResult[], extra: Record<string, unknown>): string {
  const path = join(BENCH_DIR, 'soak-results.json');
  writeFileSync(path, `${JSON.stringify({ ...extra, results }, null, 2)}\n`);
  return path;
}
