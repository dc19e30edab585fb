import type { Gateway } from '../gateway.ts';
import type { Exchange } from './exchange.ts';

/**
 * One log line and the request metrics for every request: on finish, or with status 499 when the
 * client went away first.
 */
export function logExchange(gateway: Gateway, exchange: Exchange | null, status: number): void {
  if (!exchange || exchange.logged) return;
  exchange.logged = true;
  const latencyMs = performance.now() - exchange.startedAt;
  const { decision, served, usage } = exchange;
  // Metric labels use the target's stats key: `*` for a model the config does not list.
  const modelLabel = served ? served.statsKey.slice(served.provider.length + 1) : '';
  exchange.span?.setAttributes({
    'switchyard.decided_by': decision?.decidedBy ?? 'none',
    'switchyard.provider': served?.provider ?? '',
    'switchyard.model': served?.model ?? '',
  });
  exchange.span?.end(status);

  if (
    exchange.endpoint === 'chat' ||
    exchange.endpoint === 'embeddings' ||
    exchange.endpoint === 'messages'
  ) {
    gateway.metrics.countRequest({
      endpoint: exchange.endpoint,
      provider: served?.provider ?? '',
      model: modelLabel,
      decided_by: decision?.decidedBy ?? 'none',
      status: String(status),
    });
    if (served && usage) {
      gateway.metrics.forTarget(served.statsKey).countTokens(usage.promptTokens, usage.completionTokens);
    }
  }
  if (!gateway.requestLog.enabled) return;
  gateway.requestLog.write({
    reqId: exchange.requestId,
    method: exchange.method,
    path: exchange.path,
    status,
    latency_ms: Math.round(latencyMs * 10) / 10,
    decided_by: decision?.decidedBy,
    provider: served?.provider,
    model: served?.model,
    rule: decision?.rule?.name,
    route: decision?.route,
    policy: decision?.policy,
    attempts: exchange.attempts.length > 0 ? exchange.attempts.map(formatAttempt) : undefined,
    usage,
    stream_error: exchange.streamError,
    mcp: exchange.mcp,
    trace_id: exchange.traceParent.traceId,
  });
  if (decision && gateway.logger.isLevelEnabled('debug')) {
    gateway.logger.debug({ reqId: exchange.requestId, trace: decision.trace }, 'decision trace');
  }
}

function formatAttempt(attempt: {
  target: string;
  outcome: string;
  status: number | undefined;
  durationMs: number;
}) {
  return {
    target: attempt.target,
    outcome: attempt.outcome,
    status: attempt.status,
    ms: Math.round(attempt.durationMs),
  };
}
