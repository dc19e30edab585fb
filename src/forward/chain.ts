import type { ProviderRuntime, Snapshot } from '../config/snapshot.ts';
import { errors, type GatewayError } from '../errors.ts';
import type { Operation } from '../providers/profiles.ts';
import type { Target } from '../routing/target.ts';
import {
  type AttemptFailure,
  type ClientHeaders,
  type FailureOutcome,
  type JsonSuccess,
  type StreamSuccess,
  sendAttempt,
} from './attempt.ts';
import type { TargetHealth } from './target-health.ts';
import type { UpstreamSignal } from './upstream-abort.ts';

/**
 * The fallback chain: try each target in order until one answers. A target is skipped while its
 * breaker is open or a Retry-After cooldown runs. Fallback happens only before anything reached the
 * client — the chain returns as soon as a target succeeds (for streams: sent its first chunk), and
 * the caller commits to it.
 */
export type AttemptOutcome = 'ok' | FailureOutcome | 'skipped_circuit_open' | 'skipped_cooldown';

export interface AttemptRecord {
  target: string;
  /** The target's `statsKey`: what metrics and breakers are keyed by. */
  statsKey: string;
  outcome: AttemptOutcome;
  status: number | undefined;
  durationMs: number;
}

export interface ChainRequest {
  snapshot: Snapshot;
  health: TargetHealth;
  targets: readonly Target[];
  op: Operation;
  /** Builds the upstream body for a target (model substituted, translated for its wire API). */
  encodeBody(target: Target, provider: ProviderRuntime): string | Buffer;
  headers: Record<string, string>;
  /** The client's headers, for providers that pass some of them through (`pass_headers`). */
  clientHeaders?: ClientHeaders | undefined;
  stream: boolean;
  /** Aborts on client disconnect or deadline. */
  signal: UpstreamSignal;
  /** Set when the deadline passed (rather than the client leaving), to tell the two apart. */
  deadline: { readonly aborted: boolean };
  onAttempt?(record: AttemptRecord): void;
}

/**
 * The target that answered, with its answer. Held side by side rather than spread into one object:
 * a spread copy gets a map of its own, and each property added to it made a new hidden class on
 * every request (seen with `--log-maps`).
 */
export interface ChainResult {
  answer: JsonSuccess | StreamSuccess;
  target: Target;
  provider: ProviderRuntime;
  attempts: AttemptRecord[];
}

/** The failure behind a ChainFailure when an upstream answered one, with the provider that sent it. */
export interface LastFailure {
  failure: AttemptFailure;
  provider: ProviderRuntime;
}

/** Every target failed or was skipped. */
export class ChainFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly attempts: AttemptRecord[],
    readonly clientGone: boolean,
    /** Set when the last attempt's failure decided the error, so its body can be shown in the client's API. */
    readonly last: LastFailure | undefined = undefined,
  ) {
    super(error.message);
  }
}

export async function forwardWithFallback(req: ChainRequest): Promise<ChainResult> {
  const attempts: AttemptRecord[] = [];
  const record = (entry: AttemptRecord) => {
    attempts.push(entry);
    req.onAttempt?.(entry);
  };
  let lastFailure: LastFailure | undefined;
  let soonestRetryMs: number | undefined;

  for (const target of req.targets) {
    if (req.signal.aborted) break;
    const provider = req.snapshot.providers.get(target.provider);
    if (!provider) continue;
    const breakerSettings = provider.breaker;
    const availability = req.health.acquire(target.statsKey, breakerSettings);
    if (!availability.available) {
      soonestRetryMs = Math.min(soonestRetryMs ?? Number.POSITIVE_INFINITY, availability.retryAfterMs);
      record({
        target: target.key,
        statsKey: target.statsKey,
        outcome: availability.reason === 'cooldown' ? 'skipped_cooldown' : 'skipped_circuit_open',
        status: undefined,
        durationMs: 0,
      });
      continue;
    }

    let body: string | Buffer;
    try {
      body = req.encodeBody(target, provider);
    } catch (error) {
      // A request that cannot be expressed for this target is the client's problem, not the target's.
      req.health.release(target.statsKey);
      throw error;
    }
    const started = performance.now();
    const result = await sendAttempt({
      provider,
      target,
      op: req.op,
      body,
      headers: req.headers,
      clientHeaders: req.clientHeaders,
      stream: req.stream,
      signal: req.signal,
    });
    const durationMs = performance.now() - started;

    if (result.ok) {
      req.health.success(target.statsKey);
      record({
        target: target.key,
        statsKey: target.statsKey,
        outcome: 'ok',
        status: result.status,
        durationMs,
      });
      return { answer: result, target, provider, attempts };
    }

    record({
      target: target.key,
      statsKey: target.statsKey,
      outcome: result.outcome,
      status: result.status,
      durationMs,
    });
    if (result.breakerFailure) req.health.failure(target.statsKey, breakerSettings);
    else req.health.release(target.statsKey);
    if (result.retryAfterMs !== undefined) req.health.coolDown(target.statsKey, result.retryAfterMs);
    lastFailure = { failure: result, provider };
    if (!result.retryable) break;
  }

  throw chainFailure(req, attempts, lastFailure, soonestRetryMs);
}

function chainFailure(
  req: ChainRequest,
  attempts: AttemptRecord[],
  last: LastFailure | undefined,
  soonestRetryMs: number | undefined,
): ChainFailure {
  if (req.deadline.aborted) return new ChainFailure(errors.deadlineExceeded(), attempts, false);
  if (req.signal.aborted) return new ChainFailure(errors.deadlineExceeded(), attempts, true);
  if (!last) {
    const seconds = soonestRetryMs === undefined ? undefined : Math.max(1, Math.ceil(soonestRetryMs / 1000));
    return new ChainFailure(errors.noTargetAvailable(seconds), attempts, false);
  }
  const { status, message } = last.failure;
  return new ChainFailure(errors.upstreamFailed(status, message), attempts, false, last);
}
