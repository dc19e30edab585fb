import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer } from './children.ts';
import type { StartedScenario } from './phases.ts';
import { startPolicyServer } from './policy-server.ts';
import type { Scenario, ScenarioEnv } from './scenarios.ts';
import { fullPolicyDocument } from './switchyard-config.ts';

/** The upstream and the targets, started once and shared by every run of the benchmark or soak. */
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(BENCH_DIR, '..');
export const TMP_DIR = join(BENCH_DIR, '.tmp');

export async function startEnvironment(
  scenarios: readonly Scenario[],
): Promise<{ env: ScenarioEnv; started: StartedScenario[] }> {
  mkdirSync(TMP_DIR, { recursive: true });
  const { child, url } = await spawnServer({
    name: 'upstream',
    args: ['bench/upstream.ts'],
    cwd: REPO_ROOT,
    logPath: join(TMP_DIR, 'upstream.log'),
    printsUrl: true,
  });
  const policy = await startPolicyServer(fullPolicyDocument());
  const env: ScenarioEnv = {
    repoRoot: REPO_ROOT,
    tmpDir: TMP_DIR,
    upstreamUrl: url!,
    upstream: child,
    policyUrl: policy.url,
  };
  const started: StartedScenario[] = [];
  // One at a time: start-up (tsx compiling the gateway) is CPU-heavy on a small machine.
  for (const scenario of scenarios) started.push({ scenario, target: await scenario.start(env) });
  return { env, started };
}
