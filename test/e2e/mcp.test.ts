import { createServer } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestMcpServer, type TestMcpServer } from '../../src/testing/mcp-server.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { deleteKeys, SHARED_REDIS_URL, scanKeys, uniquePrefix } from '../helpers/redis.ts';

/**
 * MCP through the gateway, end to end with the official SDK on both sides: a real McpServer behind
 * StreamableHTTPServerTransport as the upstream, and Client + StreamableHTTPClientTransport in
 * front. Four callers: an admin, an analyst and an intern of tenant acme, and a globex admin.
 */
const KEYS = {
  admin: 'sk-mcp-admin-0000000000001',
  analyst: 'sk-mcp-analyst-00000000002',
  intern: 'sk-mcp-intern-000000000003',
  globex: 'sk-mcp-globex-000000000004',
};
const UPSTREAM_TOKEN = 'upstream-secret-token-1234';
const REDIS_PREFIX = uniquePrefix('mcp-e2e');

let sseServer: TestMcpServer;
let jsonServer: TestMcpServer;
let downUrl: string;
let gw: TestGateway;
const clients: Client[] = [];

function config(extra = ''): string {
  return `
version: 1
# An SDK client closed just after connecting can leave a connection that never sent a request;
# Node only drops those when the drain timeout ends, so keep it short.
server: {drain_timeout_ms: 500}
providers:
  - {name: unused, kind: openai-compatible, base_url: "http://127.0.0.1:9/v1", models: [m]}
identity:
  api_keys:
    - {key: "$ADMIN_KEY", tenant: acme, user: {id: alice, role: admin, department: ops}}
    - {key: "$ANALYST_KEY", tenant: acme, user: {id: bob, role: analyst, department: finance}}
    - {key: "$INTERN_KEY", tenant: acme, user: {id: ivy, role: intern, department: finance}}
    - {key: "$GLOBEX_KEY", tenant: globex, user: {id: gus, role: admin, department: ops}}
mcp:
  max_body_bytes: 4096
${extra}
mcp_servers:
  - name: tools
    url: "${sseServer.url}"
    headers: {authorization: "Bearer $UPSTREAM_TOKEN"}
    policies:
      - {allow: {tenant: acme}}
      - {audit: {}}
    tools:
      delete_record: [{allow: {role: admin}}, {audit: {arguments: true}}]
      add: [{rate_limit: {requests: 2, per_seconds: 3600}}]
      report: [{deny: {role: intern}}]
  - name: strict
    url: "${jsonServer.url}"
    unlisted_tools: deny
    tools:
      echo: []
  - name: down
    url: "${downUrl}"
`;
}

const env = {
  ADMIN_KEY: KEYS.admin,
  ANALYST_KEY: KEYS.analyst,
  INTERN_KEY: KEYS.intern,
  GLOBEX_KEY: KEYS.globex,
  UPSTREAM_TOKEN,
};

async function connect(key: string, server = 'tools', base = gw.url) {
  const client = new Client({ name: 'switchyard-e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/${server}`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  clients.push(client);
  await client.connect(transport);
  return { client, transport };
}

async function toolNames(key: string, server = 'tools'): Promise<string[]> {
  const { client } = await connect(key, server);
  const { tools } = await client.listTools();
  return tools.map((tool) => tool.name).sort();
}

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text: string }> }).content;
  return content.map((part) => part.text).join('');
}

async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

function auditLines(logs: string[]): Array<Record<string, unknown>> {
  return logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'mcp tool call');
}

function rawPost(body: string, headers: Record<string, string> = {}, server = 'tools') {
  return fetch(`${gw.url}/mcp/${server}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${KEYS.admin}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });
}

/** A loopback URL nothing listens on: a port taken from the OS, then released. */
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}/mcp`;
}

beforeAll(async () => {
  [sseServer, jsonServer, downUrl] = await Promise.all([
    startTestMcpServer(),
    startTestMcpServer({ json: true }),
    closedPortUrl(),
  ]);
  gw = await startTestGateway(config(), { env });
});

afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await gw?.close();
  await Promise.allSettled([sseServer?.close(), jsonServer?.close()]);
});

