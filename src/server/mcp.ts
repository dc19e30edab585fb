import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors, JsonRpcError, mcpErrors } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import { handlePassThrough, handlePost, type McpAnswer, type McpExchange } from '../mcp/proxy.ts';
import { formatTraceParent } from '../observability/trace-context.ts';
import { answerableError } from './error-handler.ts';

/**
 * The MCP ingress: `/mcp/<server>` speaks MCP Streamable HTTP (POST, GET, DELETE). Its routes live
 * in their own Fastify scope so that only they buffer bodies raw (the mcp-tool resolver reads the
 * JSON-RPC itself, and the original bytes are what is forwarded) with their own size limit, and
 * so that every error they raise is a JSON-RPC error, not the OpenAI shape.
 */
type Method = 'POST' | 'GET' | 'DELETE';

export function registerMcpRoutes(app: FastifyInstance, gateway: Gateway): void {
  // Fastify fixes body limits when routes are built: a change needs a restart.
  const bodyLimit = gateway.snapshot.mcp.maxBodyBytes;

  app.register(async function mcpScope(scope) {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    scope.addContentTypeParser('*', (request, _payload, done) => {
      done(errors.unsupportedMediaType(request.headers['content-type']), undefined);
    });

    scope.setErrorHandler((error, request, reply) => {
      const rpcError = toJsonRpcError(error, bodyLimit, request);
      return reply
        .code(rpcError.status)
        .headers(rpcError.headers)
        .type('application/json')
        .send(rpcError.toBody());
    });

    const handler = (method: Method) => (request: FastifyRequest, reply: FastifyReply) =>
      handleMcp(gateway, method, request, reply);
    scope.post('/mcp/:server', { bodyLimit }, handler('POST'));
    scope.get('/mcp/:server', handler('GET'));
    scope.delete('/mcp/:server', handler('DELETE'));
  });
}

async function handleMcp(gateway: Gateway, method: Method, request: FastifyRequest, reply: FastifyReply) {
  const exchange = request.exchange;
  exchange.endpoint = 'mcp';
  const snapshot = gateway.snapshot;
  exchange.snapshot = snapshot;
  const name = (request.params as { server: string }).server;
  exchange.mcp = { server: name, methods: [], tools: [] };

  const server = snapshot.mcp.servers.get(name);
  if (server === undefined) throw errors.notFound(`MCP server ${JSON.stringify(name.slice(0, 64))}`);
  const identity = await snapshot.authenticator.authenticate(request.headers);

  // A client that goes away aborts the request to the server (and ends a relayed stream).
  const upstream = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) upstream.abort();
  });

  const ex: McpExchange = {
    server,
    identity,
    clientHeaders: request.headers,
    signal: upstream.signal,
    requestId: exchange.requestId,
    traceParent: formatTraceParent(exchange.traceParent),
    services: {
      logger: gateway.logger,
      metrics: gateway.metrics,
      limiter: gateway.mcp.limiterFor(snapshot.mcp),
      onStoreError: snapshot.mcp.rateLimit.on_store_error,
    },
    log: exchange.mcp,
  };
  const answer =
    method === 'POST'
      ? await handlePost(ex, request.body as Buffer | undefined)
      : await handlePassThrough(ex, method);
  return send(reply, answer);
}

function send(reply: FastifyReply, answer: McpAnswer): FastifyReply {
  reply.code(answer.status).headers(answer.headers);
  if (answer.body === null) return reply.send();
  return reply.send(answer.body);
}

function toJsonRpcError(error: unknown, bodyLimit: number, request: FastifyRequest): JsonRpcError {
  if (error instanceof JsonRpcError) return error;
  return mcpErrors.fromGatewayError(answerableError(error, bodyLimit, request.log, request.id));
}
