import type { OpenAIErrorBody } from './wire/openai.ts';
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
  /**
   * An upstream's error already mapped to the client's API shape (only type, message, code and
   * param are kept): sent instead of the catalogue body. Set only by `upstreamRelayed`.
   */
  clientBody: object | undefined;

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

export type { OpenAIErrorBody } from './wire/openai.ts';

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
    new GatewayError(
      503,
      'service_unavailable',
      'rule_store_unavailable',
      'The rule store is unreachable and no rules are cached',
    ),
  rejectedByRule: (message: string) => new GatewayError(403, 'permission_error', 'rejected_by_rule', message),
  policyUnavailable: (policyId: string) =>
    new GatewayError(
      503,
      'service_unavailable',
      'policy_unavailable',
      `Policy ${JSON.stringify(policyId)} could not be loaded`,
    ),
  policyNotFound: (policyId: string) =>
    new GatewayError(
      404,
      'not_found_error',
      'policy_not_found',
      `Policy ${JSON.stringify(policyId)} does not exist`,
    ),
  conflict: (message: string) => new GatewayError(409, 'invalid_request_error', 'conflict', message),
  untranslatable: (message: string, code: string) =>
    new GatewayError(400, 'invalid_request_error', code, message),
  upstreamUntranslatable: (message: string) =>
    new GatewayError(502, 'upstream_error', 'invalid_upstream_response', message),
  upstreamAuthFailed: (provider: string) =>
    new GatewayError(
      502,
      'upstream_error',
      'upstream_auth_failed',
      `The gateway's credentials for provider ${JSON.stringify(provider)} were refused; tell the gateway's operators`,
    ),
  upstreamRelayed: (status: number, message: string, clientBody: object) => {
    const type = status === 429 ? 'rate_limit_error' : 'upstream_error';
    const error = new GatewayError(status, type, 'upstream_error', message);
    error.clientBody = clientBody;
    return error;
  },
  overloaded: () =>
    new GatewayError(503, 'service_unavailable', 'overloaded', 'The gateway is at capacity; retry shortly', {
      'retry-after': '1',
    }),
  internal: () => new GatewayError(500, 'api_error', 'internal_error', 'Internal gateway error'),
} as const;

/**
 * MCP routes speak JSON-RPC 2.0, so their errors are JSON-RPC error responses
 * (`{jsonrpc: "2.0", id, error: {code, message, data: {code}}}`), not the OpenAI shape. A refusal
 * that answers a request by its id is an ordinary JSON-RPC response (HTTP 200); `status` is used
 * when the error is about the HTTP exchange itself (a bad body, an unreachable server) or refuses a
 * message that has no id to answer. `data.code` is the stable, machine-readable name.
 */
export type JsonRpcId = string | number;

export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: { code: number; message: string; data: Record<string, unknown> };
}

export class JsonRpcError extends Error {
  constructor(
    readonly status: number,
    readonly rpcCode: number,
    readonly code: string,
    message: string,
    readonly id: JsonRpcId | null = null,
    readonly data: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'JsonRpcError';
  }

  withId(id: JsonRpcId | null): JsonRpcError {
    return new JsonRpcError(this.status, this.rpcCode, this.code, this.message, id, this.data, this.headers);
  }

  toBody(): JsonRpcErrorBody {
    return {
      jsonrpc: '2.0',
      id: this.id,
      error: { code: this.rpcCode, message: this.message, data: { code: this.code, ...this.data } },
    };
  }
}

/** Tool names come from clients: quoted and cut short before they are echoed in a message. */
function quoted(name: string): string {
  return JSON.stringify(name.length > 128 ? `${name.slice(0, 128)}…` : name);
}

export const mcpErrors = {
  parseError: (detail: string) => new JsonRpcError(400, -32700, 'parse_error', `Parse error: ${detail}`),
  invalidRequest: (message: string, id: JsonRpcId | null = null) =>
    new JsonRpcError(400, -32600, 'invalid_request', `Invalid request: ${message}`, id),
  batchNotSupported: (version: string) =>
    new JsonRpcError(
      400,
      -32600,
      'batch_not_supported',
      `JSON-RPC batches are not part of MCP protocol version ${version}; send one message per request`,
    ),
  invalidParams: (message: string, id: JsonRpcId | null) =>
    new JsonRpcError(400, -32602, 'invalid_params', `Invalid params: ${message}`, id),
  toolDenied: (server: string, tool: string) =>
    new JsonRpcError(
      403,
      -32010,
      'denied_by_policy',
      `Tool ${quoted(tool)} on MCP server "${server}" is not allowed for this caller`,
    ),
  serverDenied: (server: string) =>
    new JsonRpcError(
      403,
      -32010,
      'denied_by_policy',
      `MCP server "${server}" is not allowed for this caller`,
    ),
  rateLimited: (tool: string, retryAfterSeconds: number) =>
    new JsonRpcError(
      429,
      -32011,
      'rate_limited',
      `Rate limit for tool ${quoted(tool)} exceeded; retry in ${retryAfterSeconds} s`,
      null,
      { retry_after_seconds: retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    ),
  batchRefused: () =>
    new JsonRpcError(403, -32012, 'batch_refused', 'Not sent: another message in the same batch was refused'),
  serverUnavailable: (server: string) =>
    new JsonRpcError(502, -32013, 'mcp_server_unavailable', `MCP server "${server}" is unreachable`),
  serverTimeout: (server: string) =>
    new JsonRpcError(504, -32014, 'mcp_server_timeout', `MCP server "${server}" did not answer in time`),
  /** Errors from the shared catalogue (credentials, limits, not found) in JSON-RPC form. */
  fromGatewayError: (error: GatewayError) =>
    new JsonRpcError(error.status, -32000, error.code, error.message, null, {}, error.headers),
} as const;
