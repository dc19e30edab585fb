import type { JsonRpcId } from '../errors.ts';
import type { Identity } from '../identity/identity.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AuditSettings } from './chain.ts';
import type { McpServerRuntime } from './compile.ts';

/**
 * What became of each tool call: one metric per call, and one audit log line when the tool's
 * chain has an `audit` policy. Arguments are logged only when that policy asks for them.
 */
export type ToolCallOutcome =
  /** The server answered with a result. */
  | 'ok'
  /** The server answered with a result marked `isError` (the tool ran and failed). */
  | 'tool_error'
  /** The server answered with a JSON-RPC error. */
  | 'error'
  | 'denied'
  | 'rate_limited'
  /** Allowed, but another message of its batch was refused, so nothing was sent. */
  | 'not_sent'
  | 'upstream_unavailable'
  /** The server answered the HTTP request with an error status. */
  | 'upstream_error'
  /** The answer never came: the stream ended first or the client went away. */
  | 'no_response';

export interface ToolCall {
  readonly server: McpServerRuntime;
  readonly tool: string;
  readonly id: JsonRpcId;
  readonly identity: Identity;
  readonly arguments: unknown;
  readonly audit: AuditSettings | null;
  readonly startedAt: number;
}

export interface AuditServices {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly requestId: string;
}

export function recordToolCall(services: AuditServices, call: ToolCall, outcome: ToolCallOutcome): void {
  const { server, tool, identity } = call;
  // Only configured tool names become label values; anything a client makes up is "*".
  services.metrics.mcpToolCalls.inc({
    server: server.name,
    tool: server.toolChains.has(tool) ? tool : '*',
    outcome,
  });
  if (call.audit === null) return;
  services.logger.info(
    {
      reqId: services.requestId,
      mcp_server: server.name,
      tool,
      rpc_id: call.id,
      tenant: identity.tenant,
      user: identity.user.id,
      role: identity.user.role,
      department: identity.user.department,
      credential: identity.credentialName,
      outcome,
      duration_ms: Math.round((performance.now() - call.startedAt) * 10) / 10,
      arguments: call.audit.arguments ? call.arguments : undefined,
    },
    'mcp tool call',
  );
}
