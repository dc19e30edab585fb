/**
 * Cancels one request's upstream calls (client gone, deadline passed). Made for every request, so
 * it is the least that does the job: a flag, a reason and the listeners of the calls in flight —
 * neither an AbortController nor an EventEmitter, whose set-up and listener bookkeeping showed in
 * the request path's profile.
 */
export class UpstreamAbort {
  aborted = false;
  reason: unknown = undefined;
  #listeners: (() => void)[] | undefined;

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new Error('aborted');
    const listeners = this.#listeners;
    this.#listeners = undefined;
    // A copy: a listener may unsubscribe another while they run.
    if (listeners) for (const listener of [...listeners]) listener();
  }

  /** Calls `listener` once on abort; returns the function that stops listening. */
  subscribe(listener: () => void): () => void {
    if (this.aborted) return noop;
    this.#listeners ??= [];
    const listeners = this.#listeners;
    listeners.push(listener);
    return () => {
      const at = listeners.indexOf(listener);
      if (at !== -1) listeners.splice(at, 1);
    };
  }
}

function noop(): void {}

/** What an upstream call can be cancelled with. */
export type UpstreamSignal = AbortSignal | UpstreamAbort;

/** Calls `listener` once when `signal` aborts; returns the function that stops listening. */
export function onAbort(signal: UpstreamSignal, listener: () => void): () => void {
  if (signal instanceof UpstreamAbort) return signal.subscribe(listener);
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}
