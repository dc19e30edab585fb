import { type Align, num, signed, table } from './markdown.ts';
import type { Profile } from './options.ts';
import type { RatioRow } from './ratios.ts';
import type { SystemInfo } from './system-info.ts';
import type { ProcessUsage, RunResult, ScenarioResult } from './types.ts';

/** The content of bench/results.json; RESULTS.md and the console tables are rendered from it. */
export interface BenchResults {
  system: SystemInfo;
  mode: Profile['mode'];
  profile: Profile;
  /** Requests per second of the fixed-rate run, and whether it came from the floor or `--rate`. */
  fixedRate: number;
  fixedRateSource: 'floor' | '--rate';
  bodyBytes: number;
  scenarios: ScenarioResult[];
  ratios: RatioRow[];
}

const RUN_HEADERS = [
  'run',
  'req/s',
  'p50 ms',
  'p99 ms',
  '+p50 ms',
  '+p99 ms',
  'CPU µs/req',
  'upstream CPU µs/req',
  'RSS peak MB',
  '2xx',
  'non-2xx',
  'errors',
];
const RUN_ALIGN: Align[] = ['left', ...RUN_HEADERS.slice(1).map((): Align => 'right')];

/** CPU per request, marked `~` when one clock tick is more than a tenth of it (too few requests). */
function cpu(usage: ProcessUsage | undefined): string {
  if (!usage || usage.cpuUsPerRequest === null) return '—';
  const rough = usage.cpuResolutionUs !== null && usage.cpuResolutionUs > usage.cpuUsPerRequest / 10;
  return `${rough ? '~' : ''}${num(usage.cpuUsPerRequest)}`;
}

function scenarioTable(scenario: ScenarioResult, direct: ScenarioResult | undefined): string {
  const rows = scenario.runs.map((run) => {
    const base = scenario === direct ? undefined : direct?.runs.find((r) => r.id === run.id);
    return [
      run.label,
      run.kind === 'ttfb' ? '—' : num(run.throughput),
      num(run.latency.p50, 2),
      num(run.latency.p99, 2),
      base ? signed(run.latency.p50 - base.latency.p50) : '—',
      base ? signed(run.latency.p99 - base.latency.p99) : '—',
      cpu(run.target),
      cpu(run.upstream),
      num(run.target.rssPeakMb, 1),
      String(run.ok),
      String(run.non2xx),
      String(run.errors),
    ];
  });
  const failure = scenario.failure ? `\n\n**FAILED:** ${scenario.failure.split('\n')[0]}` : '';
  return `### ${scenario.scenario}: ${scenario.description}\n\n${table(RUN_HEADERS, rows, RUN_ALIGN)}${failure}`;
}

function ratioTable(ratios: readonly RatioRow[]): string {
  const names = Object.keys(ratios[0]?.scenarios ?? {});
  if (names.length === 0) return '_No Switchyard scenario ran._';
  const headers = ['metric', 'unit', 'floor', ...names.flatMap((name) => [name, `${name} ÷ floor`])];
  const digits = (unit: string) => (unit === 'ms' ? 3 : unit === 'MB' ? 1 : 0);
  const rows = ratios.map((row) => [
    row.metric,
    row.unit,
    num(row.floor, digits(row.unit)),
    ...names.flatMap((name) => {
      const cell = row.scenarios[name];
      return [num(cell?.value, digits(row.unit)), cell?.ratio == null ? '—' : `${cell.ratio.toFixed(2)}×`];
    }),
  ]);
  return table(headers, rows, ['left', 'left', ...headers.slice(2).map((): Align => 'right')]);
}

/** Runs with non-2xx answers, errors or a failure, listed up front so they cannot be overlooked. */
export function problems(results: BenchResults): string[] {
  const lines: string[] = [];
  for (const scenario of results.scenarios) {
    if (scenario.failure) lines.push(`${scenario.scenario}: FAILED at ${scenario.failure.split('\n')[0]}`);
    for (const run of scenario.runs) {
      if (run.non2xx + run.errors > 0) lines.push(describeProblem(scenario.scenario, run));
    }
  }
  return lines;
}

function describeProblem(scenario: string, run: RunResult): string {
  const timeouts = run.timeouts > 0 ? ` (${run.timeouts} timeouts)` : '';
  return `${scenario} ${run.id}: ${run.non2xx} non-2xx, ${run.errors} errors${timeouts} of ${run.ok + run.non2xx + run.errors}`;
}

/**
 * Readings that change how the tables should be read: a fixed rate close to a target's own capacity
 * measures its queue, and a proxy beating the direct upstream shows how large the noise is.
 */
export function notes(results: BenchResults): string[] {
  const lines: string[] = [];
  const direct = results.scenarios.find((s) => s.scenario === 'direct');
  for (const scenario of results.scenarios) {
    const capacity = Math.max(
      0,
      ...scenario.runs.filter((r) => r.kind === 'saturation' && !r.stream).map((r) => r.throughput),
    );
    const share = capacity > 0 ? results.fixedRate / capacity : 0;
    const fixed = scenario.runs.find((r) => r.kind === 'fixed-rate');
    const kept = fixed ? fixed.throughput / results.fixedRate : 1;
    if (share > QUEUEING_SHARE || kept < KEPT_UP) {
      lines.push(
        `${scenario.scenario}: at the fixed rate (${results.fixedRate} req/s, ${(share * 100).toFixed(0)} % of its own saturation throughput) it answered ${fixed ? fixed.throughput.toFixed(0) : '—'} req/s, so its fixed-rate latency is mostly queueing.`,
      );
    }
    if (scenario === direct) continue;
    for (const run of scenario.runs) {
      const base = direct?.runs.find((r) => r.id === run.id);
      if (run.kind === 'saturation' && base && run.throughput > base.throughput) {
        lines.push(
          `${scenario.scenario} ${run.id} outran the direct upstream by ${((run.throughput / base.throughput - 1) * 100).toFixed(0)} %: run-to-run noise on this machine is at least that large.`,
        );
      }
    }
  }
  return lines;
}

