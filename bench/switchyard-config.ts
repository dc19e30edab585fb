import { BENCH_MODEL } from './request-body.ts';

/**
 * Configs for the Switchyard scenarios. Each generator gets the fake upstream and the port to listen
 * on and returns YAML; logs go to a file at `warn` so that writing them does not cost the run.
 */
export interface ConfigContext {
  /** The fake's OpenAI base URL, e.g. `http://127.0.0.1:PORT/v1`. */
  upstreamUrl: string;
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
