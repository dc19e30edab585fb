import { EventEmitter } from 'node:events';

/**
 * Cancels one request's upstream calls (client gone, deadline passed). undici accepts an
 * EventEmitter with `aborted` and an `abort` event as a request's signal; it costs a fraction of
 * an AbortController and its AbortSignal, which the request path would otherwise create for every
 * request.
 */
export class UpstreamAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new Error('aborted');
    this.emit('abort');
  }
}

/** What an upstream call can be cancelled with. */
export type UpstreamSignal = AbortSignal | UpstreamAbort;

/** Calls `listener` once when `signal` aborts; returns the function that stops listening. */
export function onAbort(signal: UpstreamSignal, listener: () => void): () => void {
  if (signal instanceof UpstreamAbort) {
    signal.once('abort', listener);
    return () => signal.off('abort', listener);
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}
