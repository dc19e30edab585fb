/**
 * Two builds of Switchyard measured at the same time, for A/B comparisons on a noisy machine.
 *
 *   npm run bench:ab -- [--a CHECKOUT] [--b CHECKOUT] [--scenario NAME] [--scenario-b NAME]
 *                       [--rounds N] [--seconds S] [--passes N] [--rate R] [--stream]
 *
 * Each checkout is a directory holding a build (`npm run build` there first: `dist/src/cli.js`);
 * both default to this one. The two sides may also run different scenarios of the same build:
 * `--scenario full --scenario-b full-without-logging` measures what one feature of `full` costs
 * (the ablations are listed in bench/scenarios.ts).
 * On a VM whose speed drifts by tens of percent within a minute, runs taken one after the other do
 * not compare; two processes under load at the same moment see the same machine. Both get their own
 * closed-loop load (25 connections each) against the same fake upstream, and each round reports the
 * ratio of their CPU per request. The process started second was measured to pay a few percent
 * more, so the whole measurement runs twice, starting A first and then B first, and the summary is
 * the geometric mean over both passes (each pass's mean shows how large that bias was).
 * A side may also be the floor proxy (`--scenario-b floor`): Switchyard against the floor under the
 * same arrivals at the same moment, the ratio the issue's targets are stated in. `--stream` sends
 * streaming requests instead of JSON ones.
 *
 * A pass starts fresh processes, and a process keeps much of its speed for its whole life: the same
 * build measured 180 µs per request in one process and 360 in the next, so passes differ far more
 * than rounds within a pass. `--passes N` (even; start orders alternate) averages over more of them.
 *
 * `--rate R` replaces the closed loop with an open one: R requests per second to each side, spread
 * evenly. Under a closed loop each process's share of the machine, and so how many requests it
 * handles per event-loop turn, settles differently in every pass; at the same fixed rate both see the
 * same arrivals. The same build against itself (A/A, 6 passes) gave pass means of 0.82–1.20 under
 * the closed loop and 0.98–1.02 at 1 200 req/s, bar the first pass (0.85). Later runs were noisier:
 * one comparison gave 1.078 and then 0.968 minutes apart (pass means 0.91–1.12), so a difference
 * under ~5 % from one run is noise.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { killAllNow, stopAll, stopChild } from './children.ts';
import { REPO_ROOT, startEnvironment, TMP_DIR } from './environment.ts';
import { paced } from './paced-load.ts';
import { cpuMicros } from './proc-stats.ts';
import { saturate } from './saturation.ts';
import { ABLATIONS, ALL_SCENARIOS, type Scenario, type ScenarioEnv, type Target } from './scenarios.ts';

const USAGE =
  'Usage: npm run bench:ab -- [--a CHECKOUT] [--b CHECKOUT] [--scenario NAME] [--scenario-b NAME] [--rounds N] [--seconds S] [--passes N] [--rate R] [--stream]';
const CONNECTIONS_EACH = 25;
const WARMUP_S = 2;

type Side = 'a' | 'b';

interface Options {
  checkouts: Record<Side, string>;
  scenarios: Record<Side, Scenario>;
  rounds: number;
  seconds: number;
  passes: number;
  /** Requests per second to each side; undefined for closed-loop saturation. */
  rate: number | undefined;
  stream: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      scenario: { type: 'string', default: 'plain' },
      'scenario-b': { type: 'string' },
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '6' },
      passes: { type: 'string', default: '2' },
      rate: { type: 'string' },
      stream: { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const passes = Number(values.passes);
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (!(rounds >= 1) || !(seconds >= 1) || !(passes >= 2) || passes % 2 !== 0) throw new Error(USAGE);
  if (rate !== undefined && !(rate > 0)) throw new Error(USAGE);
  return {
    checkouts: { a: resolve(values.a ?? REPO_ROOT), b: resolve(values.b ?? REPO_ROOT) },
    scenarios: {
      a: sideScenario(values.scenario),
      b: sideScenario(values['scenario-b'] ?? values.scenario),
    },
    rounds,
    seconds,
    passes,
    rate,
    stream: values.stream,
  };
}

