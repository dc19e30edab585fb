import { compileSnapshot } from './config/compile.ts';
import {
  ConfigError,
  type ConfigIssue,
  type LoadedConfig,
  loadConfigFile,
  parseConfig,
} from './config/load.ts';
import type { Snapshot } from './config/snapshot.ts';
import { PoolRegistry } from './forward/pools.ts';
import { TargetHealth } from './forward/target-health.ts';
import { McpState } from './mcp/mcp-state.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { type RequestLine, requestLine } from './observability/request-line.ts';
import { createTracer, type RequestTracer } from './observability/tracing.ts';
import { RoutingState } from './routing/routing-services.ts';
import { createRuleStore } from './stores/create-rule-store.ts';
import type { RuleStore } from './stores/rule-store.ts';

/**
 * The long-lived parts of a running gateway: the current config snapshot (swapped whole on
 * reload), and the state that outlives snapshots — connection pools, target health, metrics.
 */
export interface GatewayOptions {
  /** Where the config lives; reloads read it again. */
  configPath?: string;
  /** Config text, when there is no file (tests, demo). */
  configText?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Where tenants' rules are stored; default: what `rules_store` configures (changes need a restart). */
  ruleStore?: RuleStore;
}

export type ReloadResult = { ok: true; generation: number } | { ok: false; issues: ConfigIssue[] };

export class Gateway {
  readonly pools = new PoolRegistry();
  readonly metrics = new Metrics();
  readonly health: TargetHealth;
  readonly routing: RoutingState;
  /** Writes the one line per request (see request-line.ts). */
  readonly requestLog: RequestLine;
  /** MCP rate-limit buckets, kept across reloads. */
  readonly mcp: McpState;
  #snapshot: Snapshot;
  #generation: number;
  #reloading: Promise<ReloadResult> | undefined;

  private constructor(
    private readonly options: GatewayOptions,
    readonly logger: Logger,
    readonly tracer: RequestTracer | null,
    loaded: LoadedConfig,
  ) {
    this.requestLog = requestLine(logger);
    this.health = new TargetHealth(Date.now, (key, state) => {
      this.metrics.setBreakerState(key, state);
      this.logger.warn({ target: key, state }, 'circuit breaker changed state');
    });
    this.mcp = new McpState(logger);
    this.#generation = 1;
    this.#snapshot = compileSnapshot(loaded, { pools: this.pools, generation: this.#generation });
    const ruleStore = options.ruleStore ?? createRuleStore(loaded.config.rules_store, logger);
    this.routing = new RoutingState(this.#snapshot, ruleStore, logger, this.metrics);
  }

  static async create(options: GatewayOptions): Promise<Gateway> {
    const loaded = await load(options);
    const logger = options.logger ?? createLogger(loaded.config.logging);
    const tracer = await createTracer(loaded.config.tracing);
    return new Gateway(options, logger, tracer, loaded);
  }

  /** The snapshot a new request should use. Capture it once per request. */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /**
   * Builds a new snapshot beside the current one and swaps it in. An invalid config is refused with
   * its issues and the current snapshot keeps serving. Concurrent calls share one reload.
   */
  reload(configText?: string): Promise<ReloadResult> {
    if (configText === undefined && this.#reloading) return this.#reloading;
    const run = this.#reload(configText).finally(() => {
      if (this.#reloading === run) this.#reloading = undefined;
    });
    if (configText === undefined) this.#reloading = run;
    return run;
  }

  async #reload(configText: string | undefined): Promise<ReloadResult> {
    try {
      const loaded = await load(
        configText === undefined ? this.options : { ...this.options, configText, configPath: undefined },
      );
      const next = compileSnapshot(loaded, { pools: this.pools, generation: this.#generation + 1 });
      this.#generation += 1;
      this.#snapshot = next;
      this.routing.adopt(next);
      this.metrics.configReloads.inc({ result: 'applied' });
      this.logger.info({ generation: next.generation, source: next.source }, 'config reloaded');
      this.#scheduleUnusedPoolClose();
      return { ok: true, generation: next.generation };
    } catch (error) {
      this.metrics.configReloads.inc({ result: 'refused' });
      const issues = error instanceof ConfigError ? error.issues : [{ path: '', message: String(error) }];
      this.logger.error({ issues }, 'config reload refused; the previous config keeps serving');
      this.#scheduleUnusedPoolClose();
      return { ok: false, issues };
    }
  }

  /**
   * Requests that began on an older snapshot may still move on to its other targets, so pools the
   * current snapshot no longer uses are closed only after the longest a request may run.
   */
  #scheduleUnusedPoolClose(): void {
    const grace = this.#snapshot.config.server.request_timeout_ms;
    setTimeout(() => {
      const mcpPools = [...this.#snapshot.mcp.servers.values()].map((s) => s.pool);
      void this.pools.retainOnly(
        new Set([...this.#snapshot.providers.values()].map((p) => p.pool).concat(mcpPools)),
      );
    }, grace).unref();
  }

  async close(): Promise<void> {
    await this.routing.close();
    await this.mcp.close();
    await this.pools.closeAll(this.#snapshot.config.server.drain_timeout_ms);
    await this.tracer?.shutdown();
  }
}

async function load(options: GatewayOptions): Promise<LoadedConfig> {
  if (options.configText !== undefined)
    return parseConfig(options.configText, '<inline config>', options.env);
  if (options.configPath !== undefined) return loadConfigFile(options.configPath, options.env);
  throw new Error('Gateway needs configPath or configText');
}
