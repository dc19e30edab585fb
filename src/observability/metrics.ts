import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from '../forward/circuit-breaker.ts';
import { type CounterSeries, type HistogramSeries, HotCounter, HotHistogram } from './hot-series.ts';
import { registerProcessMetrics } from './process-metrics.ts';

/**
 * Prometheus metrics. Every label value comes from the config (provider, model, decided_by) or a
 * small fixed set (status class, outcome), never from a tenant-supplied value, so label
 * cardinality stays bounded. One registry per gateway instance so tests can run several.
 */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export interface TargetMetrics {
  countAttempt(outcome: string): void;
  countFallback(reason: string): void;
  observeLatency(outcome: string, seconds: number): void;
  observeFirstToken(seconds: number): void;
  countTokens(prompt: number, completion: number): void;
}

export class Metrics {
  readonly registry = new Registry();

  readonly requests = new HotCounter({
    name: 'switchyard_requests_total',
    help: 'Requests answered, by endpoint, chosen provider/model, deciding step and HTTP status',
    labelNames: ['endpoint', 'provider', 'model', 'decided_by', 'status'] as const,
    registers: [this.registry],
  });

  readonly upstreamLatency = new HotHistogram({
    name: 'switchyard_upstream_latency_seconds',
    help: 'Time from sending an upstream request to its complete answer (streams: to the last chunk)',
    labelNames: ['provider', 'model', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly timeToFirstToken = new HotHistogram({
    name: 'switchyard_time_to_first_token_seconds',
    help: 'Time from sending a streaming upstream request to its first chunk',
    labelNames: ['provider', 'model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly attempts = new HotCounter({
    name: 'switchyard_upstream_attempts_total',
    help: 'Upstream attempts by target and outcome (ok, http_error, timeout, reset, skipped_*, ...)',
    labelNames: ['provider', 'model', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly fallbacks = new HotCounter({
    name: 'switchyard_fallbacks_total',
    help: 'Times a request moved on from a target to the next one in its chain',
    labelNames: ['provider', 'model', 'reason'] as const,
    registers: [this.registry],
  });

  readonly breakerState = new Gauge({
    name: 'switchyard_circuit_breaker_state',
    help: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly tokens = new HotCounter({
    name: 'switchyard_tokens_total',
    help: 'Tokens reported by upstreams, by provider/model and kind (prompt, completion)',
    labelNames: ['provider', 'model', 'kind'] as const,
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: 'switchyard_config_reloads_total',
    help: 'Config reloads by result (applied, refused)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly policyCache = new HotCounter({
    name: 'switchyard_policy_cache_total',
    help: 'Policy provider cache lookups by result (hit, miss, stale, not_found, error)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly sessionErrors = new Counter({
    name: 'switchyard_session_store_errors_total',
    help: 'Session-affinity store operations that failed (affinity degrades, requests go on)',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly routerCalls = new Counter({
    name: 'switchyard_router_calls_total',
    help: 'Router model calls for preference routes, by outcome (route, none, unknown_route, malformed, timeout, error, circuit_open)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly routerLatency = new Histogram({
    name: 'switchyard_router_latency_seconds',
    help: 'Time of a router model call, by outcome',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly mcpToolCalls = new Counter({
    name: 'switchyard_mcp_tool_calls_total',
    help: 'MCP tool calls by server, tool (those named in the config; others are "*") and outcome',
    labelNames: ['server', 'tool', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Read at scrape time; the routing state points it at the rule store. */
  rulesStoreProbe: () => boolean = () => true;

  readonly rulesStoreUp: Gauge = new Gauge({
    name: 'switchyard_rules_store_up',
    help: '1 when the rule store answers and its change feed is live; 0 while replicas serve their last compiled rules',
    registers: [this.registry],
    collect: (): void => this.rulesStoreUp.set(this.rulesStoreProbe() ? 1 : 0),
  });

  readonly shed = new Counter({
    name: 'switchyard_requests_shed_total',
    help: 'Requests answered 503 at once because max_in_flight requests were already being served',
    registers: [this.registry],
  });

  readonly #targets = new Map<string, TargetMetrics>();

  constructor() {
    registerProcessMetrics(this.registry);
  }

  /** The per-target series of `provider/model`, built once per target. */
  forTarget(key: string): TargetMetrics {
    let target = this.#targets.get(key);
    if (!target) {
      const slash = key.indexOf('/');
      const provider = key.slice(0, slash);
      const model = key.slice(slash + 1);
      const attempts = new Map<string, CounterSeries>();
      const fallbacks = new Map<string, CounterSeries>();
      const latency = new Map<string, HistogramSeries>();
      const ttft = this.timeToFirstToken.series({ provider, model });
      const promptTokens = this.tokens.series({ provider, model, kind: 'prompt' });
      const completionTokens = this.tokens.series({ provider, model, kind: 'completion' });
      target = {
        countAttempt: (outcome) =>
          cached(attempts, outcome, () => this.attempts.series({ provider, model, outcome })).inc(),
        countFallback: (reason) =>
          cached(fallbacks, reason, () => this.fallbacks.series({ provider, model, reason })).inc(),
        observeLatency: (outcome, seconds) =>
          cached(latency, outcome, () => this.upstreamLatency.series({ provider, model, outcome })).observe(
            seconds,
          ),
        observeFirstToken: (seconds) => ttft.observe(seconds),
        countTokens: (prompt, completion) => {
          promptTokens.inc(prompt);
          completionTokens.inc(completion);
        },
      };
      this.#targets.set(key, target);
    }
    return target;
  }

  countRequest(labels: {
    endpoint: string;
    provider: string;
    model: string;
    decided_by: string;
    status: string;
  }): void {
    this.requests.series(labels).inc();
  }

  setBreakerState(target: string, state: BreakerState): void {
    this.breakerState.set({ target }, BREAKER_VALUE[state]);
  }
}

/** The series under `key`, made on first use: label sets are looked up once, not per request. */
function cached<T>(series: Map<string, T>, key: string, make: () => T): T {
  let found = series.get(key);
  if (found === undefined) {
    found = make();
    series.set(key, found);
  }
  return found;
}
