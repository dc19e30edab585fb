import type { ServerResponse } from 'node:http';
import type { Snapshot } from '../config/snapshot.ts';
import { errors } from '../errors.ts';
import type { ClientHeaders, StreamSuccess } from '../forward/attempt.ts';
import { ChainFailure, forwardWithFallback } from '../forward/chain.ts';
import type { Gateway } from '../gateway.ts';
import { formatTraceParent } from '../observability/trace-context.ts';
import type { StreamRelay } from '../providers/codecs/codec.ts';
import type { CodecFor } from '../providers/codecs/select.ts';
import type { Operation } from '../providers/profiles.ts';
import type { Decision } from '../routing/decision.ts';
import type { Target } from '../routing/target.ts';
import type { AnswerTarget } from './answer.ts';
import { setDecisionHeaders } from './decision-headers.ts';
import type { Exchange } from './exchange.ts';

/**
 * Runs the fallback chain for a decided request and writes the answer: JSON as one body, streams
 * chunk by chunk as they arrive. Shared by every ingress that proxies to a model; what differs
 * between APIs (bodies, stream events, error shapes) is the codec's business, chosen per target.
 */
export interface ProxyRequest {
  gateway: Gateway;
  snapshot: Snapshot;
  exchange: Exchange;
  /** Where the answer goes. */
  answer: AnswerTarget;
  decision: Decision;
  op: Operation;
  stream: boolean;
  /** The codec for the client's API and a target's provider API. */
  codecFor: CodecFor;
  /** The client's headers, for providers configured to receive some (`pass_headers`). */
  clientHeaders?: ClientHeaders;
  /** Called once a target has answered and the gateway has committed to it. */
  onServed?(target: Target): void;
}

const DEADLINE_PASSED = new Error('request deadline passed');

export async function proxy(req: ProxyRequest): Promise<void> {
  const { gateway, snapshot, exchange, answer } = req;
  // The deadline bounds the chain until an answer starts; after that, a stream is bounded by its
  // idle timeout instead, so a long generation is not cut off. A client that leaves aborts always.
  const upstream = exchange.upstream;
  // A plain timer rather than AbortSignal.timeout: cheaper per request, and cleared at commit.
  const deadline = { aborted: false };
  const deadlineTimer = setTimeout(() => {
    deadline.aborted = true;
    upstream.abort(DEADLINE_PASSED);
  }, snapshot.config.server.request_timeout_ms);

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
      encodeBody: (target, provider) => req.codecFor(provider).encodeRequest(target.model, provider),
      headers: upstreamHeaders,
      clientHeaders: req.clientHeaders,
      stream: req.stream,
      signal: upstream,
      deadline,
      onAttempt: (record) =>
        recordAttempt(gateway, record.statsKey, record.outcome, record.durationMs, req.stream, req.op),
    });
  } catch (error) {
    clearTimeout(deadlineTimer);
    if (error instanceof ChainFailure) {
      exchange.attempts = error.attempts;
      const last = error.last;
      // An upstream's own error answer is shown in the client's API, whatever API the upstream spoke.
      // A 401/403 from an upstream means the gateway's own key for it is wrong: not the client's
      // credentials, so it must not reach the client as an authentication failure.
      if (
        last?.failure.outcome === 'http_error' &&
        (last.failure.status === 401 || last.failure.status === 403)
      ) {
        throw errors.upstreamAuthFailed(last.provider.name);
      }
      if (last?.failure.outcome === 'http_error') {
        const shown = req.codecFor(last.provider).decodeError(last.failure.status, last.failure.upstreamBody);
        throw errors.upstreamRelayed(shown.status, shown.message, shown.body);
      }
      throw error.error;
    }
    throw error;
  }

  clearTimeout(deadlineTimer);
  exchange.attempts = result.attempts;
  exchange.served = result.target;
  setDecisionHeaders(answer, req.decision, result.target, result.attempts.length);

  const codec = req.codecFor(result.provider);
  const upstreamAnswer = result.answer;
  if (upstreamAnswer.kind === 'json') {
    const decoded = codec.decodeResponse(upstreamAnswer.json, upstreamAnswer.body);
    exchange.usage = decoded.usage;
    // Pinned only once the answer is known to be usable for this client.
    req.onServed?.(result.target);
    answer
      .writeHead(upstreamAnswer.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': decoded.body.length,
      })
      .end(decoded.body);
    return;
  }
  let relay: StreamRelay;
  try {
    relay = codec.openStream(result.target.model);
  } catch (error) {
    // Nothing has been sent yet: release the upstream stream before answering with the error.
    upstreamAnswer.cancel();
    throw error;
  }
  req.onServed?.(result.target);

  const started = performance.now() - (result.attempts.at(-1)?.durationMs ?? 0);
  gateway.metrics
    .forTarget(result.target.statsKey)
    .observeFirstToken((result.attempts.at(-1)?.durationMs ?? 0) / 1000);
  // The stream is written straight to the socket, chunk by chunk as it arrives: no stream objects
  // in between, and backpressure from the client pauses reading from the upstream.
  const res = answer.writeHead(upstreamAnswer.status, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  relayStream(res, upstreamAnswer, relay, exchange, {
    ended: () => {
      // Only complete streams say how long this target takes (selection_policy: fastest).
      if (!exchange.streamError) {
        gateway.routing.preferences.latency.observeTotal(result.target.statsKey, performance.now() - started);
      }
      gateway.metrics
        .forTarget(result.target.statsKey)
        .observeLatency(exchange.streamError ? 'stream_error' : 'ok', (performance.now() - started) / 1000);
    },
    // Never thrown into undici's parser: the stream is ended, and the failure logged.
    failed: (error) => gateway.logger.error({ err: error, reqId: exchange.requestId }, 'stream relay failed'),
  });
}