/** Above this share of a target's own capacity, an open-loop run mostly measures its queue. */
const QUEUEING_SHARE = 0.7;
/** Answering less than this share of the fixed rate (counting the drain at the end) means it fell behind. */
const KEPT_UP = 0.95;

function bullets(title: string, lines: readonly string[]): string {
  return lines.length > 0 ? `## ${title}\n\n${lines.map((line) => `- ${line}`).join('\n')}\n\n` : '';
}

/** The tables: printed to stdout and embedded in RESULTS.md. */
export function renderTables(results: BenchResults): string {
  const direct = results.scenarios.find((s) => s.scenario === 'direct');
  const warnings = bullets('⚠ Problems', problems(results)) + bullets('Notes', notes(results));
  return `${warnings}## Per scenario

\`+p50\`/\`+p99\`: this target's latency minus the direct upstream's in the same run. For the TTFB row, p50/p99 are
time to first byte. CPU and RSS are the target process's (the upstream's CPU is listed separately).

${results.scenarios.map((s) => scenarioTable(s, direct)).join('\n\n')}

## Against the floor

${ratioTable(results.ratios)}
`;
}

export function renderMarkdown(results: BenchResults): string {
  const { system, profile } = results;
  return `# Switchyard benchmark results

- Date: ${system.date}
- Mode: **${results.mode}** (saturation runs ${profile.saturationS} s after ${profile.warmupS} s warm-up; fixed rate ${profile.fixedRateS} s; TTFB ${profile.ttfbRequests} requests)
- Machine: nproc ${system.nproc}, ${system.cpuModel}, ${system.memoryGb} GB RAM, load average ${system.loadAverage} before the run
- Node: ${system.node}
- Commit: ${system.commit}
- Command: \`npm run bench${results.mode === 'quick' ? ' -- --quick' : ''}\`

${renderTables(results)}
## How measured

- **Processes.** The fake OpenAI upstream (\`bench/upstream.ts\`, recording off), the floor proxy
  (\`bench/floor-proxy.ts\`: node:http in front, an undici Pool of 128 connections behind, bodies streamed
  unparsed) and each Switchyard scenario (the compiled build, \`node dist/src/cli.js serve\`, with a config generated in
  \`bench/.tmp/\`, logging at \`warn\` to a file) each run in their own process. The load comes from the runner,
  a separate process. All of them share the same ${system.nproc} cores, so saturation throughput is that of the whole
  set, not of the target alone: compare ratios rather than absolute numbers across machines.
- **Request.** The same ${results.bodyBytes}-byte chat completion body to every target (model \`gpt-4o-mini\`, which
  Switchyard maps through an alias to the same upstream model), the same reply; streaming runs add
  \`"stream": true\` and get the reply as SSE events.
- **Saturation.** autocannon, closed loop: N connections each with one request in flight, ${profile.warmupS} s warm-up
  (not recorded), then ${profile.saturationS} s measured. req/s counts 2xx responses. Latency percentiles are exact, from
  every 2xx response's time (autocannon's own histogram rounds to whole milliseconds).
- **Fixed rate.** ${results.fixedRateSource === 'floor' ? `${profile.fixedRateFraction * 100} % of the floor's lower non-streaming saturation throughput (${results.fixedRate} req/s here)` : `${results.fixedRate} req/s, set with \`--rate\``},
  open loop: a 1 ms ticker sends what is due on an undici Pool of up to
  ${profile.fixedRateConnections} connections. autocannon's \`overallRate\` was not used: it sends each connection's
  per-second quota back to back and then idles, so "half load" would be saturation half of each second.
  Added latency = the target's percentile minus the direct upstream's at the same rate.
- **TTFB.** ${profile.ttfbRequests} sequential streaming requests on one connection after ${profile.ttfbWarmup} warm-up requests, each
  timed from sending to the first non-empty body chunk. Overhead = target minus direct.
- **CPU per request.** utime + stime of the target process (all threads) from \`/proc/<pid>/stat\` over the
  measured window, divided by the responses completed. The clock tick is 10 ms: negligible over thousands of
  requests, but over the few hundred sequential TTFB requests it is ±50 µs or more; such values are marked \`~\`.
- **Noise.** On a small shared machine, saturation throughput can move by up to a factor of two from one
  run to the next (other work competes for the same cores); CPU per request is the far steadier figure. Saturation runs are interleaved (each run across all targets
  before the next) so that the numbers divided by each other were taken close together in time.
- **RSS peak.** VmRSS from \`/proc/<pid>/status\`, sampled every 100 ms during measured windows. The upstream
  and the floor run from TypeScript through tsx (compiled once at load, ~45 MB of its own); Switchyard
  runs its compiled build, as in production, and loads far more modules than the others.
- **Errors.** Non-2xx responses and connection errors/timeouts are counted per run and listed under
  "Problems" at the top when there are any; latencies only include 2xx responses.
- Raw numbers: \`bench/results.json\`.
`;
}
