import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { errors, type GatewayError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import { childTraceParent, formatTraceParent, parseTraceParent } from '../observability/trace-context.ts';
import { registerAdminRoutes } from './admin.ts';
import { registerAnthropicRoutes } from './anthropic.ts';
import { errorShapeOf, sendError, toGatewayError } from './error-handler.ts';
import { type Exchange, newExchange } from './exchange.ts';
import { registerHealthRoutes } from './health.ts';
import { registerMcpRoutes } from './mcp.ts';
import { registerOpenAIRoutes } from './openai.ts';
import { logExchange } from './request-log.ts';
import { registerRouteEndpoint } from './route-endpoint.ts';

declare module 'fastify' {
  interface FastifyRequest {
    exchange: Exchange;
  }
}

/** Never shed or refused while draining. */
const PROBES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** nginx's convention for "the client closed the connection before the answer was complete". */
const CLIENT_CLOSED_REQUEST = 499;

/** A caller's request id is kept only if it is short and printable (it is echoed in headers). */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuiltServer {
  app: FastifyInstance;
  /** Starts graceful shutdown: readiness fails and new requests get 503 with `Connection: close`. */
  startDraining(): void;
}

export function buildServer(gateway: Gateway): BuiltServer {
  const { server } = gateway.snapshot.config;
  let draining = false;

  const app = Fastify({
    loggerInstance: gateway.logger as FastifyBaseLogger,
    // One line per request is written by request-log.ts, with the decision in it.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (pino builds and serialises its bindings each time); the few
    // lines written from a request name its id themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: server.max_body_bytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Requests Node's HTTP parser refuses (CR/LF in a header, a bad request line) still get an
    // answer in the API's error shape, and never reach a route.
    clientErrorHandler: (_error, socket) => {
      if (!socket.writable) return;
      const body = JSON.stringify(errors.invalidRequest('Malformed HTTP request', 'malformed_http').toBody());
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    },
  });
  // Load shedding: past `max_in_flight`, answer 503 at once rather than letting latency and
  // memory grow without bound. Counted from the first hook to the response's end.
  const maxInFlight = server.max_in_flight;
  let inFlight = 0;

  app.decorateRequest('exchange', null as unknown as Exchange);

  // Callback-style hooks: no promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    const incoming = parseTraceParent(request.headers.traceparent as string | undefined);
    const span =
      gateway.tracer?.startRequestSpan(
        `${request.method} ${request.routeOptions.url ?? 'unknown'}`,
        incoming,
      ) ?? null;
    const traceParent = span?.traceParent ?? childTraceParent(incoming);
    const exchange = newExchange(request.id, traceParent, span);
    request.exchange = exchange;
    inFlight += 1;
    reply.raw.once('close', () => {
      inFlight -= 1;
      if (reply.raw.writableFinished) return;
      exchange.upstream.abort();
      exchange.streamError ??= 'client disconnected';
      logExchange(gateway, request, CLIENT_CLOSED_REQUEST);
    });
    reply.header('x-request-id', request.id);
    reply.header('traceparent', formatTraceParent(traceParent));
    // Probes and metrics are always answered: an orchestrator must see a busy or draining gateway
    // as alive (and /readyz says whether it is ready), not restart it and kill every stream.
    if (PROBES.has(request.routeOptions.url ?? '')) {
      done();
      return;
    }
    if (draining) {
      sendError(reply, errors.shuttingDown(), errorShapeOf(request));
      return;
    }
    if (maxInFlight > 0 && inFlight > maxInFlight) {
      gateway.metrics.shed.inc();
      sendError(reply, errors.overloaded(), errorShapeOf(request));
      return;
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    logExchange(gateway, request, reply.statusCode);
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    const known = toGatewayError(error, server.max_body_bytes);
    if (!known) request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    const gatewayError: GatewayError = known ?? errors.internal();
    return sendError(reply, gatewayError, errorShapeOf(request));
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      errors.notFound(`${request.method} ${request.url.split('?')[0]}`),
      errorShapeOf(request),
    ),
  );

  // Only JSON is accepted; any other content type is a 415 from the catalogue.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', (request, _payload, done) => {
    done(errors.unsupportedMediaType(request.headers['content-type']), undefined);
  });

  registerOpenAIRoutes(app, gateway);
  registerAnthropicRoutes(app, gateway);
  registerMcpRoutes(app, gateway);
  registerRouteEndpoint(app, gateway);
  registerHealthRoutes(app, gateway, () => draining);
  registerAdminRoutes(app, gateway);

  return {
    app,
    startDraining: () => {
      draining = true;
    },
  };
}
