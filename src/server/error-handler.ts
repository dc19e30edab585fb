import type { FastifyError, FastifyReply } from 'fastify';
import { errors, GatewayError } from '../errors.ts';
import { RuleStoreUnavailableError } from '../stores/rule-store.ts';

/**
 * Turns anything thrown on the request path into the API's error shape. Fastify's own errors
 * (body parsing, limits) are mapped onto the catalogue; anything unexpected becomes a bare 500
 * and is logged, never shown.
 */
export type ErrorShape = 'openai' | 'anthropic';

export function toGatewayError(error: unknown, maxBodyBytes: number): GatewayError | undefined {
  if (error instanceof GatewayError) return error;
  if (error instanceof RuleStoreUnavailableError) return errors.storeUnavailable();
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(maxBodyBytes);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(undefined);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidJson('the body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.invalidRequest('Content-Length does not match the body', 'invalid_content_length');
    default:
      break;
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    // JSON.parse and Fastify's prototype-poisoning guard both land here.
    return errors.invalidJson(error instanceof Error ? sanitize(error.message) : 'malformed body');
  }
  return undefined;
}

/** Error messages may quote the body; keep them short and on one line. */
function sanitize(message: string): string {
  return message.replace(/[\r\n]+/g, ' ').slice(0, 200);
}

export function anthropicErrorBody(error: GatewayError): unknown {
  const type = ANTHROPIC_TYPES[error.status] ?? (error.status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message: error.message } };
}

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/**
 * The catalogue error to answer for anything thrown on a request's path. One the catalogue does not
 * know is logged with the request's id, and the client sees a bare 500.
 */
export function answerableError(
  error: unknown,
  maxBodyBytes: number,
  logger: { error(details: object, message: string): void },
  requestId: string,
): GatewayError {
  const known = toGatewayError(error, maxBodyBytes);
  if (known) return known;
  logger.error({ err: error, reqId: requestId }, 'unhandled error');
  return errors.internal();
}

/** The error's body in the API's own shape (an upstream's relayed body when there is one). */
export function errorPayload(error: GatewayError, shape: ErrorShape): unknown {
  return error.clientBody ?? (shape === 'anthropic' ? anthropicErrorBody(error) : error.toBody());
}

export function sendError(reply: FastifyReply, error: GatewayError, shape: ErrorShape): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.status).type('application/json').send(errorPayload(error, shape));
}

export function errorShapeOf(url: string): ErrorShape {
  return url.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}
