import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Child, spawnServer } from './children.ts';
import { freePort, waitForReady } from './net.ts';
import type { RequestShape } from './request-body.ts';
import {
  type ConfigContext,
  FULL_API_KEY,
  FULL_POLICY_ID,
  type FullFeature,
  fullConfig,
  plainConfig,
} from './switchyard-config.ts';

/**
 * The targets under test. `direct` and `floor` are the baselines every other scenario is compared
 * with; the Switchyard scenarios differ only in the config they generate (and the headers their
 * clients send). Adding a scenario = adding an entry to SWITCHYARD_SCENARIOS.
 */
export interface ScenarioEnv {
  repoRoot: string;
  tmpDir: string;
  /** The fake's OpenAI base URL (`…/v1`). */
  upstreamUrl: string;
  upstream: Child;
  /** The policy provider the `full` scenario fetches its policy from. */
  policyUrl: string;
}

export interface Target extends RequestShape {
  /** Origin that serves `/v1/chat/completions`. */
  origin: string;
  /** The process whose CPU and memory are charged to this target. */
  process: Child;
}

export interface Scenario {
  name: string;
  description: string;
  /** Baselines always run; `--only` selects among the others. */
  baseline: boolean;
  start(env: ScenarioEnv): Promise<Target>;
}

export interface SwitchyardScenarioDef {
  name: string;
  description: string;
  config(ctx: ConfigContext): string;
  headers?: Record<string, string>;
  bodyFields?: Readonly<Record<string, unknown>>;
  sessionHeader?: string;
}

/** The Switchyard configurations measured against the baselines. */
export const SWITCHYARD_SCENARIOS: readonly SwitchyardScenarioDef[] = [
  {
    name: 'plain',
    description: 'Switchyard, one openai-compatible provider and an alias; no identity, rules or inspection',
    config: plainConfig,
  },
  fullScenario(new Set()),
];

function fullScenario(without: ReadonlySet<FullFeature>): SwitchyardScenarioDef {
  return {
    name: without.size === 0 ? 'full' : `full-without-${[...without].join('-')}`,
    description:
      without.size === 0
        ? 'Switchyard with every routing feature on: API-key identity, 1000 rules (match near the end), a PII rule, a policy from the policy cache, session affinity (a new session per request), info logs to a file'
        : `full without ${[...without].join(', ')}`,
    config: (ctx) => fullConfig(ctx, without),
    headers: without.has('identity') ? {} : { authorization: `Bearer ${FULL_API_KEY}` },
    ...(without.has('policy') ? {} : { bodyFields: { policy_id: FULL_POLICY_ID } }),
    // Every request a new conversation: were they all one session, every turn after the first
    // would be decided by affinity, and the policy and its 1000 rules would never be evaluated.
    ...(without.has('affinity') ? {} : { sessionHeader: 'x-session-id' }),
  };
}

/**
 * `full` with one feature left out, for `npm run bench:ab -- --scenario full --scenario-b
 * full-without-<feature>`: what that feature costs per request. Without identity no rule matches
 * (the rules read the key's department), so that one also drops the rule match.
 */
export const ABLATION_SCENARIOS: readonly SwitchyardScenarioDef[] = (
  ['identity', 'logging', 'pii_rule', 'affinity', 'policy'] as const
).map((feature) => fullScenario(new Set([feature])));

const direct: Scenario = {
  name: 'direct',
  description: 'the fake upstream itself, no proxy',
  baseline: true,
  async start(env) {
    return { origin: new URL(env.upstreamUrl).origin, process: env.upstream, headers: {} };
  },
};

const floor: Scenario = {
  name: 'floor',
  description: 'minimal pass-through proxy: node:http + undici Pool, no body parsing',
  baseline: true,
  async start(env) {
    const { child, url } = await spawnServer({
      name: 'floor',
      args: ['bench/floor-proxy.ts', new URL(env.upstreamUrl).origin],
      cwd: env.repoRoot,
      logPath: join(env.tmpDir, 'floor.log'),
      printsUrl: true,
    });
    return { origin: url!, process: child, headers: {} };
  },
};

function switchyardScenario(def: SwitchyardScenarioDef): Scenario {
  return {
    name: def.name,
    description: def.description,
    baseline: false,
    async start(env) {
      const port = await freePort();
      const configPath = join(env.tmpDir, `switchyard-${def.name}.yaml`);
      const logFile = join(env.tmpDir, `switchyard-${def.name}.log`);
      writeFileSync(
        configPath,
        def.config({ upstreamUrl: env.upstreamUrl, policyUrl: env.policyUrl, port, logFile }),
      );
      const { child } = await spawnServer({
        name: `switchyard-${def.name}`,
        // The build (`npm run build`, done by bench/run.ts first), as it runs in production.
        args: ['dist/src/cli.js', 'serve', '--config', configPath],
        compiled: true,
        cwd: env.repoRoot,
        // stdout/stderr (startup failures, anything printed before the logger exists).
        logPath: join(env.tmpDir, `switchyard-${def.name}.out`),
        printsUrl: false,
      });
      const origin = `http://127.0.0.1:${port}`;
      await waitForReady(child, `${origin}/readyz`);
      return {
        origin,
        process: child,
        headers: def.headers ?? {},
        bodyFields: def.bodyFields,
        sessionHeader: def.sessionHeader,
      };
    },
  };
}

export const ALL_SCENARIOS: readonly Scenario[] = [
  direct,
  floor,
  ...SWITCHYARD_SCENARIOS.map(switchyardScenario),
];

/** Measured only on request (`npm run bench:ab`), never by `npm run bench`. */
export const ABLATIONS: readonly Scenario[] = ABLATION_SCENARIOS.map(switchyardScenario);

/** The baselines plus the named scenarios (all of them when `only` is empty). */
export function selectScenarios(only: readonly string[]): Scenario[] {
  const unknown = only.filter((name) => !ALL_SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario(s) ${unknown.join(', ')}; known: ${ALL_SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  return ALL_SCENARIOS.filter((s) => s.baseline || only.length === 0 || only.includes(s.name));
}