describe('MCP proxy (Streamable HTTP)', () => {
  it('initializes through the gateway and passes the session id both ways', async () => {
    const before = sseServer.received.length;
    const { client, transport } = await connect(KEYS.admin);
    expect(client.getServerVersion()?.name).toBe('switchyard-test-tools');
    expect(transport.sessionId).toBeDefined();
    expect(sseServer.sessions).toContain(transport.sessionId);

    await client.ping();
    const after = sseServer.received.slice(before);
    // initialize carries no session; everything after it carries the one the server issued.
    expect(after[0]?.headers['mcp-session-id']).toBeUndefined();
    const later = after.slice(1);
    expect(later.length).toBeGreaterThan(0);
    for (const request of later) {
      expect(request.headers['mcp-session-id']).toBe(transport.sessionId);
      expect(request.headers['mcp-protocol-version']).toBe(transport.protocolVersion);
    }
    // The server gets its configured credentials, never the caller's gateway key.
    for (const request of after) {
      expect(request.headers.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`);
      expect(JSON.stringify(request.headers)).not.toContain(KEYS.admin);
    }
  });

  it('filters tools/list per role', async () => {
    expect(await toolNames(KEYS.admin)).toEqual(['add', 'delete_record', 'echo', 'fail', 'report']);
    expect(await toolNames(KEYS.analyst)).toEqual(['add', 'echo', 'fail', 'report']);
    expect(await toolNames(KEYS.intern)).toEqual(['add', 'echo', 'fail']);
  });

  it('calls an allowed tool and audits it without arguments', async () => {
    const { client } = await connect(KEYS.analyst);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'secret-ish text' } });
    expect(textOf(result)).toBe('secret-ish text');
    const line = auditLines(gw.logs).find((entry) => entry.tool === 'echo' && entry.user === 'bob');
    expect(line).toMatchObject({
      mcp_server: 'tools',
      tenant: 'acme',
      role: 'analyst',
      department: 'finance',
      outcome: 'ok',
    });
    expect(typeof line?.duration_ms).toBe('number');
    expect(line?.arguments).toBeUndefined();
    expect(JSON.stringify(gw.logs)).not.toContain('secret-ish text');
  });

  it("audits arguments where the tool's chain asks for them, and a tool error as such", async () => {
    const { client } = await connect(KEYS.admin);
    expect(textOf(await client.callTool({ name: 'delete_record', arguments: { id: 'r-17' } }))).toBe(
      'deleted r-17',
    );
    const failed = await client.callTool({ name: 'fail', arguments: {} });
    expect(failed.isError).toBe(true);
    const lines = auditLines(gw.logs);
    expect(
      lines.find((entry) => entry.tool === 'delete_record' && entry.outcome === 'ok')?.arguments,
    ).toEqual({
      id: 'r-17',
    });
    expect(lines.find((entry) => entry.tool === 'fail')?.outcome).toBe('tool_error');
  });

  it('refuses a denied tool with a JSON-RPC error, and the server never sees the call', async () => {
    const { client } = await connect(KEYS.analyst);
    const before = sseServer.toolCalls.get('delete_record') ?? 0;
    const error = await rpcError(client.callTool({ name: 'delete_record', arguments: { id: 'r-1' } }));
    expect(error.code).toBe(-32010);
    expect(error.message).toContain('not allowed');
    expect(error.data).toMatchObject({ code: 'denied_by_policy' });
    expect(sseServer.toolCalls.get('delete_record') ?? 0).toBe(before);
    expect(
      auditLines(gw.logs).find((entry) => entry.tool === 'delete_record' && entry.user === 'bob'),
    ).toMatchObject({
      outcome: 'denied',
    });
    // The session goes on.
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe(
      'still here',
    );
  });

  it('refuses a whole server to a tenant its policies do not allow, before the server sees anything', async () => {
    const before = sseServer.received.length;
    const error = await rpcError(connect(KEYS.globex).then(() => undefined));
    expect(error.code).toBe(-32010);
    expect(sseServer.received.length).toBe(before);
  });

  it('rate-limits a tool per user, in process', async () => {
    const analyst = (await connect(KEYS.analyst)).client;
    const before = sseServer.toolCalls.get('add') ?? 0;
    expect(textOf(await analyst.callTool({ name: 'add', arguments: { a: 1, b: 2 } }))).toBe('3');
    expect(textOf(await analyst.callTool({ name: 'add', arguments: { a: 2, b: 2 } }))).toBe('4');
    const error = await rpcError(analyst.callTool({ name: 'add', arguments: { a: 3, b: 2 } }));
    expect(error.code).toBe(-32011);
    expect((error.data as { retry_after_seconds: number }).retry_after_seconds).toBeGreaterThan(0);
    expect(sseServer.toolCalls.get('add')).toBe(before + 2);
    // Another user has a bucket of their own; other tools are not limited.
    const admin = (await connect(KEYS.admin)).client;
    expect(textOf(await admin.callTool({ name: 'add', arguments: { a: 5, b: 5 } }))).toBe('10');
    expect(textOf(await analyst.callTool({ name: 'echo', arguments: { text: 'ok' } }))).toBe('ok');
    expect(
      auditLines(gw.logs).filter((entry) => entry.tool === 'add' && entry.outcome === 'rate_limited'),
    ).toHaveLength(1);
  });

  it('relays an event stream with several events as they come', async () => {
    const { client } = await connect(KEYS.analyst);
    const messages: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      messages.push(String(notification.params.data));
    });
    const result = await client.callTool({ name: 'report', arguments: { steps: 3 } });
    expect(textOf(result)).toBe('done after 3 steps');
    expect(messages).toEqual(['step 1 of 3', 'step 2 of 3', 'step 3 of 3']);
  });

  it('filters JSON answers too, and unlisted_tools: deny hides and refuses everything else', async () => {
    expect(await toolNames(KEYS.analyst, 'strict')).toEqual(['echo']);
    const { client } = await connect(KEYS.analyst, 'strict');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'json' } }))).toBe('json');
    const error = await rpcError(client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }));
    expect(error.code).toBe(-32010);
    expect(jsonServer.toolCalls.get('add')).toBeUndefined();
  });

  it('passes GET (the notification stream) and DELETE (session end) through', async () => {
    const { client, transport } = await connect(KEYS.admin);
    await client.ping();
    const sessionId = transport.sessionId as string;
    // The SDK client opens its GET stream once initialized; wait until the server has it.
    await expect
      .poll(() =>
        sseServer.received.some((r) => r.method === 'GET' && r.headers['mcp-session-id'] === sessionId),
      )
      .toBe(true);
    await transport.terminateSession();
    expect(sseServer.endedSessions).toContain(sessionId);
  });

  it('answers a malformed body with a JSON-RPC parse error and forwards nothing', async () => {
    const before = sseServer.received.length;
    const response = await rawPost('{"jsonrpc": "2.0", "method": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { id: unknown; error: { code: number; data: { code: string } } };
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, data: { code: 'parse_error' } },
    });

    const invalid = await rawPost(JSON.stringify({ jsonrpc: '1.0', id: 7, method: 'tools/list' }));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ id: 7, error: { code: -32600 } });

    const noName = await rawPost(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: {} }));
    expect(noName.status).toBe(200);
    expect(await noName.json()).toMatchObject({ id: 8, error: { code: -32602 } });

    const batch = await rawPost(JSON.stringify([{ jsonrpc: '2.0', id: 9, method: 'ping' }]), {
      'mcp-protocol-version': '2025-06-18',
    });
    expect(batch.status).toBe(400);
    expect(await batch.json()).toMatchObject({
      error: { code: -32600, data: { code: 'batch_not_supported' } },
    });

    const tooLarge = await rawPost(
      JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'ping', params: { pad: 'x'.repeat(5000) } }),
    );
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { data: { code: 'body_too_large' } },
    });

    // A denied tool behind an allowed one: repeated (a server may keep the first copy) or in
    // another letter case (Go's encoding/json reads `Name` as `name` and keeps the last).
    for (const smuggled of [
      '{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"delete_record","name":"echo","arguments":{"text":"x"}}}',
      '{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"echo","Name":"delete_record","arguments":{"text":"x"}}}',
    ]) {
      const refused = await rawPost(smuggled);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
    }

    const plain = await rawPost('{"jsonrpc":"2.0","id":11,"method":"ping"}', {
      'content-type': 'text/plain',
    });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { data: { code: 'unsupported_media_type' } },
    });

    expect(sseServer.received.length).toBe(before);
  });

  it('refuses a batch in which one call is denied, answering every request in it', async () => {
    const { transport } = await connect(KEYS.analyst);
    const before = sseServer.received.length;
    const response = await fetch(`${gw.url}/mcp/tools`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEYS.analyst}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId as string,
        'mcp-protocol-version': '2025-03-26',
      },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' } } },
        {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'delete_record', arguments: { id: 'x' } },
        },
      ]),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject([
      { id: 1, error: { data: { code: 'batch_refused' } } },
      { id: 2, error: { code: -32010 } },
    ]);
    expect(sseServer.received.length).toBe(before);
  });

  it('answers JSON-RPC errors for bad credentials and unknown servers', async () => {
    const wrongKey = await rawPost('{}', { authorization: 'Bearer sk-not-a-key-00000000000' });
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { data: { code: 'invalid_api_key' } },
    });
    const unknown = await rawPost('{}', {}, 'nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ jsonrpc: '2.0', error: { data: { code: 'not_found' } } });
  });

  it('answers 502 with a JSON-RPC error when the server is down, and keeps serving', async () => {
    const response = await rawPost(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
      {},
      'down',
    );
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32013,
        message: 'MCP server "down" is unreachable',
        data: { code: 'mcp_server_unavailable' },
      },
    });
    // The SDK client reports the failure; the gateway goes on serving the other servers.
    await expect(connect(KEYS.admin, 'down')).rejects.toThrow(/502|unreachable/);
    expect(await toolNames(KEYS.admin, 'strict')).toEqual(['echo']);
  });

  it('logs one request line per MCP request and counts tool calls in metrics', async () => {
    const { client } = await connect(KEYS.admin);
    await client.callTool({ name: 'echo', arguments: { text: 'metrics' } });
    const line = gw
      .requestLogs()
      .find((entry) => (entry.mcp as { tools?: string[] } | undefined)?.tools?.includes('echo'));
    expect(line).toMatchObject({
      method: 'POST',
      status: 200,
      mcp: { server: 'tools', methods: ['tools/call'] },
    });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    // Tools the config names are label values; any other name a client sends is "*".
    expect(metrics).toMatch(/switchyard_mcp_tool_calls_total\{server="tools",tool="\*",outcome="ok"\} \d+/);
    expect(metrics).toMatch(
      /switchyard_mcp_tool_calls_total\{server="strict",tool="echo",outcome="ok"\} \d+/,
    );
    expect(metrics).toMatch(
      /switchyard_mcp_tool_calls_total\{server="tools",tool="delete_record",outcome="denied"\} \d+/,
    );
  });
});

describe('MCP policies on reload', () => {
  afterAll(async () => {
    await gw.reload(config());
  });

  it('applies the chains of a reloaded config to the next request, on the same session', async () => {
    const { client } = await connect(KEYS.analyst);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'before' } }))).toBe('before');
    const changed = config().replace(
      '      report: [{deny: {role: intern}}]',
      '      echo: [{deny: {role: analyst}}]',
    );
    expect(changed).not.toBe(config());
    expect(await gw.reload(changed)).toMatchObject({ ok: true });
    const error = await rpcError(client.callTool({ name: 'echo', arguments: { text: 'after' } }));
    expect(error.code).toBe(-32010);
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('echo');
  });
});

describe('MCP rate limits shared in Redis', () => {
  let second: TestGateway;
  let third: TestGateway;
  const redisConfig = `  rate_limit: {store: redis, redis_url: "${SHARED_REDIS_URL}", key_prefix: "${REDIS_PREFIX}"}`;

  beforeAll(async () => {
    [second, third] = await Promise.all([
      startTestGateway(config(redisConfig), { env }),
      startTestGateway(config(redisConfig), { env }),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([second?.close(), third?.close()]);
    await deleteKeys(REDIS_PREFIX);
  });

  it("counts one user's calls across two gateways", async () => {
    const before = sseServer.toolCalls.get('add') ?? 0;
    const a = (await connect(KEYS.intern, 'tools', second.url)).client;
    const b = (await connect(KEYS.intern, 'tools', third.url)).client;
    expect(textOf(await a.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2');
    expect(textOf(await b.callTool({ name: 'add', arguments: { a: 1, b: 2 } }))).toBe('3');
    const error = await rpcError(a.callTool({ name: 'add', arguments: { a: 1, b: 3 } }));
    expect(error.code).toBe(-32011);
    expect(sseServer.toolCalls.get('add')).toBe(before + 2);

    const redis = new Redis(SHARED_REDIS_URL);
    const keys = await scanKeys(redis, REDIS_PREFIX);
    redis.disconnect();
    expect(keys).toEqual([`${REDIS_PREFIX}:tools:${encodeURIComponent('tools.add[0]')}:add:acme:ivy`]);
  });
});
