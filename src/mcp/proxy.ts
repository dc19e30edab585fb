import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { JsonRpcError, type JsonRpcId, mcpErrors } from '../errors.ts';
import type { Identity } from '../identity/identity.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { type AuditServices, recordToolCall, type ToolCall } from './audit.ts';
import { passesGates } from './chain.ts';
import type { McpServerRuntime } from './compile.ts';
import { type EnforceContext, runChain } from './enforce.ts';
import { inspectJsonBody, inspectSseStream, ResponseInspector } from './inspect-response.ts';
import { type ClientMessage, type ParsedBody, parseJsonRpcBody } from './jsonrpc.ts';
import type { RateLimiter } from './rate-limit.ts';
import { chainForTool, resolveChain } from './resolver.ts';
import { callServer, clientHeadersFrom, isEventStream, isJson, type UpstreamResponse } from './upstream.ts';

/**
 * MCP over Streamable HTTP through the gateway (DESIGN §1). A POST is parsed, each message runs
 * its policy chain, and only if every message may go is the body forwarded — the original bytes.
 * The answer comes back as JSON or as an event stream relayed event by event; tools/list results
 * are filtered on the way. GET (the server's notification stream) and DELETE (end of session)
 * pass through after the server's default chain. No HTTP framework types here: the ingress
 * (server/mcp.ts) writes the McpAnswer.
 */
export interface McpServices {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly limiter: RateLimiter;
  readonly onStoreError: 'allow' | 'deny';
}

/** What the request log line says about an MCP request; filled in as the request is handled. */
export interface McpLogInfo {
  server: string;
  methods: string[];
  tools: string[];
}

export interface McpExchange {
  readonly server: McpServerRuntime;
  readonly identity: Identity;
  readonly clientHeaders: IncomingHttpHeaders;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  readonly requestId: string;
  readonly traceParent: string;
  readonly services: McpServices;
  readonly log: McpLogInfo;
}

export interface McpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** null for an answer without a body (202 Accepted). */
  readonly body: string | Readable | null;
}

/** Method and tool names come from the client: the log line keeps a bounded sample. */
const MAX_LOGGED = 16;
const MAX_NAME = 128;

export async function handlePost(ex: McpExchange, body: Buffer | undefined): Promise<McpAnswer> {
  const parsed = parseJsonRpcBody(body, headerValue(ex.clientHeaders['mcp-protocol-version']));
  ex.log.methods = parsed.messages
    .slice(0, MAX_LOGGED)
    .map((message) => (message.kind === 'response' ? 'response' : message.method.slice(0, MAX_NAME)));
  const audit: AuditServices = {
    logger: ex.services.logger,
    metrics: ex.services.metrics,
    requestId: ex.requestId,
  };

  const plan = await enforceMessages(ex, parsed, audit);
  if (plan.refused) {
    for (const call of plan.calls.values()) recordToolCall(audit, call, 'not_sent');
    return refusalAnswer(parsed, plan.refusals);
  }

  const { server, identity } = ex;
  const inspector = new ResponseInspector({
    toolVisible:
      server.filtersToolList && plan.toolListIds.size > 0
        ? (name) => passesGates(chainForTool(server, name), identity)
        : null,
    toolListIds: plan.toolListIds,
    calls: plan.calls,
    onCallEnded: (call, outcome) => recordToolCall(audit, call, outcome),
  });

  let response: UpstreamResponse;
  try {
    response = await callServer(upstreamRequest(ex, 'POST', body));
  } catch (error) {
    if (!(error instanceof JsonRpcError)) {
      inspector.finish('no_response');
      throw error;
    }
    inspector.finish('upstream_unavailable');
    throw error.withId(singleRequestId(parsed));
  }
  return answerFrom(response, inspector);
}

interface Plan {
  /** Per message: why it is refused, or null. */
  readonly refusals: ReadonlyArray<JsonRpcError | null>;
  readonly refused: boolean;
  /** Allowed tool calls, by request id. */
  readonly calls: ReadonlyMap<JsonRpcId, ToolCall>;
  readonly toolListIds: ReadonlySet<JsonRpcId>;
}

/** Each message through the chain its resolver picks; a refused tool call is audited here. */
async function enforceMessages(ex: McpExchange, parsed: ParsedBody, audit: AuditServices): Promise<Plan> {
  const startedAt = performance.now();
  const enforce = enforceContext(ex);
  const calls = new Map<JsonRpcId, ToolCall>();
  const toolListIds = new Set<JsonRpcId>();
  const refusals: Array<JsonRpcError | null> = [];
  let refused = false;

  for (const message of parsed.messages) {
    // After one refusal the batch will not be sent: later messages take no rate-limit tokens.
    if (refused) {
      refusals.push(mcpErrors.batchRefused().withId(idOf(message)));
      continue;
    }
    const resolution = resolveChain(ex.server, message);
    if (resolution instanceof JsonRpcError) {
      refusals.push(resolution);
      refused = true;
      continue;
    }
    const call =
      message.kind === 'request' && resolution.tool !== null
        ? toolCall(
            ex,
            message.id,
            resolution.tool,
            message.params?.arguments,
            resolution.chain.audit,
            startedAt,
          )
        : undefined;
    if (message.kind === 'request' && message.method === 'tools/list') toolListIds.add(message.id);
    const refusal = await runChain(enforce, resolution.chain, resolution.tool);
    if (refusal) {
      if (call) recordToolCall(audit, call, refusal.outcome);
      refusals.push(refusal.error.withId(idOf(message)));
      refused = true;
      continue;
    }
    if (call) calls.set(call.id, call);
    refusals.push(null);
  }
  return { refusals, refused, calls, toolListIds };
}

