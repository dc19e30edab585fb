// The whole test suite: the type check and the linter (each counted as one test), then every
// vitest test. Ends with the plain summary line CI reads, "N passed, N failed", right after
// vitest's own summary.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const extraArgs = process.argv.slice(2);
let passed = 0;
let failed = 0;

// Static checks run only for a full run (not when a subset of files is named).
if (extraArgs.length === 0) {
  for (const [name, command, args] of [
    ['type check (tsc --noEmit)', 'npx', ['tsc', '--noEmit', '-p', '.']],
    ['lint (biome check)', 'npx', ['biome', 'check', 'src', 'test', 'bench', 'scripts']],
  ]) {
    const check = spawnSync(command, args, { stdio: 'inherit' });
    if (check.status === 0) passed += 1;
    else failed += 1;
    console.log(`${check.status === 0 ? '✓' : '✗'} ${name}`);
  }
}

const report = 'test-results.json';
rmSync(report, { force: true });
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs],
  { stdio: 'inherit' },
);

let ran = 0;
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  ran = results.numPassedTests;
  passed += results.numPassedTests;
  failed += results.numFailedTests + (results.numRuntimeErrorTests ?? 0);
  // A file that fails to load counts as a failure even if no test inside it ran.
  failed += results.testResults.filter(
    (f) => f.status === 'failed' && f.assertionResults.length === 0,
  ).length;
} catch {
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 && ran > 0 ? 0 : 1);