/** Any target with a process of its own: every scenario but `direct`, whose process is the upstream. */
function sideScenario(name: string): Scenario {
  const measurable = [...ALL_SCENARIOS, ...ABLATIONS].filter((s) => s.name !== 'direct');
  const scenario = measurable.find((s) => s.name === name);
  if (scenario) return scenario;
  const known = measurable.map((s) => s.name);
  throw new Error(`unknown Switchyard scenario ${name}; known: ${known.join(', ')}\n${USAGE}`);
}

/** CPU µs per 2xx response of `target` while `load` runs. */
async function cpuPerRequest(target: Target, load: Promise<{ ok: number }>): Promise<number> {
  const before = cpuMicros(target.process.pid);
  const { ok } = await load;
  return ok > 0 ? (cpuMicros(target.process.pid) - before) / ok : Number.NaN;
}

function loadOn(target: Target, durationS: number, rate: number | undefined, stream: boolean) {
  const shape = {
    origin: target.origin,
    headers: target.headers,
    bodyFields: target.bodyFields,
    sessionHeader: target.sessionHeader,
    stream,
    connections: CONNECTIONS_EACH,
    durationS,
  };
  return rate === undefined ? saturate(shape) : paced({ ...shape, rate });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const geometricMean = (values: readonly number[]) =>
  Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);

async function main(options: Options): Promise<void> {
  const { env } = await startEnvironment([]);
  const ratios: number[] = [];
  const passMeans: number[] = [];
  // Pass 0 is a warm-up and is not counted: measured A/A, the first pass of a run favoured the
  // process started second by ~15 % (0.80–0.85), every later pass by nothing like it.
  for (let pass = 0; pass <= options.passes; pass++) {
    const order = pass % 2 === 1 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    const targets = {} as Record<Side, Target>;
    for (const side of order) {
      // Each side its own config, log and output files, and its own checkout's build.
      const sideEnv: ScenarioEnv = {
        ...env,
        repoRoot: options.checkouts[side],
        tmpDir: join(TMP_DIR, `ab-${side}`),
      };
      mkdirSync(sideEnv.tmpDir, { recursive: true });
      targets[side] = await options.scenarios[side].start(sideEnv);
    }
    await Promise.all([
      loadOn(targets.a, WARMUP_S, options.rate, options.stream),
      loadOn(targets.b, WARMUP_S, options.rate, options.stream),
    ]);
    const passRatios: number[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const [a, b] = await Promise.all([
        cpuPerRequest(targets.a, loadOn(targets.a, options.seconds, options.rate, options.stream)),
        cpuPerRequest(targets.b, loadOn(targets.b, options.seconds, options.rate, options.stream)),
      ]);
      passRatios.push(b / a);
      process.stdout.write(
        `${order[0].toUpperCase()} started first, round ${round}: A ${a.toFixed(0)} µs/req, B ${b.toFixed(0)} µs/req, B/A ${(b / a).toFixed(3)}\n`,
      );
    }
    const warmUp = pass === 0;
    const passMean = geometricMean(passRatios);
    process.stdout.write(
      `  pass mean B/A ${passMean.toFixed(3)}${warmUp ? ' (warm-up, not counted)' : ''}\n`,
    );
    if (!warmUp) {
      passMeans.push(passMean);
      ratios.push(...passRatios);
    }
    await Promise.all([stopChild(targets.a.process), stopChild(targets.b.process)]);
  }
  process.stdout.write(
    `A ${options.scenarios.a.name}, B ${options.scenarios.b.name}: CPU per request B/A ${geometricMean(ratios).toFixed(3)} (geometric mean of ${ratios.length} rounds in ${options.passes} passes, both start orders; pass means ${Math.min(...passMeans).toFixed(3)}–${Math.max(...passMeans).toFixed(3)}, median ${median(passMeans).toFixed(3)}; ${options.rate === undefined ? 'closed loop' : `${options.rate} req/s each`}${options.stream ? ', streaming' : ''})\n`,
  );
}

process.on('exit', killAllNow);
let code = 1;
try {
  await main(parseOptions(process.argv.slice(2)));
  code = 0;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
} finally {
  await stopAll();
}
process.exit(code);
