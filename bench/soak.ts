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
 * Fixed-rate load on each Switchyard scenario for a while, to see memory grow if it leaks: RSS
 * sampled every second, and the V8 heap as the gateway's /metrics reports it at the start and the
 * end. What to look for is a steady climb after the warm-up (the trend: a least-squares slope of
 * RSS over the samples after the first minute), rather than the peak.
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
  /** MB per minute, after the first minute; null for a soak too short to have samples past it. */
  rssTrendMbPerMin: number | null;
  heapStart: HeapFigures | null;
  heapEnd: HeapFigures | null;
  samples: RssSample[];
}

export interface HeapFigures {
  usedMb: number;
  totalMb: number;
}

const SAMPLE_MS = 1000;
const WARMUP_S = 2;
/** Samples before this are the warm-up: caches and the heap are still finding their size. */
const TREND_FROM_MS = 60_000;

/** The heap as the gateway's /metrics reports it; null if it cannot be read. */
async function heapFigures(origin: string): Promise<HeapFigures | null> {
  try {
    const text = await (await fetch(`${origin}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]) / 1024 / 1024;
    const figures = {
      usedMb: read('nodejs_heap_size_used_bytes'),
      totalMb: read('nodejs_heap_size_total_bytes'),
    };
    return Number.isFinite(figures.usedMb) && Number.isFinite(figures.totalMb) ? figures : null;
  } catch {
    return null;
  }
}

/** Least-squares slope of RSS (MB per minute) over the samples taken from `fromMs` on. */
export function trendMbPerMinute(samples: readonly RssSample[], fromMs: number): number | null {
  const points = samples.filter((s) => s.atMs >= fromMs);
  if (points.length < 2) return null;
  const xs = points.map((s) => s.atMs / 60_000);
  const ys = points.map((s) => s.bytes / 1024 / 1024);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < xs.length; i++) {
    covariance += ((xs[i] as number) - meanX) * ((ys[i] as number) - meanY);
    variance += ((xs[i] as number) - meanX) ** 2;
  }
  return variance === 0 ? null : covariance / variance;
}

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
    const heapStart = await heapFigures(target.origin);
    const cpuBefore = cpuMicros(pid);
    const sampler = sampleRss(pid, SAMPLE_MS);
    const outcome = await paced({ ...options, durationS: minutes * 60 });
    const { peak, samples } = sampler.stop();
    const heapEnd = await heapFigures(target.origin);
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
      rssTrendMbPerMin: trendMbPerMinute(samples, TREND_FROM_MS),
      heapStart,
      heapEnd,
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
    'RSS trend MB/min',
    'heap used MB start → end',
    'heap total MB start → end',
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
    r.rssTrendMbPerMin === null ? '—' : num(r.rssTrendMbPerMin, 2),
    heapChange(r, 'usedMb'),
    heapChange(r, 'totalMb'),
  ]);
  return table(headers, rows, ['left', ...headers.slice(1).map(() => 'right' as const)]);
}

/** Soak results go beside, not into, results.json: a soak is a different experiment. */
export function writeSoakResults(results: readonly SoakResult[], extra: Record<string, unknown>): string {
  const path = join(BENCH_DIR, 'soak-results.json');
  writeFileSync(path, `${JSON.stringify({ ...extra, results }, null, 2)}\n`);
  return path;
}

function heapChange(result: SoakResult, figure: keyof HeapFigures): string {
  const { heapStart: start, heapEnd: end } = result;
  return start && end ? `${num(start[figure], 1)} → ${num(end[figure], 1)}` : '—';
}
