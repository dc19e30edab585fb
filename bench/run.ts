/**
 * `npm run bench [-- --quick] [-- --only plain] [-- --soak MINUTES]`
 *
 * Starts the fake upstream, the floor proxy and the Switchyard scenarios as separate processes,
 * drives them one after the other from this process, and writes bench/RESULTS.md and
 * bench/results.json. Every child is stopped on the way out, whatever the way out is.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAllNow, stopAll } from './children.ts';
import { BENCH_DIR, REPO_ROOT, startEnvironment } from './environment.ts';
import { microTable, runRoutingMicro } from './micro-routing.ts';
import { type BenchOptions, DEFAULT_SOAK_RATE, parseOptions } from './options.ts';
import { runBenchmark } from './phases.ts';
import { computeRatios } from './ratios.ts';
import { type BenchResults, problems, renderMarkdown, renderTables } from './report.ts';
import { CHAT_BODY } from './request-body.ts';
import { selectScenarios } from './scenarios.ts';
import { runSoak, soakTable, writeSoakResults } from './soak.ts';
import { systemInfo } from './system-info.ts';

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function main(options: BenchOptions): Promise<number> {
  const selected = selectScenarios(options.only);
  // A soak watches the gateway alone; the baselines would only take memory and start-up time.
  const scenarios = options.soakMinutes === null ? selected : selected.filter((s) => !s.baseline);
  const startedAt = performance.now();
  const system = systemInfo(REPO_ROOT);
  progress(
    `mode ${options.soakMinutes === null ? options.profile.mode : 'soak'}; starting ${scenarios.map((s) => s.name).join(', ')}`,
  );
  const { started } = await startEnvironment(scenarios);

  if (options.soakMinutes !== null) {
    const results = await runSoak(started, options.soakMinutes, options.rate ?? DEFAULT_SOAK_RATE, progress);
    process.stdout.write(`${soakTable(results)}\n`);
    const path = writeSoakResults(results, { system });
    progress(`wrote ${path}`);
    return results.some((r) => r.outcome.non2xx + r.outcome.errors > 0) ? 1 : 0;
  }

  const outcome = await runBenchmark(
    started,
    started[0]!.target.process,
    options.profile,
    options.rate,
    progress,
  );
  const results: BenchResults = {
    system,
    mode: options.profile.mode,
    profile: options.profile,
    fixedRate: outcome.fixedRate,
    fixedRateSource: outcome.fixedRateSource,
    bodyBytes: Buffer.byteLength(CHAT_BODY),
    scenarios: outcome.scenarios,
    ratios: computeRatios(
      outcome.scenarios,
      options.profile.saturationRuns.map((run) => run.id),
    ),
  };
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  progress('micro-benchmarks of the routing engine');
  const micro = await runRoutingMicro(options.profile.mode === 'quick');
  writeFileSync(
    join(BENCH_DIR, 'RESULTS.md'),
    `${renderMarkdown(results)}\n## Routing engine (in-process micro-benchmarks)\n\n${microTable(micro)}\n\n${readFileSync(join(BENCH_DIR, 'CHANGES.md'), 'utf8')}`,
  );
  process.stdout.write(`\n${renderTables(results)}`);
  progress(
    `wrote bench/RESULTS.md and bench/results.json in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`,
  );
  // Problems do not stop the report, but they do make the command fail.
  return problems(results).length > 0 ? 1 : 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    progress(`${signal}: stopping servers`);
    void stopAll().finally(() => process.exit(130));
  });
}
process.on('exit', killAllNow);

let code = 1;
try {
  code = await main(parseOptions(process.argv.slice(2)));
} catch (error) {
  progress(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  if (!interrupted) await stopAll();
}
process.exit(code);