function toolCall(
  ex: McpExchange,
  id: JsonRpcId,
  tool: string,
  args: unknown,
  audit: ToolCall['audit'],
  startedAt: number,
): ToolCall {
  if (ex.log.tools.length < MAX_LOGGED) ex.log.tools.push(tool.slice(0, MAX_NAME));
  return { server: ex.server, tool, id, identity: ex.identity, arguments: args, audit, startedAt };
}

/** GET opens the server's notification stream; DELETE ends a session. */
export async function handlePassThrough(ex: McpExchange, method: 'GET' | 'DELETE'): Promise<McpAnswer> {
  ex.log.methods = [method === 'GET' ? 'stream' : 'end_session'];
  const refusal = await runChain(enforceContext(ex), ex.server.serverChain, null);
  if (refusal) throw refusal.error;
  const response = await callServer(upstreamRequest(ex, method, undefined));
  const { server, identity } = ex;
  const inspector = new ResponseInspector({
    toolVisible: server.filtersToolList ? (name) => passesGates(chainForTool(server, name), identity) : null,
    toolListIds: 'any',
    calls: new Map(),
    onCallEnded: () => {},
  });
  return answerFrom(response, inspector);
}

async function answerFrom(response: UpstreamResponse, inspector: ResponseInspector): Promise<McpAnswer> {
  const status = response.statusCode;
  const headers = clientHeadersFrom(response);
  const upstreamBody = response.body;

  if (status >= 400) {
    // The server's own refusals (404 for an unknown session, 405, 406) reach the client as they are.
    inspector.finish('upstream_error');
    return { status, headers, body: upstreamBody };
  }
  if (status === 202 || status === 204) {
    inspector.finish('no_response');
    await upstreamBody.dump();
    return { status, headers, body: null };
  }
  if (inspector.active && isEventStream(response)) {
    return { status, headers, body: Readable.from(relayInspected(response, inspector)) };
  }
  if (inspector.active && isJson(response)) {
    const text = inspectJsonBody(await upstreamBody.text(), inspector);
    inspector.finish('no_response');
    return { status, headers, body: text };
  }
  inspector.finish('no_response');
  return { status, headers, body: upstreamBody };
}

async function* relayInspected(
  response: UpstreamResponse,
  inspector: ResponseInspector,
): AsyncGenerator<Buffer> {
  try {
    yield* inspectSseStream(response.body, inspector);
  } finally {
    // Reached early when the client goes away: stop reading the server's stream.
    if (!response.body.readableEnded) response.body.destroy();
    inspector.finish('no_response');
  }
}

/**
 * A request refused by policy gets a JSON-RPC error answering its id (HTTP 200). A notification
 * or client response has no id to answer, so its refusal is an HTTP error status. In a batch,
 * nothing is sent when any message is refused; each request is answered.
 */
function refusalAnswer(parsed: ParsedBody, refusals: ReadonlyArray<JsonRpcError | null>): McpAnswer {
  const json = { 'content-type': 'application/json' };
  const answers = parsed.messages.flatMap((message, index) => {
    if (message.kind !== 'request') return [];
    return [(refusals[index] ?? mcpErrors.batchRefused().withId(message.id)).toBody()];
  });
  if (answers.length > 0) {
    return { status: 200, headers: json, body: JSON.stringify(parsed.batch ? answers : answers[0]) };
  }
  const first = refusals.find((refusal) => refusal !== null) ?? mcpErrors.batchRefused();
  return {
    status: first.status,
    headers: { ...json, ...first.headers },
    body: JSON.stringify(first.withId(null).toBody()),
  };
}

function enforceContext(ex: McpExchange): EnforceContext {
  return {
    server: ex.server,
    identity: ex.identity,
    limiter: ex.services.limiter,
    onStoreError: ex.services.onStoreError,
    logger: ex.services.logger,
  };
}

function upstreamRequest(ex: McpExchange, method: 'GET' | 'POST' | 'DELETE', body: Buffer | undefined) {
  return {
    server: ex.server,
    method,
    clientHeaders: ex.clientHeaders,
    body,
    signal: ex.signal,
    requestId: ex.requestId,
    traceParent: ex.traceParent,
  };
}

function idOf(message: ClientMessage): JsonRpcId | null {
  return message.kind === 'request' ? message.id : null;
}

function singleRequestId(parsed: ParsedBody): JsonRpcId | null {
  const [only] = parsed.messages;
  return !parsed.batch && only !== undefined ? idOf(only) : null;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
