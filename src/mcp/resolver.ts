import { type JsonRpcError, mcpErrors } from '../errors.ts';
import type { Chain } from './chain.ts';
import type { McpServerRuntime } from './compile.ts';
import type { ClientMessage } from './jsonrpc.ts';

/**
 * The `mcp-tool` policy-chain resolver (DESIGN §1, seeds/004): an LLM route's chain is fixed by its
 * route key, but an MCP route serves many tools through one URL, so the chain depends on the
 * JSON-RPC body. A `tools/call` gets the chain of the tool in `params.name`; every other message
 * gets the server's default chain. Both are map lookups into chains compiled with the snapshot.
 */
export interface Resolution {
  readonly chain: Chain;
  /** The tool being called, for tools/call; null for every other message. */
  readonly tool: string | null;
}

export function resolveChain(server: McpServerRuntime, message: ClientMessage): Resolution | JsonRpcError {
  if (message.kind !== 'request' || message.method !== 'tools/call') {
    return { chain: server.serverChain, tool: null };
  }
  const tool = message.params?.name;
  // Without a tool name there is no chain to choose: refusing here keeps policy from being skipped.
  if (typeof tool !== 'string' || tool === '') {
    return mcpErrors.invalidParams('tools/call needs "params.name", the tool to call', message.id);
  }
  return { chain: chainForTool(server, tool), tool };
}

export function chainForTool(server: McpServerRuntime, tool: string): Chain {
  return server.toolChains.get(tool) ?? server.unlistedToolChain;
}
