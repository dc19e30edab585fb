import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorCodes } from 'fastify';
import secureJson from 'secure-json-parse';
import type { GatewayError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import { responseTarget } from './answer.ts';
import { answerableError, type ErrorShape, errorPayload, errorShapeOf } from './error-handler.ts';
import type { ModelEndpoint } from './model-request.ts';
import { logExchange } from './request-log.ts';
import { exchangeHeaders, type RequestStart, requestIdOf } from './request-start.ts';

/**
 * The model routes' own front door. Well-formed JSON POSTs to the model endpoints are served on
 * bare node:http, without Fastify's routing, hooks, content-type parser and reply: measured, those
 * cost ~40 µs of CPU per proxied request (bench/CHANGES.md).
 *
 * It takes a request only when its head leaves nothing for Fastify to decide: POST to a model
 * path, a JSON content type, and a Content-Length within the body limit. Everything else — other
 * paths and methods, other content types, chunked or empty or oversized bodies — goes to Fastify,
 * which serves the same endpoints with the same handlers and answers all of those cases. What can
 * still go wrong here is in the body's content (not JSON, prototype poisoning) or on the request's
 * path, and is answered exactly as Fastify's error handler answers it.
 */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** `application/json`, optionally with `charset=utf-8`: what Fastify's JSON parser takes as is. */
const JSON_CONTENT_TYPE = /^application\/json\s*(?:;\s*charset=utf-8\s*)?$/i;
/** A Content-Length of digits only (Node's parser has already refused anything else). */
const DIGITS = /^\d+$/;

/** Parsed as Fastify parses JSON bodies (its defaults: a body that poisons prototypes is refused). */
const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

export function modelFront(
  gateway: Gateway,
  start: RequestStart,
  endpoints: readonly ModelEndpoint[],
  maxBodyBytes: number,
  next: RequestListener,
): RequestListener {
  const byPath = new Map(endpoints.map((endpoint) => [endpoint.path, endpoint]));

  function serve(req: IncomingMessage, res: ServerResponse, endpoint: ModelEndpoint): void {
    const shape = errorShapeOf(endpoint.path);
    const exchange = start.open({
      requestId: requestIdOf(req.headers),
      method: 'POST',
      route: endpoint.path,
      path: endpoint.path,
      headers: req.headers,
      res,
    });
    // Emitted once (see RequestStart.open): `on`, not `once`.
    res.on('finish', () => logExchange(gateway, exchange, res.statusCode));
    const pending: OutgoingHttpHeaders = exchangeHeaders(exchange);
    const fail = (error: unknown) => {
      const answerable = answerableError(error, maxBodyBytes, gateway.logger, exchange.requestId);
      // Nothing can be said once the answer has begun: the stream relay ends it itself.
      if (res.headersSent) res.destroy();
      else writeError(res, pending, answerable, shape);
    };

    const refusal = start.refusal(endpoint.path);
    if (refusal) {
      writeError(res, pending, refusal, shape);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown;
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      try {
        body = secureJson.parse(raw.toString('utf8'), undefined, PARSE_OPTIONS);
      } catch {
        fail(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY());
        return;
      }
      endpoint
        .serve(gateway, { exchange, headers: req.headers, body, rawBody: raw }, responseTarget(res, pending))
        .catch(fail);
    });
  }

  return (req, res) => {
    const endpoint = frontEndpoint(req, byPath, maxBodyBytes);
    if (endpoint) serve(req, res, endpoint);
    else next(req, res);
  };
}

/**
 * The endpoint the front serves this request at, judged from its head alone; undefined hands the
 * request to Fastify.
 */
export function frontEndpoint(
  head: Pick<IncomingMessage, 'method' | 'url' | 'headers'>,
  byPath: ReadonlyMap<string, ModelEndpoint>,
  maxBodyBytes: number,
): ModelEndpoint | undefined {
  if (head.method !== 'POST') return undefined;
  const url = head.url ?? '';
  const query = url.indexOf('?');
  const endpoint = byPath.get(query === -1 ? url : url.slice(0, query));
  if (!endpoint) return undefined;
  const { headers } = head;
  const length = headers['content-length'];
  if (
    length === undefined ||
    !DIGITS.test(length) ||
    Number(length) === 0 ||
    Number(length) > maxBodyBytes ||
    headers['transfer-encoding'] !== undefined ||
    !JSON_CONTENT_TYPE.test(headers['content-type'] ?? '')
  ) {
    return undefined;
  }
  return endpoint;
}

function writeError(
  res: ServerResponse,
  pending: OutgoingHttpHeaders,
  error: GatewayError,
  shape: ErrorShape,
): void {
  const body = Buffer.from(JSON.stringify(errorPayload(error, shape)));
  res.writeHead(error.status, {
    ...pending,
    ...error.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  res.end(body);
}
