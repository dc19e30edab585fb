import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/load.ts';
import { JsonRpcError } from '../errors.ts';
import { PoolRegistry } from '../forward/pools.ts';
import { passesGates } from './chain.ts';
import { compileMcp, type McpRuntime } from './compile.ts';
import { person } from './identities.fixture.ts';
import type { ClientMessage } from './jsonrpc.ts';
import { chainForTool, resolveChain } from './resolver.ts';

const pools = new PoolRegistry();
afterAll(() => pools.closeAll());

function load(mcp: string): McpRuntime {
  const { config } = parseConfig(
    `version: 1\nproviders: [{name: p, kind: openai, api_key: k}]\n${mcp}`,
    'test.yaml',
    { TOKEN: 'tok-1' },
  );
  return compileMcp(config.mcp, config.mcp_servers, pools);
}

function problems(mcp: string): string[] {
  try {
    load(mcp);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

const call = (name: unknown): ClientMessage => ({
  kind: 'request',
  id: 1,
  method: 'tools/call',
  params: { name },
});

const admin = person('acme', 'alice', 'admin');
const analyst = person('acme', 'bob', 'analyst');
const outsider = person('globex', 'gus', 'admin');

describe('compiled MCP servers', () => {
  const runtime = load(`
mcp_servers:
  - name: tools
    url: "http://127.0.0.1:9000/mcp?x=1"
    headers: {Authorization: "Bearer $TOKEN"}
    policies: [{allow: {tenant: acme}}, {rate_limit: {requests: 5, per_seconds: 60}}, {audit: {}}]
    tools:
      delete_record: [{allow: {role: admin}}, {audit: {arguments: true}}]
      add: [{rate_limit: {requests: 1, per_seconds: 1}}]
  - name: open
    url: "http://127.0.0.1:9001/"
`);
  const tools = runtime.servers.get('tools')!;
  const open = runtime.servers.get('open')!;

  it('finds a server by name and keeps its endpoint and lower-cased headers', () => {
    expect(tools).toMatchObject({ name: 'tools', origin: 'http://127.0.0.1:9000', path: '/mcp?x=1' });
    expect(tools.headers).toEqual({ authorization: 'Bearer tok-1' });
    expect(runtime.servers.get('nope')).toBeUndefined();
    expect(runtime.maxBodyBytes).toBe(1024 * 1024);
    expect(runtime.rateLimit.store).toBe('memory');
  });

  it('gives other methods the gates of `policies` only: rate limits and audit are for tool calls', () => {
    expect(tools.serverChain.steps.map((step) => step.kind)).toEqual(['allow']);
    expect(tools.serverChain.audit).toBeNull();
  });

  it("composes a tool chain as `policies` then the tool's own entry", () => {
    const del = chainForTool(tools, 'delete_record');
    expect(del.steps.map((step) => step.kind)).toEqual(['allow', 'rate_limit', 'allow']);
    expect(del.audit).toEqual({ arguments: true });
    expect(passesGates(del, admin)).toBe(true);
    expect(passesGates(del, analyst)).toBe(false);
    expect(passesGates(del, outsider)).toBe(false);
    const add = chainForTool(tools, 'add');
    expect(
      add.steps.filter((step) => step.kind === 'rate_limit').map((step) => (step as { id: string }).id),
    ).toEqual(['policies[1]', 'tools.add[0]']);
    // A tool with no entry gets `policies` alone.
    expect(chainForTool(tools, 'echo').steps.map((step) => step.kind)).toEqual(['allow', 'rate_limit']);
  });

  it('filters tools/list only where some tool has gates of its own', () => {
    expect(tools.filtersToolList).toBe(true);
    expect(open.filtersToolList).toBe(false);
  });

  it('resolves tools/call by params.name, everything else to the server chain (mcp-tool resolver)', () => {
    expect(resolveChain(tools, call('delete_record'))).toEqual({
      chain: chainForTool(tools, 'delete_record'),
      tool: 'delete_record',
    });
    expect(resolveChain(tools, { kind: 'request', id: 2, method: 'tools/list', params: undefined })).toEqual({
      chain: tools.serverChain,
      tool: null,
    });
    expect(
      resolveChain(tools, { kind: 'notification', method: 'tools/call', params: { name: 'x' } }),
    ).toEqual({
      chain: tools.serverChain,
      tool: null,
    });
    for (const name of [undefined, '', 42]) {
      const refused = resolveChain(tools, call(name));
      expect(refused).toBeInstanceOf(JsonRpcError);
      expect((refused as JsonRpcError).rpcCode).toBe(-32602);
    }
  });

  it('with unlisted_tools: deny, refuses and hides every tool without an entry', () => {
    const strict = load(`
mcp_servers:
  - {name: strict, url: "http://127.0.0.1:9000/mcp", unlisted_tools: deny, tools: {echo: []}}
`).servers.get('strict')!;
    expect(strict.filtersToolList).toBe(true);
    expect(passesGates(chainForTool(strict, 'echo'), analyst)).toBe(true);
    expect(passesGates(chainForTool(strict, 'other'), admin)).toBe(false);
  });
});

describe('MCP config validation', () => {
  it('names the policy that has no kind, or two', () => {
    expect(
      problems(`
mcp_servers:
  - {name: a, url: "http://127.0.0.1:1/mcp", policies: [{}], tools: {t: [{allow: {role: x}, deny: {role: y}}]}}
`),
    ).toEqual([
      'mcp_servers[0].policies[0]: a policy has exactly one of allow, deny, rate_limit, audit (found none)',
      'mcp_servers[0].tools.t[0]: a policy has exactly one of allow, deny, rate_limit, audit (found allow and deny)',
    ]);
  });

  it('points at unknown fields, duplicate names and a redis store without a URL', () => {
    const found = problems(`
mcp:
  rate_limit: {store: redis}
mcp_servers:
  - {name: a, url: "http://127.0.0.1:1/mcp", policies: [{allow: {rol: admin}}]}
  - {name: a, url: "ftp://x"}
`);
    expect(found).toContain('mcp.rate_limit.redis_url: required with store: redis');
    expect(
      found.some((line) => line.startsWith('mcp_servers[0].policies[0].allow:') && line.includes('rol')),
    ).toBe(true);
    expect(found).toContain('mcp_servers[1].url: Invalid URL');
    expect(found).toContain('mcp_servers[1].name: duplicate MCP server "a"');
  });
});
