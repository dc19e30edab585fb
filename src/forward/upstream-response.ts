import type { Dispatcher } from 'undici';
import { onAbort, type UpstreamSignal } from './upstream-abort.ts';

/**
 * One upstream call through undici's dispatch handler API instead of `pool.request`: the answer's
 * chunks are handed to this object as plain Buffers, with no Readable stream in between. Profiling
 * the proxy put the Readable body (its nextTick/emit bookkeeping and consumer) at ~30 µs of CPU per
 * request, a sixth of a whole proxied request (bench/CHANGES.md).
 *
 * `dispatchUpstream` resolves with the head; the body is then either collected whole (`collect`),
 * read chunk by chunk (`next`, an async iterator whose queue pauses the upstream when it grows), or
 * relayed (`relayTo`: each chunk handed to a sink as it arrives, with no promise per chunk).
 */
export type UpstreamHeaders = Record<string, string | string[] | undefined>;

export interface UpstreamHead {
  status: number;
  headers: UpstreamHeaders;
  body: UpstreamBody;
}

/** Where a relayed body goes (see `UpstreamBody.relayTo`). */
export interface BodySink {
  /** One chunk of the body; false pauses the upstream until `resume()`. */
  chunk(chunk: Buffer): boolean;
  /** The body is complete. */
  end(): void;
  /** The body failed part way (connection lost, idle timeout). */
  error(error: Error): void;
}

export interface UpstreamBody extends AsyncIterator<Buffer> {
  /**
   * The rest of the body, at most `limit` bytes: past that the connection is dropped and
   * `truncated` is set (the bytes kept are the first `limit`).
   */
  collect(limit: number): Promise<{ bytes: Buffer; truncated: boolean }>;
  /**
   * From now on, hands `sink` every chunk (those already queued first) as it arrives, then the end
   * or the failure: exactly one of the two, unless cancelled first. A stream is hundreds of chunks,
   * and reading it through `next()` cost a promise and a trip through the microtask queue for each.
   */
  relayTo(sink: BodySink): void;
  /** Lets a sink that returned false have chunks again. */
  resume(): void;
  /** Stops reading and releases the connection; nothing more is delivered. */
  cancel(): void;
}

/** Queued stream bytes past which the upstream is paused until the reader catches up. */
const HIGH_WATER_MARK = 64 * 1024;

export function dispatchUpstream(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: UpstreamSignal,
): Promise<UpstreamHead> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new UpstreamCall(signal, resolve, reject));
  });
}

class UpstreamCall implements Dispatcher.DispatchHandler, UpstreamBody {
  #controller: Dispatcher.DispatchController | undefined;
  readonly #stopListening: () => void;
  #resolveHead: ((head: UpstreamHead) => void) | undefined;
  #rejectHead: ((error: Error) => void) | undefined;

  // The body: queued chunks, and how it ended.
  readonly #chunks: Buffer[] = [];
  #queuedBytes = 0;
  #ended = false;
  #error: Error | undefined;
  /** Set once the caller cancelled or a collect finished early: later events are ignored. */
  #done = false;
  /** The sink the body is relayed to, and whether it asked for a pause. */
  #sink: BodySink | undefined;
  #sinkPaused = false;
  /** A `next()` waiting for a chunk. */
  #waiter: { resolve(result: IteratorResult<Buffer>): void; reject(error: Error): void } | undefined;
  /** A `collect()` in progress. */
  #collector:
    | {
        limit: number;
        resolve(value: { bytes: Buffer; truncated: boolean }): void;
        reject(error: Error): void;
      }
    | undefined;

  constructor(
    private readonly signal: UpstreamSignal,
    resolveHead: (head: UpstreamHead) => void,
    rejectHead: (error: Error) => void,
  ) {
    this.#resolveHead = resolveHead;
    this.#rejectHead = rejectHead;
    // Until the request has a connection there is no controller: an abort then waits for it.
    this.#stopListening = onAbort(signal, () => this.#controller?.abort(abortReason(signal)));
  }

