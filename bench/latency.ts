/**
 * Exact latency percentiles. autocannon's own histogram stores whole milliseconds, too coarse for a
 * gateway whose added latency is a fraction of one, so every response time is kept at full
 * precision in a bounded buffer and sorted once at the end.
 */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** 4M samples (32 MB) is hours more than any run here produces; beyond it, later samples are dropped. */
const MAX_SAMPLES = 4_000_000;

export class LatencyRecorder {
  #values = new Float64Array(65_536);
  #count = 0;
  #dropped = 0;

  add(ms: number): void {
    if (this.#count === this.#values.length) {
      if (this.#count >= MAX_SAMPLES) {
        this.#dropped += 1;
        return;
      }
      const grown = new Float64Array(Math.min(this.#values.length * 2, MAX_SAMPLES));
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count] = ms;
    this.#count += 1;
  }

  get dropped(): number {
    return this.#dropped;
  }

  summary(): LatencySummary {
    const sorted = this.#values.slice(0, this.#count).sort();
    const count = sorted.length;
    if (count === 0)
      return {
        count: 0,
        p50: Number.NaN,
        p90: Number.NaN,
        p99: Number.NaN,
        max: Number.NaN,
        mean: Number.NaN,
      };
    let sum = 0;
    for (const value of sorted) sum += value;
    return {
      count,
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      max: sorted[count - 1]!,
      mean: sum / count,
    };
  }
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, q: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
