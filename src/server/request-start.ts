import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { errors, type GatewayError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import { childTraceParent, formatTraceParent, parseTraceParent } from '../observability/trace-context.ts';
import { type Exchange, newExchange } from './exchange.ts';
import { logExchange } from './request-log.ts';

/**
 * What every request goes through first, whichever front serves it (Fastify, or the model front
 * for the hot routes): its id and trace context, its Exchange, the in-flight count, and whether it
 * is admitted at all (draining, load shedding).
 */

/** Never shed or refused while draining. */
const PROBES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** nginx's convention for "the client closed the connection before the answer was complete". */
const CLIENT_CLOSED_REQUEST = 499;

/** A caller's request id is kept only if it is short and printable (it is echoed in headers). */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

export interface OpenRequest {
  requestId: string;
  method: string;
  /** The matched route's pattern; undefined when no route matched. */
  route: string | undefined;
  /** The path without its query, for the log line. */
  path: string;
  headers: IncomingHttpHeaders;
  res: ServerResponse;
}

export class RequestStart {
  #draining = false;
  #inFlight = 0;

  constructor(
    private readonly gateway: Gateway,
    /** Past this many requests in flight, new ones are answered 503 at once; 0 = no limit. */
    private readonly maxInFlight: number,
  ) {}

  get draining(): boolean {
    return this.#draining;
  }

  /** Graceful shutdown: readiness fails and new requests get 503 with `Connection: close`. */
  startDraining(): void {
    this.#draining = true;
  }

  /**
   * The request's Exchange, counted in flight until its response closes. A response that closes
   * before it finished (the client left) aborts the request's upstream calls and is logged as 499.
   */
  open(request: OpenRequest): Exchange {
    const incoming = parseTraceParent(request.headers.traceparent as string | undefined);
    const span =
      this.gateway.tracer?.startRequestSpan(`${request.method} ${request.route ?? 'unknown'}`, incoming) ??
      null;
    const traceParent = span?.traceParent ?? childTraceParent(incoming);
    const exchange = newExchange(request.requestId, request.method, request.path, traceParent, span);
    this.#inFlight += 1;
    const res = request.res;
    // 'close', 'finish' and 'end' are emitted once per message: `on` spares `once`'s wrapper and
    // its removal, on every request.
    res.on('close', () => {
      this.#inFlight -= 1;
      if (res.writableFinished) return;
      exchange.upstream.abort();
      exchange.streamError ??= 'client disconnected';
      logExchange(this.gateway, exchange, CLIENT_CLOSED_REQUEST);
    });
    return exchange;
  }

  /**
   * The 503 to answer instead of serving an opened request, or undefined to serve it. Probes and
   * metrics are always answered: an orchestrator must see a busy or draining gateway as alive (and
   * /readyz says whether it is ready), not restart it and kill every stream.
   */
  refusal(route: string | undefined): GatewayError | undefined {
    if (PROBES.has(route ?? '')) return undefined;
    if (this.#draining) return errors.shuttingDown();
    if (this.maxInFlight > 0 && this.#inFlight > this.maxInFlight) {
      this.gateway.metrics.shed.inc();
      return errors.overloaded();
    }
    return undefined;
  }
}

/** The headers every answer carries: the request id and the trace context of this hop. */
export function exchangeHeaders(exchange: Exchange): Record<string, string> {
  return { 'x-request-id': exchange.requestId, traceparent: formatTraceParent(exchange.traceParent) };
}
