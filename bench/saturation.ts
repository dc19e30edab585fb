import autocannon from 'autocannon';
import { LatencyRecorder } from './latency.ts';
import { bodyFor, CHAT_PATH, headersFor, type RequestShape } from './request-body.ts';
import type { LoadOutcome } from './types.ts';

/**
 * Closed-loop saturation with autocannon: `connections` keep one request each in flight, back to
 * back, for `durationS`. Latencies come from autocannon's per-response event (sub-millisecond),
 * not from its whole-millisecond histogram.
 */
export interface SaturationOptions extends RequestShape {
  origin: string;
  stream: boolean;
  connections: number;
  durationS: number;
}

/** autocannon's per-request timeout, in seconds; a request slower than this counts as an error. */
const REQUEST_TIMEOUT_S = 10;

export async function saturate(options: SaturationOptions): Promise<LoadOutcome> {
  const latencies = new LatencyRecorder();
  const headers = headersFor(options);
  // Only a target that opens a session per request needs its headers made per request.
  const perRequest: Pick<autocannon.Options, 'requests'> =
    options.sessionHeader === undefined
      ? {}
      : { requests: [{ setupRequest: (request) => ({ ...request, headers: headers() }) }] };
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${options.origin}${CHAT_PATH}`,
        method: 'POST',
        headers: headers(),
        body: bodyFor(options.stream, options.bodyFields),
        connections: options.connections,
        pipelining: 1,
        duration: options.durationS,
        timeout: REQUEST_TIMEOUT_S,
        ...perRequest,
      },
      (error: unknown, res: autocannon.Result) => {
        clearTimeout(guard);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(res);
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.add(responseTime);
    });
    // autocannon stops itself after `duration`; this only bounds a run that somehow hangs.
    const guard = setTimeout(() => instance.stop(), (options.durationS + REQUEST_TIMEOUT_S + 5) * 1000);
  });
  const durationS = (performance.now() - started) / 1000;
  return {
    durationS,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency: latencies.summary(),
  };
}
