import type { Child } from './children.ts';
import { CPU_TICK_MICROS, cpuMicros, sampleRss } from './proc-stats.ts';
import type { LoadOutcome, ProcessUsage } from './types.ts';

/**
 * Runs a load and charges its cost to the processes serving it: CPU from /proc/<pid>/stat deltas
 * over the measured window, divided by the responses completed; RSS peak from samples taken during
 * the window. The load generator runs in this (the runner's) process and is never charged.
 */
const RSS_SAMPLE_MS = 100;

export interface Measured {
  outcome: LoadOutcome;
  target: ProcessUsage;
  /** Present when the target is a proxy in front of the upstream. */
  upstream?: ProcessUsage;
}

export async function measure(
  target: Child,
  upstream: Child,
  load: () => Promise<LoadOutcome>,
): Promise<Measured> {
  const watched = target.pid === upstream.pid ? [target] : [target, upstream];
  const cpuBefore = watched.map((child) => cpuMicros(child.pid));
  const samplers = watched.map((child) => sampleRss(child.pid, RSS_SAMPLE_MS));
  const outcome = await load();
  const peaks = samplers.map((sampler) => sampler.stop().peak);
  const completed = outcome.ok + outcome.non2xx;
  const usage = watched.map((child, i): ProcessUsage => {
    const cpuUs = cpuMicros(child.pid) - cpuBefore[i]!;
    return {
      cpuMs: cpuUs / 1000,
      cpuUsPerRequest: completed > 0 ? cpuUs / completed : null,
      cpuResolutionUs: completed > 0 ? CPU_TICK_MICROS / completed : null,
      rssPeakMb: peaks[i]! / 1024 / 1024,
    };
  });
  return { outcome, target: usage[0]!, ...(usage[1] ? { upstream: usage[1] } : {}) };
}
