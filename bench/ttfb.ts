import { Pool } from 'undici';
import { LatencyRecorder } from './latency.ts';
import { bodyFor, CHAT_PATH, headersFor, type RequestShape } from './request-body.ts';
import type { LoadOutcome } from './types.ts';

/**
 * Time to first byte of a streamed answer: sequential streaming requests on one kept-alive
 * connection, each timed from send to its first non-empty body chunk. Sequential, so it measures
 * the path's own delay rather than queueing.
 */
export interface TtfbOptions extends RequestShape {
  origin: string;
  requests: number;
  /** Stops early (with fewer samples) if the requests take longer than this altogether. */
  maxDurationS: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

export async function measureTtfb(options: TtfbOptions): Promise<LoadOutcome> {
  const pool = new Pool(options.origin, {
    connections: 1,
    pipelining: 1,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const headers = headersFor(options);
  const body = bodyFor(true, options.bodyFields);
  const latencies = new LatencyRecorder();
  const counts = { ok: 0, non2xx: 0, errors: 0, timeouts: 0 };
  const started = performance.now();
  const deadline = started + options.maxDurationS * 1000;
  for (let i = 0; i < options.requests && performance.now() < deadline; i += 1) {
    const sentAt = performance.now();
    try {
      const response = await pool.request({ path: CHAT_PATH, method: 'POST', headers: headers(), body });
      let firstChunkMs: number | null = null;
      for await (const chunk of response.body) {
        if (firstChunkMs === null && (chunk as Buffer).length > 0) firstChunkMs = performance.now() - sentAt;
      }
      // A 2xx stream without a body is broken: an error, not a fast answer.
      if (response.statusCode < 200 || response.statusCode >= 300) counts.non2xx += 1;
      else if (firstChunkMs === null) counts.errors += 1;
      else {
        counts.ok += 1;
        latencies.add(firstChunkMs);
      }
    } catch (error) {
      counts.errors += 1;
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') counts.timeouts += 1;
    }
  }
  const durationS = (performance.now() - started) / 1000;
  await pool.destroy();
  return { durationS, ...counts, latency: latencies.summary() };
}
