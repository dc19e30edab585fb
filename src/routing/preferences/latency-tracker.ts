import { LRUCache } from 'lru-cache';

/**
 * Latency this gateway observes per target (`provider/model`), for `selection_policy: fastest`:
 * an exponentially weighted moving average of the time to the first token and of the total time
 * of successful answers. A JSON answer arrives whole, so its first token and its end are the same
 * moment. Fed from the forward path; read when a preference route is ranked.
 */
export interface LatencyEstimate {
  /** EWMA of the time to the first token (streams) or to the whole answer (JSON), in ms. */
  readonly firstTokenMs: number | undefined;
  /** EWMA of the time to the complete answer, in ms. */
  readonly totalMs: number | undefined;
  readonly samples: number;
}

interface Entry {
  firstTokenMs: number | undefined;
  totalMs: number | undefined;
  samples: number;
}

/** Weight of a new sample: recent traffic dominates after a handful of requests. */
const DEFAULT_ALPHA = 0.3;
/** Providers that accept any model name see client-chosen keys; old ones are forgotten. */
const MAX_TARGETS = 10_000;

export class LatencyTracker {
  readonly #entries = new LRUCache<string, Entry>({ max: MAX_TARGETS });

  constructor(private readonly alpha = DEFAULT_ALPHA) {}

  observeFirstToken(key: string, ms: number): void {
    if (!validSample(ms)) return;
    const entry = this.#entry(key);
    entry.firstTokenMs = this.#blend(entry.firstTokenMs, ms);
    entry.samples += 1;
  }

  observeTotal(key: string, ms: number): void {
    if (!validSample(ms)) return;
    const entry = this.#entry(key);
    entry.totalMs = this.#blend(entry.totalMs, ms);
  }

  /** A JSON answer: first token and end at once. */
  observeWhole(key: string, ms: number): void {
    this.observeFirstToken(key, ms);
    this.observeTotal(key, ms);
  }

  estimate(key: string): LatencyEstimate | undefined {
    // peek: reading for a ranking must not keep an unused target alive in the LRU.
    const entry = this.#entries.peek(key);
    return entry ? { ...entry } : undefined;
  }

  #entry(key: string): Entry {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { firstTokenMs: undefined, totalMs: undefined, samples: 0 };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #blend(previous: number | undefined, sample: number): number {
    return previous === undefined ? sample : previous + this.alpha * (sample - previous);
  }
}

function validSample(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0;
}
