import type { PreferenceRoute } from '../policy/compile-policy.ts';
import type { Target } from '../target.ts';
import type { LatencyEstimate } from './latency-tracker.ts';
import type { Price } from './price-list.ts';

/**
 * `selection_policy` (DESIGN §3): orders a preference route's targets, best first; the order
 * becomes the primary target and its fallbacks. `cheapest` sums the input and output price per
 * million tokens; `fastest` uses the observed time to first token for a stream and the total time
 * otherwise (what the caller will wait for). Targets without data keep their listed order after
 * the ones with data; `none` keeps the listed order. Pure: the sources are passed in.
 */
export interface RankingSources {
  price(target: Target): Price | undefined;
  latency(target: Target): LatencyEstimate | undefined;
}

export interface RankedTarget {
  readonly target: Target;
  /** The value ranked on (USD per million tokens, or ms); undefined when there is no data. */
  readonly value: number | undefined;
}

export interface Ranking {
  readonly prefer: PreferenceRoute['prefer'];
  /** What `value` measures, for the trace. */
  readonly unit: 'usd_per_million_tokens' | 'ms_to_first_token' | 'ms_total' | null;
  readonly ranked: readonly RankedTarget[];
}

export function rankRoute(route: PreferenceRoute, sources: RankingSources, stream: boolean): Ranking {
  switch (route.prefer) {
    case 'cheapest':
      return {
        prefer: 'cheapest',
        unit: 'usd_per_million_tokens',
        ranked: rankBy(route.targets, (target) => {
          const price = sources.price(target);
          return price ? price.input + price.output : undefined;
        }),
      };
    case 'fastest':
      return {
        prefer: 'fastest',
        unit: stream ? 'ms_to_first_token' : 'ms_total',
        ranked: rankBy(route.targets, (target) => {
          const latency = sources.latency(target);
          return stream ? latency?.firstTokenMs : latency?.totalMs;
        }),
      };
    default:
      return {
        prefer: route.prefer,
        unit: null,
        ranked: route.targets.map((target) => ({ target, value: undefined })),
      };
  }
}

/** Ascending by `metric`; ties and targets without a value keep their listed order. */
export function rankBy(
  targets: readonly Target[],
  metric: (target: Target) => number | undefined,
): RankedTarget[] {
  const scored = targets.map((target, index) => ({ target, value: metric(target), index }));
  scored.sort((a, b) => {
    if (a.value === undefined || b.value === undefined) {
      if (a.value === b.value) return a.index - b.index;
      return a.value === undefined ? 1 : -1;
    }
    return a.value - b.value || a.index - b.index;
  });
  return scored.map(({ target, value }) => ({ target, value }));
}

/** `cloud/gpt-4o-mini (0.75), cloud/gpt-4o (no data)`: the ranking in one line for the trace. */
export function describeRanking(ranking: Ranking): string {
  if (ranking.unit === null) return `${ranking.ranked.map((r) => r.target.key).join(', ')} (as listed)`;
  const unit = ranking.unit === 'usd_per_million_tokens' ? ' USD/M tokens' : ' ms';
  const parts = ranking.ranked.map((r) =>
    r.value === undefined ? `${r.target.key} (no data)` : `${r.target.key} (${round(r.value)}${unit})`,
  );
  return `${ranking.prefer}: ${parts.join(', ')}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
