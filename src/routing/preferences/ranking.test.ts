import { describe, expect, it } from 'vitest';
import type { PreferenceRoute } from '../policy/compile-policy.ts';
import { makeTarget, type Target } from '../target.ts';
import type { LatencyEstimate } from './latency-tracker.ts';
import type { Price } from './price-list.ts';
import { describeRanking, rankBy, rankRoute } from './ranking.ts';

const a = makeTarget('p', 'a');
const b = makeTarget('p', 'b');
const c = makeTarget('q', 'c');
const d = makeTarget('q', 'd');

function route(prefer: PreferenceRoute['prefer'], targets: Target[] = [a, b, c, d]): PreferenceRoute {
  return { name: 'r', description: 'r', targets, prefer };
}

function sources(prices: Record<string, Price>, latencies: Record<string, LatencyEstimate>) {
  return { price: (t: Target) => prices[t.key], latency: (t: Target) => latencies[t.key] };
}

const keys = (ranked: ReadonlyArray<{ target: Target }>) => ranked.map((r) => r.target.key);

describe('rankRoute', () => {
  it('cheapest: by input + output price; targets without a price last, in listed order', () => {
    const ranking = rankRoute(
      route('cheapest'),
      sources(
        {
          'q/c': { input: 1, output: 1 },
          'p/b': { input: 0.1, output: 0.5 },
          'q/d': { input: 0.5, output: 3 },
        },
        {},
      ),
      false,
    );
    expect(keys(ranking.ranked)).toEqual(['p/b', 'q/c', 'q/d', 'p/a']);
    expect(ranking.ranked.map((r) => r.value)).toEqual([0.6, 2, 3.5, undefined]);
  });

  it('fastest: time to first token for streams, total time otherwise', () => {
    const latencies = {
      'p/a': { firstTokenMs: 50, totalMs: 900, samples: 3 },
      'p/b': { firstTokenMs: 200, totalMs: 300, samples: 3 },
      'q/d': { firstTokenMs: 100, totalMs: undefined, samples: 1 },
    };
    expect(keys(rankRoute(route('fastest'), sources({}, latencies), true).ranked)).toEqual([
      'p/a',
      'q/d',
      'p/b',
      'q/c',
    ]);
    expect(keys(rankRoute(route('fastest'), sources({}, latencies), false).ranked)).toEqual([
      'p/b',
      'p/a',
      'q/c',
      'q/d',
    ]);
  });

  it('none keeps the listed order whatever the data', () => {
    const ranking = rankRoute(route('none'), sources({ 'q/d': { input: 0, output: 0 } }, {}), false);
    expect(keys(ranking.ranked)).toEqual(['p/a', 'p/b', 'q/c', 'q/d']);
    expect(describeRanking(ranking)).toBe('p/a, p/b, q/c, q/d (as listed)');
  });

  it('without any data every policy keeps the listed order', () => {
    for (const prefer of ['cheapest', 'fastest'] as const) {
      expect(keys(rankRoute(route(prefer, [d, c, b]), sources({}, {}), false).ranked)).toEqual([
        'q/d',
        'q/c',
        'p/b',
      ]);
    }
  });

  it('describes the ranking for the trace', () => {
    const ranking = rankRoute(
      route('cheapest', [a, b]),
      sources({ 'p/b': { input: 0.15, output: 0.6 } }, {}),
      false,
    );
    expect(describeRanking(ranking)).toBe('cheapest: p/b (0.75 USD/M tokens), p/a (no data)');
  });
});

describe('rankBy', () => {
  it('is stable on ties', () => {
    expect(keys(rankBy([a, b, c], () => 1))).toEqual(['p/a', 'p/b', 'q/c']);
    expect(keys(rankBy([a, b, c], (t) => (t === c ? 0 : 1)))).toEqual(['q/c', 'p/a', 'p/b']);
  });
});
