import type { LatencySummary } from './latency.ts';

/** What a load generator observed, before the process measurements are attached. */
export interface LoadOutcome {
  /** Wall time of the measured window, in seconds. */
  durationS: number;
  /** 2xx responses. */
  ok: number;
  non2xx: number;
  /** Connection errors, resets and client timeouts. */
  errors: number;
  timeouts: number;
  /** Latency of the 2xx responses only, in ms (for TTFB runs: time to the first body chunk). */
  latency: LatencySummary;
  /** For fixed-rate runs: the rate asked for and the rate actually sent. */
  targetRate?: number;
  sentRate?: number;
}

export interface ProcessUsage {
  /** CPU time (user + system) per completed response, in µs; null when nothing completed. */
  cpuUsPerRequest: number | null;
  /** One clock tick spread over the requests: the uncertainty of cpuUsPerRequest. */
  cpuResolutionUs: number | null;
  cpuMs: number;
  rssPeakMb: number;
}

export type RunKind = 'saturation' | 'fixed-rate' | 'ttfb';

export interface RunSpec {
  /** Stable id shared by every target, so runs can be compared: `sat-c10`, `sat-stream-c50`, `fixed`, `ttfb`. */
  id: string;
  label: string;
  kind: RunKind;
  stream: boolean;
  connections: number;
}

export interface RunResult extends RunSpec, LoadOutcome {
  /** 2xx responses per second. */
  throughput: number;
  /** The target process; for `direct` it is the upstream itself. */
  target: ProcessUsage;
  /** The fake upstream behind a proxy (absent for `direct`). */
  upstream?: ProcessUsage;
}

export interface ScenarioResult {
  scenario: string;
  description: string;
  runs: RunResult[];
  /** Highest RSS of the target process over all its runs. */
  rssPeakMb: number;
  /** Set when a run threw or the process died; later runs of the scenario are skipped. */
  failure?: string;
}
