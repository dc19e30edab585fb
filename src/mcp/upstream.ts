import type { IncomingHttpHeaders } from 'node:http';
import { type Dispatcher, errors as undiciErrors } from 'undici';
import { mcpErrors } from '../errors.ts';
import type { McpServerRuntime } from './compile.ts';

/**
 * One HTTP request to an MCP server over its pooled connections. Only the MCP headers of the
 * client's request go upstream — never its credentials, which were meant for the gateway; the
 * server gets the headers configured for it instead.
 */
const PASSED_TO_SERVER = ['accept', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'] as const;

/** Headers of the server's answer that mean something to an MCP client. */
const PASSED_TO_CLIENT = [
  'content-type',
  'mcp-session-id',
  'mcp-protocol-version',
  'cache-control',
  'retry-after',
  'allow',
] as const;

export interface UpstreamRequest {
  readonly server: McpServerRuntime;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly clientHeaders: IncomingHttpHeaders;
  readonly body?: Buffer;
  readonly signal: AbortSignal;
  readonly requestId: string;
  readonly traceParent: string;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * Throws the JSON-RPC error for a server that cannot be reached (502) or is too slow to answer
 * (504); a request aborted because the client left rethrows as it is.
 */
export async function callServer(req: UpstreamRequest): Promise<UpstreamResponse> {
  const { server } = req;
  const headers: Record<string, string> = {
    'x-request-id': req.requestId,
    traceparent: req.traceParent,
  };
  for (const name of PASSED_TO_SERVER) {
    const value = req.clientHeaders[name];
    if (typeof value === 'string') headers[name] = value;
  }
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, server.headers);
  try {
    return await server.pool.request({
      method: req.method,
      path: server.path,
      headers,
      body: req.body ?? null,
      signal: req.signal,
    });
  } catch (error) {
    if (req.signal.aborted) throw error;
    if (error instanceof undiciErrors.HeadersTimeoutError) throw mcpErrors.serverTimeout(server.name);
    throw mcpErrors.serverUnavailable(server.name);
  }
}

export function clientHeadersFrom(response: UpstreamResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_TO_CLIENT) {
    const value = response.headers[name];
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value) && value.length > 0) out[name] = value.join(', ');
  }
  return out;
}

export function isEventStream(response: UpstreamResponse): boolean {
  const type = response.headers['content-type'];
  return typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream');
}

export function isJson(response: UpstreamResponse): boolean {
  const type = response.headers['content-type'];
  return typeof type === 'string' && type.toLowerCase().startsWith('application/json');
}
