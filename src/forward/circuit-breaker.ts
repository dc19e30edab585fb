/**
 * A per-target circuit breaker: `closed` until `failureThreshold` consecutive failures, then
 * `open` (requests skip the target) for `cooldownMs`, then `half_open`, where exactly one probe
 * request is let through: its success closes the breaker, its failure opens it again.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  failureThreshold: number;
  cooldownMs: number;
}

export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #consecutiveFailures = 0;
  #openedAt = 0;
  #probeInFlight = false;

  constructor(private readonly now: () => number = Date.now) {}

  get state(): BreakerState {
    return this.#state;
  }

  /** Whether a request may go to the target now. In half-open state this claims the one probe. */
  tryAcquire(settings: BreakerSettings): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (this.now() - this.#openedAt < settings.cooldownMs) return false;
      this.#state = 'half_open';
      this.#probeInFlight = false;
    }
    if (this.#probeInFlight) return false;
    this.#probeInFlight = true;
    return true;
  }

  /** Ends an attempt that was acquired but never judged (e.g. the client went away). */
  release(): void {
    this.#probeInFlight = false;
  }

  recordSuccess(): void {
    this.#consecutiveFailures = 0;
    this.#probeInFlight = false;
    this.#state = 'closed';
  }

  recordFailure(settings: BreakerSettings): void {
    this.#probeInFlight = false;
    this.#consecutiveFailures += 1;
    if (this.#state === 'half_open' || this.#consecutiveFailures >= settings.failureThreshold) {
      this.#state = 'open';
      this.#openedAt = this.now();
    }
  }
}
