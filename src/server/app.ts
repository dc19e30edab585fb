import { createServer } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { errors } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import { registerAdminRoutes } from './admin.ts';
import { anthropicModelEndpoints, registerAnthropicRoutes } from './anthropic.ts';
import { answerableError, errorShapeOf, sendError } from './error-handler.ts';
import type { Exchange } from './exchange.ts';
import { registerHealthRoutes } from './health.ts';
import { registerMcpRoutes } from './mcp.ts';
import { modelFront } from './model-front.ts';
import { openAIModelEndpoints, registerOpenAIRoutes } from './openai.ts';
import { logExchange } from './request-log.ts';
import { exchangeHeaders, RequestStart, requestIdOf } from './request-start.ts';
import { registerRouteEndpoint } from './route-endpoint.ts';

declare module 'fastify' {
  interface FastifyRequest {
    exchange: Exchange;
  }
}

export interface BuiltServer {
  app: FastifyInstance;
  /** Starts graceful shutdown: readiness fails and new requests get 503 with `Connection: close`. */
  startDraining(): void;
}

/** Fastify's default, which its own server would have: longer than common load balancers' idle timeouts. */
const FASTIFY_KEEP_ALIVE_TIMEOUT_MS = 72_000;

const MODEL_ENDPOINTS = [...openAIModelEndpoints, ...anthropicModelEndpoints];

export function buildServer(gateway: Gateway): BuiltServer {
  const { server } = gateway.snapshot.config;
  // Load shedding: past `max_in_flight`, answer 503 at once rather than letting latency and
  // memory grow without bound. Counted from the request's start to its response's close.
  const start = new RequestStart(gateway, server.max_in_flight);

  const app = Fastify({
    loggerInstance: gateway.logger as FastifyBaseLogger,
    // One line per request is written by request-log.ts, with the decision in it.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (pino builds and serialises its bindings each time); the few
    // lines written from a request name its id themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: server.max_body_bytes,
    requestIdHeader: false,
    genReqId: (req) => requestIdOf(req.headers),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // The model front answers well-formed model requests itself; Fastify gets everything else.
    serverFactory: (handler) => {
      const httpServer = createServer(
        modelFront(gateway, start, MODEL_ENDPOINTS, server.max_body_bytes, handler),
      );
      // What Fastify, by default, sets on a server it creates itself.
      httpServer.keepAliveTimeout = FASTIFY_KEEP_ALIVE_TIMEOUT_MS;
      httpServer.requestTimeout = 0;
      httpServer.setTimeout(0);
      return httpServer;
    },
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

  app.decorateRequest('exchange', null as unknown as Exchange);

  // Callback-style hooks: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    const exchange = start.open({
      requestId: request.id,
      method: request.method,
      route,
      path: route ?? request.url.split('?')[0] ?? '',
      headers: request.headers,
      res: reply.raw,
    });
    request.exchange = exchange;
    reply.headers(exchangeHeaders(exchange));
    const refusal = start.refusal(route);
    if (refusal) {
      sendError(reply, refusal, errorShapeOf(request.url));
      return;
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    logExchange(gateway, request.exchange, reply.statusCode);
    done();
  });

  app.setErrorHandler((error, request, reply) =>
    sendError(
      reply,
      answerableError(error, server.max_body_bytes, request.log, request.id),
      errorShapeOf(request.url),
    ),
  );

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      errors.notFound(`${request.method} ${request.url.split('?')[0]}`),
      errorShapeOf(request.url),
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
  registerHealthRoutes(app, gateway, () => start.draining);
  registerAdminRoutes(app, gateway);

  return { app, startDraining: () => start.startDraining() };
}
