import { BENCH_MODEL } from './request-body.ts';

/**
 * Configs for the Switchyard scenarios. Each generator gets the fake upstream and the port to listen
 * on and returns YAML; logs go to a file at `warn` so that writing them does not cost the run.
 */
export interface ConfigContext {
  /** The fake's OpenAI base URL, e.g. `http://127.0.0.1:PORT/v1`. */
  upstreamUrl: string;
  policyUrl: string;
  port: number;
  logFile: string;
}

function common(ctx: ConfigContext): string {
  return `version: 1
server:
  listen: 127.0.0.1:${ctx.port}
  # Stopping the gateway at the end of the run should not wait for stragglers.
  drain_timeout_ms: 500
logging:
  level: warn
  file: ${JSON.stringify(ctx.logFile)}
# Scenarios run side by side; an embedded store is one process's alone.
rules_store: {kind: memory}
`;
}

/**
 * One provider and one alias: the plain request path (parse, decide by alias, forward, relay).
 * The alias has the well-known model's name, so clients send the same body as to the other targets.
 */
export function plainConfig(ctx: ConfigContext): string {
  return `${common(ctx)}providers:
  - name: upstream
    kind: openai-compatible
    base_url: ${JSON.stringify(ctx.upstreamUrl)}
    models: [${BENCH_MODEL}]
models:
  ${BENCH_MODEL}: [upstream/${BENCH_MODEL}]
routing:
  default: ${BENCH_MODEL}
`;
}

export const FULL_API_KEY = 'sk-bench-full-0123456789abcdef';
export const FULL_POLICY_ID = 'bench-policy';
const RULE_COUNT = 1000;

/**
 * The policy the `full` scenario's requests name: 1000 rules on `user.department`, the one that
 * matches near the end, so rule evaluation is part of every decision.
 */
export function fullPolicyDocument(): unknown {
  const rules = Array.from({ length: RULE_COUNT }, (_, i) => ({
    name: `dept-${i}`,
    priority: 100 + i,
    conditions: [
      { field: 'user.department', operator: 'eq', value: i === RULE_COUNT - 3 ? 'analytics' : `dept-${i}` },
      { field: 'request.model', operator: 'in', value: [BENCH_MODEL, 'gpt-4o'] },
    ],
    action: { provider: 'upstream', model: BENCH_MODEL },
  }));
  return { policy_id: FULL_POLICY_ID, revision: 1, schema_version: 1, rules };
}

/** What an ablation of `full` can leave out, to measure what that feature costs (`npm run bench:ab`). */
export type FullFeature = 'identity' | 'logging' | 'pii_rule' | 'affinity' | 'policy';

/**
 * Every routing feature on (issue: performance, scenario "full"): API-key identity, an enforced
 * PII rule (so the scan runs on every request), a policy with 1000 rules from the policy cache,
 * session affinity (each benchmark request opens a new session: looked up, missed, pinned),
 * metrics, and logs at info level to a file.
 */
export function fullConfig(ctx: ConfigContext, without: ReadonlySet<FullFeature> = new Set()): string {
  const identity = `identity:
  required: true
  api_keys:
    - {key: "${FULL_API_KEY}", tenant: bench, user: {id: u1, role: analyst, department: analytics}}
`;
  const piiRule = `  rules:
    - {name: pii-stays-home, priority: 1, enforce: true,
       conditions: [{field: request.sensitivity, operator: gte, value: high}],
       action: {provider: onprem, model: gpt-4o}}
`;
  return `version: 1
server:
  listen: 127.0.0.1:${ctx.port}
  drain_timeout_ms: 500
logging:
  level: ${without.has('logging') ? 'warn' : 'info'}
  file: ${JSON.stringify(ctx.logFile)}
rules_store: {kind: memory}
providers:
  - name: upstream
    kind: openai-compatible
    base_url: ${JSON.stringify(ctx.upstreamUrl)}
    models: [${BENCH_MODEL}, gpt-4o]
  - name: onprem
    kind: openai-compatible
    base_url: ${JSON.stringify(ctx.upstreamUrl)}
    models: [gpt-4o]
${without.has('identity') ? '' : identity}models:
  ${BENCH_MODEL}: [upstream/${BENCH_MODEL}]
routing:
  default: ${BENCH_MODEL}
${without.has('affinity') ? '' : '  session_affinity: {ttl_seconds: 3600}\n'}\
  policy_provider: {url: ${JSON.stringify(ctx.policyUrl)}, ttl_seconds: 3600}
${without.has('pii_rule') ? '' : piiRule}`;
}