  // --- undici's side -----------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.signal.aborted) controller.abort(abortReason(this.signal));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: UpstreamHeaders,
  ): void {
    const resolve = this.#resolveHead;
    this.#resolveHead = undefined;
    this.#rejectHead = undefined;
    resolve?.({ status, headers, body: this });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#done) return;
    if (this.#sink && !this.#sinkPaused && this.#chunks.length === 0) {
      if (!this.#sink.chunk(chunk) && !this.#done) {
        this.#sinkPaused = true;
        controller.pause();
      }
      return;
    }
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.length;
    const collector = this.#collector;
    if (collector) {
      if (this.#queuedBytes > collector.limit) {
        this.#finishCollect(true);
        controller.abort(new Error('upstream body exceeds the size limit'));
      }
      return;
    }
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ value: this.#shift(), done: false });
    } else if (this.#queuedBytes > HIGH_WATER_MARK) {
      controller.pause();
    }
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#stopListening();
    if (this.#done) return;
    if (this.#collector) this.#finishCollect(false);
    if (this.#sink) {
      if (!this.#sinkPaused) this.#drainToSink();
      return;
    }
    const waiter = this.#waiter;
    if (waiter && this.#chunks.length === 0) {
      this.#waiter = undefined;
      waiter.resolve({ value: undefined, done: true });
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#stopListening();
    const rejectHead = this.#rejectHead;
    if (rejectHead) {
      this.#resolveHead = undefined;
      this.#rejectHead = undefined;
      rejectHead(error);
      return;
    }
    if (this.#done || this.#ended) return;
    this.#error = error;
    const collector = this.#collector;
    if (collector) {
      this.#collector = undefined;
      this.#done = true;
      collector.reject(error);
    }
    if (this.#sink) {
      if (!this.#sinkPaused) this.#drainToSink();
      return;
    }
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.reject(error);
    }
  }

  // --- the reader's side -------------------------------------------------------------------

  next(): Promise<IteratorResult<Buffer>> {
    if (this.#chunks.length > 0) return Promise.resolve({ value: this.#shift(), done: false });
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended || this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  collect(limit: number): Promise<{ bytes: Buffer; truncated: boolean }> {
    if (this.#error) return Promise.reject(this.#error);
    // Cancelled (or already collected): nothing more will arrive.
    if (this.#done) return Promise.resolve({ bytes: Buffer.alloc(0), truncated: false });
    return new Promise((resolve, reject) => {
      this.#collector = { limit, resolve, reject };
      // A reader that paused the upstream earlier lets it run to the end now.
      this.#controller?.resume();
      if (this.#queuedBytes > limit) {
        this.#finishCollect(true);
        this.#controller?.abort(new Error('upstream body exceeds the size limit'));
      } else if (this.#ended) {
        this.#finishCollect(false);
      }
    });
  }

  relayTo(sink: BodySink): void {
    this.#sink = sink;
    this.#drainToSink();
    // A queue that passed the high-water mark before the relay began paused the upstream: the
    // sink has taken it all, so the rest may come.
    if (!this.#sinkPaused && !this.#done && this.#controller?.paused) this.#controller.resume();
  }

  resume(): void {
    if (!this.#sinkPaused || this.#done) return;
    this.#sinkPaused = false;
    this.#drainToSink();
    if (!this.#sinkPaused && this.#controller?.paused) this.#controller.resume();
  }

  /** Queued chunks to the sink until it asks for a pause; then the end or failure, once all are out. */
  #drainToSink(): void {
    const sink = this.#sink as BodySink;
    while (this.#chunks.length > 0) {
      if (this.#done) return;
      const chunk = this.#chunks.shift() as Buffer;
      this.#queuedBytes -= chunk.length;
      if (!sink.chunk(chunk)) {
        if (this.#done) return;
        this.#sinkPaused = true;
        this.#controller?.pause();
        return;
      }
    }
    if (this.#done) return;
    if (this.#error) {
      this.#done = true;
      sink.error(this.#error);
    } else if (this.#ended) {
      this.#done = true;
      sink.end();
    }
  }

  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    this.#chunks.length = 0;
    this.#queuedBytes = 0;
    this.#stopListening();
    if (!this.#ended && !this.#error) this.#controller?.abort(new Error('upstream body cancelled'));
  }

  #shift(): Buffer {
    const chunk = this.#chunks.shift() as Buffer;
    this.#queuedBytes -= chunk.length;
    if (this.#queuedBytes <= HIGH_WATER_MARK && this.#controller?.paused) this.#controller.resume();
    return chunk;
  }

  #finishCollect(truncated: boolean): void {
    const collector = this.#collector;
    if (!collector) return;
    this.#collector = undefined;
    this.#done = true;
    const chunks = this.#chunks;
    let bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    if (bytes.length > collector.limit) bytes = bytes.subarray(0, collector.limit);
    chunks.length = 0;
    this.#queuedBytes = 0;
    collector.resolve({ bytes, truncated });
  }
}

function abortReason(signal: UpstreamSignal): Error {
  const reason = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}
