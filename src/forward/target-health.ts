import { type BreakerSettings, type BreakerState, CircuitBreaker } from './circuit-breaker.ts';

/**
 * What the gateway has learned about each target (`provider/model`): its circuit breaker and any
 * `Retry-After` cooldown. It outlives config snapshots, so a reload does not forget that a
 * provider is down.
 */
export type Availability =
  | { available: true }
  | { available: false; reason: 'circuit_open' | 'cooldown'; retryAfterMs: number };

export class TargetHealth {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #cooldownUntil = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly onBreakerChange: (key: string, state: BreakerState) => void = () => {},
  ) {}

  #breaker(key: string): CircuitBreaker {
    let breaker = this.#breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker(this.now);
      this.#breakers.set(key, breaker);
    }
    return breaker;
  }

  /** Checks cooldown and breaker; a `true` answer in half-open state claims the probe. */
  acquire(key: string, settings: BreakerSettings): Availability {
    const until = this.#cooldownUntil.get(key);
    if (until !== undefined) {
      const left = until - this.now();
      if (left > 0) return { available: false, reason: 'cooldown', retryAfterMs: left };
      this.#cooldownUntil.delete(key);
    }
    const breaker = this.#breaker(key);
    const before = breaker.state;
    const allowed = breaker.tryAcquire(settings);
    if (breaker.state !== before) this.onBreakerChange(key, breaker.state);
    if (allowed) return { available: true };
    return { available: false, reason: 'circuit_open', retryAfterMs: settings.cooldownMs };
  }

  release(key: string): void {
    this.#breakers.get(key)?.release();
  }

  success(key: string): void {
    const breaker = this.#breaker(key);
    const before = breaker.state;
    breaker.recordSuccess();
    if (before !== 'closed') this.onBreakerChange(key, 'closed');
  }

  failure(key: string, settings: BreakerSettings): void {
    const breaker = this.#breaker(key);
    const before = breaker.state;
    breaker.recordFailure(settings);
    if (breaker.state !== before) this.onBreakerChange(key, breaker.state);
  }

  coolDown(key: string, ms: number): void {
    const until = this.now() + ms;
    if ((this.#cooldownUntil.get(key) ?? 0) < until) this.#cooldownUntil.set(key, until);
  }

  /** Forgets everything learned: breakers close, cooldowns end (admin reset, tests). */
  clear(): void {
    for (const key of this.#breakers.keys()) this.onBreakerChange(key, 'closed');
    this.#breakers.clear();
    this.#cooldownUntil.clear();
  }

  stateOf(key: string): BreakerState {
    return this.#breakers.get(key)?.state ?? 'closed';
  }
}

/** Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds; undefined if absent/invalid. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Math.min(Number(text) * 1000, 3_600_000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.min(date - now, 3_600_000));
}