function recordAttempt(
  gateway: Gateway,
  key: string,
  outcome: string,
  durationMs: number,
  stream: boolean,
  op: Operation,
): void {
  const metrics = gateway.metrics.forTarget(key);
  metrics.countAttempt(outcome);
  // Only chat answers say how fast a target is (selection_policy: fastest); a token count does not.
  if (outcome === 'ok' && op === 'chat') {
    // A stream's attempt ends at its first chunk; a JSON answer's when it is complete.
    const latency = gateway.routing.preferences.latency;
    if (stream) latency.observeFirstToken(key, durationMs);
    else latency.observeWhole(key, durationMs);
  }
  const skipped = outcome.startsWith('skipped');
  if (outcome !== 'ok' && !skipped) metrics.countFallback(outcome);
  if (!stream && !skipped) metrics.observeLatency(outcome, durationMs / 1000);
}

/**
 * Relays an upstream SSE stream as it arrives, through the codec's relay (bytes as they are, or
 * translated event by event): each upstream chunk is written to the client from undici's own
 * callback, and a client that cannot keep up pauses the upstream until it drains. Once the first
 * byte has gone to the client there is no fallback: a broken or truncated upstream ends the stream
 * with an error event in the client's format. A client that leaves cancels the upstream at once.
 */
function relayStream(
  res: ServerResponse,
  upstream: StreamSuccess,
  relay: StreamRelay,
  exchange: Exchange,
  on: { ended(): void; failed(error: unknown): void },
): void {
  let finished = false;
  // True once the upstream side is over (complete, or failed); false when the client left first.
  let upstreamDone = false;
  // True only when the upstream ended the stream itself; in every other case it is cancelled.
  let upstreamEnded = false;

  const send = (bytes: Buffer): boolean =>
    !finished && !res.destroyed && (bytes.length === 0 || res.write(bytes));
  const finish = () => {
    if (finished) return;
    finished = true;
    res.off('close', finish);
    res.off('drain', resume);
    // What the relay saw (an upstream error event, usage) counts even if the client left right after.
    exchange.usage = relay.usage;
    exchange.streamError ??= relay.error;
    if (!upstreamDone) exchange.streamError ??= 'client disconnected';
    // Stop reading (and release the connection) unless the upstream finished by itself: a stream
    // left half-read would hold its connection, and the pool's shutdown, forever.
    if (!upstreamEnded) upstream.cancel();
    if (!res.destroyed) res.end();
    on.ended();
  };
  const fail = (message: string) => {
    upstreamDone = true;
    send(relay.fail(message));
    finish();
  };
  const resume = () => upstream.rest.resume();
  /** Runs a step of the relay; whatever it throws ends the stream instead of reaching undici. */
  const guarded = <T>(step: () => T, otherwise: T): T => {
    try {
      return step();
    } catch (error) {
      on.failed(error);
      finish();
      return otherwise;
    }
  };

  // A client that leaves, before or after the end, closes the response: finish is idempotent.
  res.on('close', finish);
  res.on('drain', resume);
  if (res.destroyed) {
    // Gone already, its close perhaps emitted before anyone listened.
    finish();
    return;
  }
  const started = guarded(() => {
    const first = translate(relay, upstream.first);
    if (first === null) {
      fail(UNREADABLE_STREAM);
      return false;
    }
    send(first);
    // Noted at once: a client that stops at an upstream error event may leave before the stream ends.
    exchange.streamError ??= relay.error;
    return true;
  }, false);
  if (!started) return;
  upstream.rest.relayTo({
    chunk: (chunk) =>
      guarded(() => {
        const out = translate(relay, chunk);
        if (out === null) {
          fail(UNREADABLE_STREAM);
          return false;
        }
        exchange.streamError ??= relay.error;
        // False for a slow client (its drain resumes the upstream) or one that left (its close finishes).
        return send(out);
      }, false),
    end: () =>
      guarded(() => {
        upstreamDone = true;
        upstreamEnded = true;
        send(relay.end());
        finish();
      }, undefined),
    error: (error) =>
      guarded(() => {
        // The client left first, and its leaving aborted the upstream: not an upstream failure.
        if (res.destroyed) finish();
        else fail(streamFailureMessage(error));
      }, undefined),
  });
}

const UNREADABLE_STREAM = 'upstream sent a stream the gateway could not read';

/** The relay's bytes for an upstream chunk; null when the chunk cannot be read (oversized event…). */
function translate(relay: StreamRelay, chunk: Buffer): Buffer | null {
  try {
    return relay.push(chunk);
  } catch {
    return null;
  }
}

function streamFailureMessage(error: unknown): string {
  const name = (error as { name?: string }).name;
  if (name === 'BodyTimeoutError') return 'upstream stream went idle for too long';
  return 'upstream connection failed during the stream';
}
