/**
 * The one error catalogue: every error Switchyard raises to a client is defined here with its
 * HTTP status, OpenAI error `type` and `code`. Handlers throw these; one error handler turns them
 * into the API's error shape. Only `message` is shown to clients, so it must never carry a stack,
 * a secret or an upstream URL.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'upstream_error'
  | 'service_unavailable';

export class GatewayError extends Error {
  /** For errors raised while deciding: the decision trace so far (explain output; never sent to clients). */
  trace: unknown[] | undefined;

  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: null } };
  }
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

export const errors = {
  invalidJson: (detail: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'invalid_json',
      `Request body is not valid JSON: ${detail}`,
    ),
  invalidRequest: (message: string, code = 'invalid_request') =>
    new GatewayError(400, 'invalid_request_error', code, message),
  unsupportedMediaType: (contentType: string | undefined) =>
    new GatewayError(
      415,
      'invalid_request_error',
      'unsupported_media_type',
      `Unsupported content type ${JSON.stringify(contentType ?? '')}; send application/json`,
    ),
  bodyTooLarge: (limit: number) =>
    new GatewayError(413, 'invalid_request_error', 'body_too_large', `Request body exceeds ${limit} bytes`),
  missingModel: () =>
    new GatewayError(
      400,
      'invalid_request_error',
      'missing_model',
      'The request has no `model` and no default is configured',
    ),
  modelNotFound: (model: string) =>
    new GatewayError(
      404,
      'invalid_request_error',
      'model_not_found',
      `The model ${JSON.stringify(model)} does not exist`,
    ),
  notFound: (what: string) => new GatewayError(404, 'not_found_error', 'not_found', `${what} not found`),
  unauthorized: (message = 'Missing or invalid credentials') =>
    new GatewayError(401, 'authentication_error', 'invalid_api_key', message),
  forbidden: (message: string, code = 'forbidden') =>
    new GatewayError(403, 'permission_error', code, message),
  noTargetAvailable: (retryAfterSeconds: number | undefined) =>
    new GatewayError(
      503,
      'service_unavailable',
      'no_target_available',
      'Every target for this request is cooling down or has an open circuit breaker',
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
    ),
  deadlineExceeded: () =>
    new GatewayError(
      504,
      'upstream_error',
      'deadline_exceeded',
      'The request deadline passed before any target answered',
    ),
  upstreamFailed: (status: number, message: string, code = 'upstream_error') =>
    new GatewayError(status, status === 429 ? 'rate_limit_error' : 'upstream_error', code, message),
  shuttingDown: () =>
    new GatewayError(503, 'service_unavailable', 'shutting_down', 'The gateway is shutting down', {
      connection: 'close',
    }),
  storeUnavailable: () =>
    new GatewayError(503, 'service_unavailable', 'rule_store_unavailable', 'The rule store is unreachable and no rules are cached'),
  rejectedByRule: (message: string) => new GatewayError(403, 'permission_error', 'rejected_by_rule', message),
  policyUnavailable: (policyId: string) =>
    new GatewayError(503, 'service_unavailable', 'policy_unavailable', `Policy ${JSON.stringify(policyId)} could not be loaded`),
  policyNotFound: (policyId: string) =>
    new GatewayError(404, 'not_found_error', 'policy_not_found', `Policy ${JSON.stringify(policyId)} does not exist`),
  internal: () => new GatewayError(500, 'api_error', 'internal_error', 'Internal gateway error'),
} as const;
