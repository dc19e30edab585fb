import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from './hot-series.ts';

/**
 * The hot series must scrape exactly as prom-client's own metrics would after the same updates:
 * prom-client is the oracle, fed the same values through its usual API.
 */
const BUCKETS = [0.005, 0.01, 0.1, 1, 10];
const LABELS = ['provider', 'model', 'outcome'] as const;

describe('HotHistogram', () => {
  it('scrapes like a prom-client Histogram fed the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            series: fc.constantFrom('a', 'b', 'c'),
            value: fc.oneof(fc.double({ min: 0, max: 30, noNaN: true }), fc.constantFrom(...BUCKETS)),
          }),
          { maxLength: 60 },
        ),
        async (observations) => {
          const oracleRegistry = new Registry();
          const hotRegistry = new Registry();
          const oracle = new Histogram({
            name: 'latency',
            help: 'h',
            labelNames: LABELS,
            buckets: BUCKETS,
            registers: [oracleRegistry],
          });
          const hot = new HotHistogram({
            name: 'latency',
            help: 'h',
            labelNames: LABELS,
            buckets: BUCKETS,
            registers: [hotRegistry],
          });
          for (const { series, value } of observations) {
            const labels = { provider: 'p', model: series, outcome: 'ok' };
            oracle.observe(labels, value);
            hot.series(labels).observe(value);
          }
          expect(await hotRegistry.metrics()).toBe(await oracleRegistry.metrics());
          expect(await hotRegistry.getMetricsAsJSON()).toEqual(await oracleRegistry.getMetricsAsJSON());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('ignores values that are not finite numbers, and reset empties it', async () => {
    const registry = new Registry();
    const hot = new HotHistogram({
      name: 'h',
      help: 'h',
      labelNames: ['k'],
      buckets: BUCKETS,
      registers: [registry],
    });
    const series = hot.series({ k: 'v' });
    series.observe(Number.NaN);
    series.observe(Number.POSITIVE_INFINITY);
    series.observe(0.5);
    expect(await registry.metrics()).toContain('h_count{k="v"} 1');
    hot.reset();
    expect(await registry.metrics()).toContain('h_count{k="v"} 0');
  });
});

describe('HotCounter', () => {
  it('scrapes like a prom-client Counter, scrape after scrape', async () => {
    const oracleRegistry = new Registry();
    const hotRegistry = new Registry();
    const oracle = new Counter({ name: 'c', help: 'c', labelNames: ['k'], registers: [oracleRegistry] });
    const hot = new HotCounter({ name: 'c', help: 'c', labelNames: ['k'], registers: [hotRegistry] });
    for (const round of [1, 2, 3]) {
      for (let i = 0; i < round; i++) {
        oracle.inc({ k: 'a' });
        hot.series({ k: 'a' }).inc();
        oracle.inc({ k: 'b' }, 7);
        hot.series({ k: 'b' }).inc(7);
      }
      // Counters only grow: a negative or zero increment changes nothing.
      hot.series({ k: 'a' }).inc(-5);
      expect(await hotRegistry.metrics()).toBe(await oracleRegistry.metrics());
    }
  });

  it('series made for the same labels share one count', async () => {
    const registry = new Registry();
    const hot = new HotCounter({ name: 'c', help: 'c', labelNames: ['k'], registers: [registry] });
    hot.series({ k: 'a' }).inc();
    hot.series({ k: 'a' }).inc();
    expect(await registry.metrics()).toContain('c{k="a"} 2');
  });
});
