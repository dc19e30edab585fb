import type { Pool } from 'undici';
import type { PoolRegistry } from '../forward/pools.ts';
import { type Chain, compileChain, DENY_ALL, entriesOf, type PolicyEntry } from './chain.ts';
import type { McpConfig, McpRateLimitStoreConfig, McpServerConfig } from './schema.ts';

/**
 * The MCP part of the runtime snapshot: every configured server with its pool, headers and policy
 * chains already built. The route `/mcp/<name>` is one lookup in `servers`; the mcp-tool resolver
 * (resolver.ts) is one more lookup in `toolChains`.
 */
export interface McpServerRuntime {
  readonly name: string;
  readonly origin: string;
  /** Path and query of the server's endpoint. */
  readonly path: string;
  readonly pool: Pool;
  /** Configured headers, lower-cased, computed once. */
  readonly headers: Readonly<Record<string, string>>;
  /** The gates of `policies`: applied to every message that is not a tools/call. */
  readonly serverChain: Chain;
  /** `policies` followed by the tool's own entry, per configured tool. */
  readonly toolChains: ReadonlyMap<string, Chain>;
  /** For tools/call of a tool with no entry under `tools`. */
  readonly unlistedToolChain: Chain;
  /** Some tool is hidden from some caller, so tools/list answers must be filtered. */
  readonly filtersToolList: boolean;
}

export interface McpRuntime {
  readonly servers: ReadonlyMap<string, McpServerRuntime>;
  readonly maxBodyBytes: number;
  readonly rateLimit: McpRateLimitStoreConfig;
}

export function compileMcp(
  mcp: McpConfig,
  servers: readonly McpServerConfig[],
  pools: PoolRegistry,
): McpRuntime {
  const compiled = new Map<string, McpServerRuntime>();
  for (const server of servers) compiled.set(server.name, compileServer(server, pools));
  return Object.freeze({ servers: compiled, maxBodyBytes: mcp.max_body_bytes, rateLimit: mcp.rate_limit });
}

function compileServer(server: McpServerConfig, pools: PoolRegistry): McpServerRuntime {
  const url = new URL(server.url);
  const base = entriesOf(server.policies, 'policies');
  const isGate = (entry: PolicyEntry) => entry.policy.allow !== undefined || entry.policy.deny !== undefined;

  const toolChains = new Map<string, Chain>();
  let toolGates = false;
  for (const [tool, policies] of Object.entries(server.tools)) {
    const own = entriesOf(policies, `tools.${tool}`);
    toolGates ||= own.some(isGate);
    toolChains.set(tool, compileChain([...base, ...own]));
  }
  const denyUnlisted = server.unlisted_tools === 'deny';

  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(server.headers)) headers[key.toLowerCase()] = value;

  return Object.freeze({
    name: server.name,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    pool: pools.get(url.origin, {
      connections: server.max_connections,
      headersTimeoutMs: server.timeout_ms,
      // Streams carry server notifications and may stay quiet for a long time; the client's going
      // away is what ends them.
      bodyTimeoutMs: 0,
    }),
    headers,
    serverChain: compileChain(base.filter(isGate)),
    toolChains,
    // Refused before anything else runs, so an unlisted tool never takes a rate-limit token.
    unlistedToolChain: compileChain(denyUnlisted ? [DENY_ALL, ...base] : base),
    filtersToolList: toolGates || denyUnlisted,
  });
}
