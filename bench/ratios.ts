import type { RunResult, ScenarioResult } from './types.ts';

/**
 * Each Switchyard scenario against the floor. The floor is what any Node.js proxy pays, so a ratio
 * near 1 means the gateway adds little of its own; added latencies are first taken relative to the
 * direct upstream, so the upstream's own time cancels out.
 */
export interface RatioCell {
  value: number | null;
  /** value ÷ the floor's value; null when either is missing or the floor's is too small to divide by. */
  ratio: number | null;
}

export interface RatioRow {
  metric: string;
  unit: string;
  floor: number | null;
  scenarios: Record<string, RatioCell>;
}

interface Metric {
  metric: string;
  unit: string;
  value(scenario: ScenarioResult, direct: ScenarioResult | undefined): number | null;
}

/** Added latencies under this (ms) are within noise; dividing by them would print nonsense. */
const MIN_DENOMINATOR_MS = 0.005;

function runOf(scenario: ScenarioResult | undefined, id: string): RunResult | undefined {
  return scenario?.runs.find((run) => run.id === id);
}

function added(id: string, pick: (run: RunResult) => number) {
  return (scenario: ScenarioResult, direct: ScenarioResult | undefined): number | null => {
    const own = runOf(scenario, id);
    const base = runOf(direct, id);
    return own && base && own.ok > 0 && base.ok > 0 ? pick(own) - pick(base) : null;
  };
}

function metrics(saturationIds: readonly string[]): Metric[] {
  return [
    ...saturationIds.map((id) => ({
      metric: `throughput ${id}`,
      unit: 'req/s',
      value: (s: ScenarioResult) => runOf(s, id)?.throughput ?? null,
    })),
    ...saturationIds.map((id) => ({
      metric: `CPU per request ${id}`,
      unit: 'µs',
      value: (s: ScenarioResult) => runOf(s, id)?.target.cpuUsPerRequest ?? null,
    })),
    { metric: 'added latency p50, fixed rate', unit: 'ms', value: added('fixed', (r) => r.latency.p50) },
    { metric: 'added latency p99, fixed rate', unit: 'ms', value: added('fixed', (r) => r.latency.p99) },
    { metric: 'TTFB overhead p50, stream', unit: 'ms', value: added('ttfb', (r) => r.latency.p50) },
    {
      metric: 'RSS peak',
      unit: 'MB',
      value: (s: ScenarioResult) => (s.runs.length > 0 ? s.rssPeakMb : null),
    },
  ];
}

export function computeRatios(
  results: readonly ScenarioResult[],
  saturationIds: readonly string[],
): RatioRow[] {
  const direct = results.find((s) => s.scenario === 'direct');
  const floor = results.find((s) => s.scenario === 'floor');
  const compared = results.filter((s) => s.scenario !== 'direct' && s.scenario !== 'floor');
  return metrics(saturationIds).map(({ metric, unit, value }) => {
    const floorValue = floor ? value(floor, direct) : null;
    const usable =
      floorValue !== null && Number.isFinite(floorValue) && Math.abs(floorValue) >= MIN_DENOMINATOR_MS;
    const scenarios: Record<string, RatioCell> = {};
    for (const scenario of compared) {
      const own = value(scenario, direct);
      scenarios[scenario.scenario] = {
        value: own,
        ratio: own !== null && Number.isFinite(own) && usable && floorValue > 0 ? own / floorValue : null,
      };
    }
    return { metric, unit, floor: floorValue, scenarios };
  });
}
