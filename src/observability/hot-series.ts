import {
  Counter,
  type CounterConfiguration,
  Histogram,
  type HistogramConfiguration,
  type LabelValues,
  type MetricObjectWithValues,
  type MetricValueWithName,
} from 'prom-client';

/**
 * Labelled series for the request path. prom-client validates and hashes the label object on
 * every `inc`/`observe`, its `labels()` children included; with five updates per request that was
 * ~28 µs of CPU per proxied request (bench/CHANGES.md). Here each series is looked up once, its
 * state is plain numbers updated with an addition, and prom-client receives it at scrape time.
 */

/** A label set reduced to a map key. Label values come from the config, never from requests. */
function seriesKey(labels: Readonly<Record<string, string>>): string {
  let key = '';
  for (const name in labels) key += `${labels[name]}\u0000`;
  return key;
}

export interface CounterSeries {
  inc(by?: number): void;
}

interface CounterCell<L extends string> extends CounterSeries {
  readonly labels: LabelValues<L>;
  value: number;
  exported: number;
}

/** A prom-client Counter whose hot series are counted here and added to it when scraped. */
export class HotCounter<L extends string> {
  readonly metric: Counter<L>;
  readonly #cells = new Map<string, CounterCell<L>>();

  constructor(config: CounterConfiguration<L>) {
    const cells = this.#cells;
    this.metric = new Counter<L>({
      ...config,
      collect(this: Counter<L>) {
        for (const cell of cells.values()) {
          const delta = cell.value - cell.exported;
          if (delta > 0) this.inc(cell.labels, delta);
          cell.exported = cell.value;
        }
      },
    });
  }

  series(labels: LabelValues<L>): CounterSeries {
    const key = seriesKey(labels as Record<string, string>);
    let cell = this.#cells.get(key);
    if (!cell) {
      const created: CounterCell<L> = {
        labels,
        value: 0,
        exported: 0,
        inc(by = 1) {
          if (by > 0) created.value += by;
        },
      };
      cell = created;
      this.#cells.set(key, cell);
    }
    return cell;
  }
}

/** One exported value, as prom-client's histogram hands them to its Registry. */
interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
}

/** prom-client's histograms give the Registry's text exposition this; its types do not declare it. */
interface PromStringSource {
  getForPromString(): Promise<MetricObjectWithValues<ExportedValue>>;
}

export interface HistogramSeries {
  observe(value: number): void;
}

class HistogramCell<L extends string> implements HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: LabelValues<L>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }

  /**
   * The series in prom-client's export shape: cumulative buckets, then sum and count, with the
   * series' labels as `sharedLabels` (what the text exposition reads; `get()` merges them in).
   */
  export(name: string): ExportedValue[] {
    const shared = this.labels as Record<string, string>;
    const out: ExportedValue[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i] as number;
      out.push({
        labels: { le: this.bounds[i] as number },
        sharedLabels: shared,
        value: cumulative,
        metricName: `${name}_bucket`,
        exemplar: null,
      });
    }
    out.push(
      {
        labels: { le: '+Inf' },
        sharedLabels: shared,
        value: this.count,
        metricName: `${name}_bucket`,
        exemplar: null,
      },
      { labels: {}, sharedLabels: shared, value: this.sum, metricName: `${name}_sum` },
      { labels: {}, sharedLabels: shared, value: this.count, metricName: `${name}_count` },
    );
    return out;
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * A prom-client Histogram whose hot series keep their buckets here; a scrape reports them next to
 * any series observed through prom-client itself.
 */
export class HotHistogram<L extends string> extends Histogram<L> {
  // Not a #private field: prom-client's constructor calls reset() before subclass fields exist.
  private readonly cells = new Map<string, HistogramCell<L>>();
  readonly #bounds: readonly number[];

  constructor(config: HistogramConfiguration<L> & { buckets: number[] }) {
    super(config);
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
  }

  series(labels: LabelValues<L>): HistogramSeries {
    const key = seriesKey(labels as Record<string, string>);
    let cell = this.cells.get(key);
    if (!cell) {
      cell = new HistogramCell(labels, this.#bounds);
      this.cells.set(key, cell);
    }
    return cell;
  }

  /** What the Registry reads (its `get()`, for the JSON form, calls this too). */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<L>>> {
    const inherited = (Histogram.prototype as unknown as PromStringSource).getForPromString;
    const metric = await inherited.call(this);
    for (const cell of this.cells.values()) metric.values.push(...cell.export(metric.name));
    return metric as unknown as MetricObjectWithValues<MetricValueWithName<L>>;
  }

  override reset(): void {
    super.reset();
    // Undefined while prom-client's constructor runs.
    if (this.cells) for (const cell of this.cells.values()) cell.clear();
  }
}
