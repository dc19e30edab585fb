import type { Snapshot } from '../config/snapshot.ts';
import type { AttemptRecord } from '../forward/chain.ts';
import { UpstreamAbort } from '../forward/upstream-abort.ts';
import type { McpLogInfo } from '../mcp/proxy.ts';
import type { TraceParent } from '../observability/trace-context.ts';
import type { RequestSpan } from '../observability/tracing.ts';
import type { Usage } from '../providers/codecs/codec.ts';
import type { Decision } from '../routing/decision.ts';
import type { Target } from '../routing/target.ts';

/**
 * The one typed context of a request as it moves through the pipeline (STYLE §8). It is filled in
 * stage by stage and read at the end for the request's log line and metrics.
 */
export type Endpoint = 'chat' | 'embeddings' | 'messages' | 'models' | 'route' | 'mcp' | 'admin' | 'other';

export type { Usage } from '../providers/codecs/codec.ts';

export interface Exchange {
  readonly requestId: string;
  readonly method: string;
  /** The route's path (its pattern for parameterised routes), without the query. */
  readonly path: string;
  readonly startedAt: number;
  readonly traceParent: TraceParent;
  readonly span: RequestSpan | null;
  endpoint: Endpoint;
  snapshot: Snapshot | undefined;
  decision: Decision | undefined;
  attempts: AttemptRecord[];
  served: Target | undefined;
  usage: Usage | undefined;
  /** Set when a stream broke after it began: the status was 200 but the answer is incomplete. */
  streamError: string | undefined;
  /** MCP routes: the server, the JSON-RPC methods and the tools called. */
  mcp: McpLogInfo | undefined;
  /** The request's log line has been written (on finish, or on client abort). */
  logged: boolean;
  /**
   * Cancels this request's upstream calls. Created with the request, so a client that leaves
   * while the decision is still being made (a router call, a policy fetch) aborts what follows.
   */
  readonly upstream: UpstreamAbort;
}

export function newExchange(
  requestId: string,
  method: string,
  path: string,
  traceParent: TraceParent,
  span: RequestSpan | null,
): Exchange {
  return {
    requestId,
    method,
    path,
    startedAt: performance.now(),
    traceParent,
    span,
    endpoint: 'other',
    snapshot: undefined,
    decision: undefined,
    attempts: [],
    served: undefined,
    usage: undefined,
    streamError: undefined,
    mcp: undefined,
    logged: false,
    upstream: new UpstreamAbort(),
  };
}
