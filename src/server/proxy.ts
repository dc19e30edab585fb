import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ProviderRuntime, Snapshot } from '../config/snapshot.ts';
import type { StreamSuccess } from '../forward/attempt.ts';
import { ChainFailure, forwardWithFallback } from '../forward/chain.ts';
import type { Gateway } from '../gateway.ts';
import { formatTraceParent } from '../observability/trace-context.ts';
import type { Operation } from '../providers/profiles.ts';
import type { Decision } from '../routing/decision.ts';
import type { Target } from '../routing/target.ts';
import { setDecisionHeaders } from './decision-headers.ts';
import type { Exchange } from './exchange.ts';
import { SseTail, usageOf } from './sse-tail.ts';

/**
 * Runs the fallback chain for a decided request and writes the answer: JSON as one body, streams
 * chunk by chunk as they arrive. Shared by every ingress that proxies to a model.
 */
export interface ProxyRequest {
  gateway: Gateway;
  snapshot: Snapshot;
  exchange: Exchange;
  reply: FastifyReply;
  decision: Decision;
  op: Operation;
  stream: boolean;
  encodeBody(target: Target, provider: ProviderRuntime): string;
  /** Called once a target has answered and the gateway has committed to it. */
  onServed?(target: Target): void;
}

export async function proxy(req: ProxyRequest): Promise<FastifyReply> {
  const { gateway, snapshot, exchange, reply } = req;
  // The deadline bounds the chain until an answer starts; after that, a stream is bounded by its
  // idle timeout instead, so a long generation is not cut off. A client that leaves aborts always.
  const upstream = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) upstream.abort();
  };
  reply.raw.once('close', onClose);
  const deadline = AbortSignal.timeout(snapshot.config.server.request_timeout_ms);
  const onDeadline = () => upstream.abort(deadline.reason);
  deadline.addEventListener('abort', onDeadline, { once: true });
  const signal = upstream.signal;

  const upstreamHeaders: Record<string, string> = {
    'content-type': 'application/json',
    accept: req.stream ? 'text/event-stream' : 'application/json',
    'x-request-id': exchange.requestId,
    traceparent: formatTraceParent(exchange.traceParent),
  };

  let result: Awaited<ReturnType<typeof forwardWithFallback>>;
  try {
    result = await forwardWithFallback({
      snapshot,
      health: gateway.health,
      targets: req.decision.targets,
      op: req.op,
      encodeBody: req.encodeBody,
      headers: upstreamHeaders,
      stream: req.stream,
      signal,
      deadline,
      onAttempt: (record) =>
        recordAttempt(gateway, record.target, record.outcome, record.durationMs, req.stream),
    });
  } catch (error) {
    reply.raw.off('close', onClose);
    deadline.removeEventListener('abort', onDeadline);
    if (error instanceof ChainFailure) {
      exchange.attempts = error.attempts;
      throw error.error;
    }
    throw error;
  }

  deadline.removeEventListener('abort', onDeadline);
  exchange.attempts = result.attempts;
  exchange.served = result.target;
  setDecisionHeaders(reply, req.decision, result.target, result.attempts.length);
  req.onServed?.(result.target);

  if (result.kind === 'json') {
    reply.raw.off('close', onClose);
    exchange.usage = usageOf((result.json as { usage?: unknown } | null)?.usage);
    return reply.code(result.status).type('application/json').send(result.body);
  }

  const started = performance.now() - (result.attempts.at(-1)?.durationMs ?? 0);
  gateway.metrics.timeToFirstToken.observe(
    { provider: result.target.provider, model: result.target.model },
    (result.attempts.at(-1)?.durationMs ?? 0) / 1000,
  );
  reply
    .code(result.status)
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no');
  const relay = relayStream(result, exchange, () => {
    reply.raw.off('close', onClose);
    gateway.metrics.upstreamLatency.observe(
      {
        provider: result.target.provider,
        model: result.target.model,
        outcome: exchange.streamError ? 'stream_error' : 'ok',
      },
      (performance.now() - started) / 1000,
    );
  });
  return reply.send(Readable.from(relay, { objectMode: false }));
}

function recordAttempt(
  gateway: Gateway,
  key: string,
  outcome: string,
  durationMs: number,
  stream: boolean,
): void {
  const slash = key.indexOf('/');
  const labels = { provider: key.slice(0, slash), model: key.slice(slash + 1) };
  gateway.metrics.attempts.inc({ ...labels, outcome });
  if (outcome !== 'ok' && !outcome.startsWith('skipped')) {
    gateway.metrics.fallbacks.inc({ ...labels, reason: outcome });
  }
  if (!stream && !outcome.startsWith('skipped')) {
    gateway.metrics.upstreamLatency.observe({ ...labels, outcome }, durationMs / 1000);
  }
}

/**
 * Relays an upstream SSE stream as it arrives. Once the first byte has gone to the client there
 * is no fallback: a broken or truncated upstream ends the stream with an SSE error event that the
 * OpenAI clients surface as an error.
 */
async function* relayStream(
  upstream: StreamSuccess,
  exchange: Exchange,
  onEnd: () => void,
): AsyncGenerator<Buffer> {
  const tail = new SseTail();
  let finished = false;
  try {
    tail.push(upstream.first);
    yield upstream.first;
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await upstream.rest.next();
      } catch (error) {
        exchange.streamError = streamFailureMessage(error);
        yield sseError(exchange.streamError);
        finished = true;
        return;
      }
      if (next.done) break;
      tail.push(next.value);
      yield next.value;
    }
    finished = true;
    exchange.usage = tail.usage();
    if (!tail.sawDone) {
      exchange.streamError = 'upstream ended the stream before it was complete';
      yield sseError(exchange.streamError);
    }
  } finally {
    // Reached early when the client goes away: stop reading the upstream.
    if (!finished) {
      exchange.streamError ??= 'client disconnected';
      upstream.cancel();
    }
    onEnd();
  }
}

function streamFailureMessage(error: unknown): string {
  const name = (error as { name?: string }).name;
  if (name === 'BodyTimeoutError') return 'upstream stream went idle for too long';
  return 'upstream connection failed during the stream';
}

function sseError(message: string): Buffer {
  const body = { error: { message, type: 'upstream_error', code: 'stream_interrupted', param: null } };
  return Buffer.from(`data: ${JSON.stringify(body)}\n\n`);
}
