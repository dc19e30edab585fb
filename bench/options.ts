import { parseArgs } from 'node:util';
import type { RunSpec } from './types.ts';

/** Command line and the durations each mode uses. */
export interface Profile {
  mode: 'quick' | 'full';
  /** Measured seconds of each saturation run, after `warmupS` of unrecorded load. */
  saturationS: number;
  warmupS: number;
  saturationRuns: RunSpec[];
  /** The fixed-rate run: this fraction of the floor's lower non-streaming saturation throughput. */
  fixedRateFraction: number;
  fixedRateS: number;
  /** Connections the paced client may open; at half load it needs far fewer. */
  fixedRateConnections: number;
  ttfbRequests: number;
  ttfbWarmup: number;
}

export interface BenchOptions {
  profile: Profile;
  /** Non-baseline scenarios to run; empty = all. */
  only: string[];
  /** Minutes of soak, or null for the normal benchmark. */
  soakMinutes: number | null;
  /** `--rate`: the fixed-rate run's (and the soak's) rate instead of the one derived from the floor. */
  rate: number | null;
}

/** Soak rate when `--rate` is not given. */
export const DEFAULT_SOAK_RATE = 500;

function saturationRuns(): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const stream of [false, true]) {
    for (const connections of [10, 50]) {
      runs.push({
        id: `sat-${stream ? 'stream-' : ''}c${connections}`,
        label: `saturation, ${connections} conn${stream ? ', stream' : ''}`,
        kind: 'saturation',
        stream,
        connections,
      });
    }
  }
  return runs;
}

// quick: 4 saturation runs × 3 targets × 4 s + fixed + TTFB + start-up ≈ 1 minute; full ≈ 4 minutes.
const PROFILES: Record<Profile['mode'], Profile> = {
  quick: {
    mode: 'quick',
    saturationS: 3,
    warmupS: 1,
    saturationRuns: saturationRuns(),
    fixedRateFraction: 0.5,
    fixedRateS: 3,
    fixedRateConnections: 50,
    ttfbRequests: 200,
    ttfbWarmup: 20,
  },
  full: {
    mode: 'full',
    saturationS: 10,
    warmupS: 3,
    saturationRuns: saturationRuns(),
    fixedRateFraction: 0.5,
    fixedRateS: 10,
    fixedRateConnections: 50,
    ttfbRequests: 1000,
    ttfbWarmup: 50,
  },
};

const USAGE = `Usage: npm run bench -- [--quick] [--only plain[,full]] [--soak MINUTES [--rate N]]
  --quick          short runs (about a minute) for development
  --only NAMES     Switchyard scenarios to run (comma-separated); the direct and floor baselines always run
  --soak MINUTES   instead of the benchmark: fixed-rate load on Switchyard for MINUTES, RSS at start and end
  --rate N         requests per second of the fixed-rate run (default: half the floor's saturation
                   throughput) and of the soak (default ${DEFAULT_SOAK_RATE})
`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      soak: { type: 'string' },
      rate: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const soakMinutes = values.soak === undefined ? null : positive(values.soak, '--soak');
  return {
    profile: PROFILES[values.quick ? 'quick' : 'full'],
    only: values.only
      .flatMap((value) => value.split(','))
      .map((name) => name.trim())
      .filter(Boolean),
    soakMinutes,
    rate: values.rate === undefined ? null : positive(values.rate, '--rate'),
  };
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${flag} must be a positive number, got "${text}"\n${USAGE}`);
  return value;
}
