import { type Child, isRunning, logTail } from './children.ts';
import { type Measured, measure } from './measure.ts';
import type { Profile } from './options.ts';
import { paced } from './paced-load.ts';
import { saturate } from './saturation.ts';
import type { Scenario, Target } from './scenarios.ts';
import { measureTtfb } from './ttfb.ts';
import type { LoadOutcome, RunResult, RunSpec, ScenarioResult } from './types.ts';

/**
 * The benchmark proper, in three phases so that each target sees the same sequence: saturation runs,
 * then the fixed-rate run (whose rate comes from the floor's saturation result), then TTFB.
 * Targets that failed are skipped for the rest of the run; the failure is part of the results.
 */
export interface StartedScenario {
  scenario: Scenario;
  target: Target;
}

export interface BenchOutcome {
  scenarios: ScenarioResult[];
  /** Requests per second of the fixed-rate run. */
  fixedRate: number;
  fixedRateSource: 'floor' | '--rate';
}

const FIXED_SPEC: RunSpec = {
  id: 'fixed',
  label: 'fixed rate',
  kind: 'fixed-rate',
  stream: false,
  connections: 0,
};
const TTFB_SPEC: RunSpec = {
  id: 'ttfb',
  label: 'stream TTFB, sequential',
  kind: 'ttfb',
  stream: true,
  connections: 1,
};
/** Fixed-rate warm-up: enough for the paced client's connections to open. */
const FIXED_WARMUP_S = 1;

export async function runBenchmark(
  started: readonly StartedScenario[],
  upstream: Child,
  profile: Profile,
  /** Overrides the fixed rate derived from the floor. */
  rate: number | null,
  progress: (line: string) => void,
): Promise<BenchOutcome> {
  const results = new Map<string, ScenarioResult>(
    started.map(({ scenario }) => [
      scenario.name,
      { scenario: scenario.name, description: scenario.description, runs: [], rssPeakMb: 0 },
    ]),
  );

  /** Runs one measured load unless the scenario already failed; a failure is recorded, never thrown. */
  const attempt = async (
    entry: StartedScenario,
    spec: RunSpec,
    warmup: () => Promise<unknown>,
    load: () => Promise<LoadOutcome>,
  ) => {
    const result = results.get(entry.scenario.name)!;
    if (result.failure) return;
    try {
      await warmup();
      const measured = await measure(entry.target.process, upstream, load);
      const run = toRunResult(spec, measured);
      result.runs.push(run);
      result.rssPeakMb = Math.max(result.rssPeakMb, run.target.rssPeakMb);
      progress(describe(entry.scenario.name, run));
    } catch (error) {
      const down = isRunning(entry.target.process)
        ? ''
        : ` (process exited)\n${logTail(entry.target.process)}`;
      result.failure = `${spec.id}: ${error instanceof Error ? error.message : String(error)}${down}`;
      progress(`${entry.scenario.name} ${spec.id} FAILED: ${result.failure}`);
    }
  };

  // Run by run, each across all targets: on a shared machine, background load drifts over minutes,
  // and interleaving keeps the runs that are divided by each other close together in time.
  for (const spec of profile.saturationRuns) {
    for (const entry of started) {
      const { origin, headers, bodyFields, sessionHeader } = entry.target;
      const options = {
        origin,
        headers,
        bodyFields,
        sessionHeader,
        stream: spec.stream,
        connections: spec.connections,
      };
      await attempt(
        entry,
        spec,
        () => saturate({ ...options, durationS: profile.warmupS }),
        () => saturate({ ...options, durationS: profile.saturationS }),
      );
    }
  }

  const fixedRate = rate ?? Math.max(1, Math.round(floorCapacity(results) * profile.fixedRateFraction));
  const why =
    rate === null ? `${profile.fixedRateFraction * 100} % of the floor's saturation throughput` : '--rate';
  progress(`fixed rate: ${fixedRate} req/s (${why})`);
  for (const entry of started) {
    const options = {
      origin: entry.target.origin,
      headers: entry.target.headers,
      bodyFields: entry.target.bodyFields,
      sessionHeader: entry.target.sessionHeader,
      stream: false,
      rate: fixedRate,
      connections: profile.fixedRateConnections,
    };
    await attempt(
      entry,
      { ...FIXED_SPEC, label: `fixed rate ${fixedRate} req/s`, connections: profile.fixedRateConnections },
      () => paced({ ...options, durationS: FIXED_WARMUP_S }),
      () => paced({ ...options, durationS: profile.fixedRateS }),
    );
  }

  for (const entry of started) {
    const options = {
      origin: entry.target.origin,
      headers: entry.target.headers,
      bodyFields: entry.target.bodyFields,
      sessionHeader: entry.target.sessionHeader,
      maxDurationS: 60,
    };
    await attempt(
      entry,
      TTFB_SPEC,
      () => measureTtfb({ ...options, requests: profile.ttfbWarmup }),
      () => measureTtfb({ ...options, requests: profile.ttfbRequests }),
    );
  }

  return { scenarios: [...results.values()], fixedRate, fixedRateSource: rate === null ? 'floor' : '--rate' };
}

/**
 * The floor's lower non-streaming saturation throughput: the reference load of the fixed-rate run.
 * The lower one, because on a shared machine a single lucky run would set a rate the floor itself
 * cannot hold (the paced client also costs the runner more per request than autocannon does).
 */
function floorCapacity(results: ReadonlyMap<string, ScenarioResult>): number {
  const floor = results.get('floor');
  const throughputs = (floor?.runs ?? [])
    .filter((r) => r.kind === 'saturation' && !r.stream)
    .map((r) => r.throughput);
  if (throughputs.length === 0)
    throw new Error(`the floor has no saturation result${floor?.failure ? `: ${floor.failure}` : ''}`);
  return Math.min(...throughputs);
}

function toRunResult(spec: RunSpec, { outcome, target, upstream }: Measured): RunResult {
  return {
    ...spec,
    ...outcome,
    throughput: outcome.ok / outcome.durationS,
    target,
    ...(upstream ? { upstream } : {}),
  };
}

function describe(scenario: string, run: RunResult): string {
  const problems = run.non2xx + run.errors > 0 ? `  !! non-2xx ${run.non2xx}, errors ${run.errors}` : '';
  const cpu = run.target.cpuUsPerRequest === null ? '-' : run.target.cpuUsPerRequest.toFixed(0);
  return `${scenario.padEnd(8)} ${run.id.padEnd(16)} ${run.throughput.toFixed(0).padStart(6)} req/s  p50 ${run.latency.p50.toFixed(2)} ms  p99 ${run.latency.p99.toFixed(2)} ms  cpu ${cpu} µs/req${problems}`;
}
