import { Pool } from 'undici';
import { LatencyRecorder } from './latency.ts';
import { bodyFor, CHAT_PATH, headersFor, type RequestShape } from './request-body.ts';
import type { LoadOutcome } from './types.ts';

/**
 * Open-loop load at a fixed rate, spread evenly over time. autocannon's `overallRate` is not used
 * here on purpose: it lets each connection send its whole per-second quota back to back and then
 * idle until the next second, so "50 % of capacity" becomes "saturated half of each second" and the
 * latencies measure queueing, not the proxy. Here a 1 ms ticker sends whatever is due, so requests
 * leave at most ~1 ms late, whatever the previous ones are doing.
 */
export interface PacedOptions extends RequestShape {
  origin: string;
  stream: boolean;
  /** Requests per second. */
  rate: number;
  durationS: number;
  /** Upper bound on connections; an open loop needs rate × latency of them, far fewer at half load. */
  connections: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

export async function paced(options: PacedOptions): Promise<LoadOutcome> {
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const latencies = new LatencyRecorder();
  const body = bodyFor(options.stream, options.bodyFields);
  const headers = headersFor(options);
  const counts = { ok: 0, non2xx: 0, errors: 0, timeouts: 0 };
  const total = Math.max(1, Math.round(options.rate * options.durationS));
  let sent = 0;
  let inFlight = 0;

  const send = async () => {
    const started = performance.now();
    inFlight += 1;
    try {
      const response = await pool.request({ path: CHAT_PATH, method: 'POST', headers: headers(), body });
      await response.body.dump({ limit: Number.POSITIVE_INFINITY });
      if (response.statusCode >= 200 && response.statusCode < 300) {
        counts.ok += 1;
        latencies.add(performance.now() - started);
      } else counts.non2xx += 1;
    } catch (error) {
      counts.errors += 1;
      if (isTimeout(error)) counts.timeouts += 1;
    } finally {
      inFlight -= 1;
    }
  };

  const started = performance.now();
  await new Promise<void>((resolve) => {
    const ticker = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.rate));
      while (sent < due) {
        sent += 1;
        void send();
      }
      if (sent >= total) {
        clearInterval(ticker);
        resolve();
      }
    }, 1);
  });
  const sendWindowS = (performance.now() - started) / 1000;
  // Bounded: every request has its own timeout, this only stops waiting for them.
  const drainDeadline = performance.now() + REQUEST_TIMEOUT_MS + 1000;
  while (inFlight > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 5));
  const durationS = (performance.now() - started) / 1000;
  await pool.destroy();
  return {
    durationS,
    ...counts,
    latency: latencies.summary(),
    targetRate: options.rate,
    sentRate: sent / sendWindowS,
  };
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}
