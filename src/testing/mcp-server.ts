/**
 * A real MCP server for tests and demos, built with the official SDK (McpServer behind
 * StreamableHTTPServerTransport, one transport per session) on node:http. It counts what reaches
 * it — HTTP requests, their headers, tool calls by name — so tests can check what the gateway
 * forwarded and what it kept back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface TestMcpServerOptions {
  /** Answer POSTs with application/json instead of an event stream. */
  json?: boolean;
}

export interface ReceivedRequest {
  method: string;
  headers: IncomingHttpHeaders;
}

export interface TestMcpServer {
  url: string;
  /** Every HTTP request that reached the server. */
  received: ReceivedRequest[];
  /** Tool calls that ran, by tool name. */
  toolCalls: Map<string, number>;
  /** Session ids the server issued, and those ended by DELETE. */
  sessions: string[];
  endedSessions: string[];
  close(): Promise<void>;
}

export const TEST_MCP_TOOLS = ['echo', 'add', 'delete_record', 'fail', 'report'] as const;

function buildMcpServer(toolCalls: Map<string, number>): McpServer {
  const server = new McpServer(
    { name: 'switchyard-test-tools', version: '1.0.0' },
    { capabilities: { logging: {} } },
  );
  const count = (name: string) => toolCalls.set(name, (toolCalls.get(name) ?? 0) + 1);

  server.registerTool(
    'echo',
    { description: 'Echoes its text', inputSchema: { text: z.string() } },
    async ({ text }) => {
      count('echo');
      return { content: [{ type: 'text', text }] };
    },
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => {
      count('add');
      return { content: [{ type: 'text', text: String(a + b) }] };
    },
  );
  server.registerTool(
    'delete_record',
    { description: 'Deletes a record', inputSchema: { id: z.string() } },
    async ({ id }) => {
      count('delete_record');
      return { content: [{ type: 'text', text: `deleted ${id}` }] };
    },
  );
  server.registerTool('fail', { description: 'Always fails' }, async () => {
    count('fail');
    return { content: [{ type: 'text', text: 'it broke' }], isError: true };
  });
  // Sends log notifications on the request's stream before its result: several events per answer.
  server.registerTool(
    'report',
    { description: 'Reports progress as it goes', inputSchema: { steps: z.number().int().min(1).max(10) } },
    async ({ steps }, extra) => {
      count('report');
      for (let step = 1; step <= steps; step++) {
        await extra.sendNotification({
          method: 'notifications/message',
          params: { level: 'info', data: `step ${step} of ${steps}` },
        });
      }
      return { content: [{ type: 'text', text: `done after ${steps} steps` }] };
    },
  );
  return server;
}

export async function startTestMcpServer(options: TestMcpServerOptions = {}): Promise<TestMcpServer> {
  const received: ReceivedRequest[] = [];
  const toolCalls = new Map<string, number>();
  const sessions: string[] = [];
  const endedSessions: string[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();

  const http: Server = createServer((req, res) => {
    received.push({ method: req.method ?? '', headers: req.headers });
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (existing) {
      if (req.method === 'DELETE' && typeof sessionId === 'string') endedSessions.push(sessionId);
      void existing.handleRequest(req, res);
      return;
    }
    if (sessionId !== undefined || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }),
      );
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: options.json === true,
      onsessioninitialized: (id) => {
        sessions.push(id);
        transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) transports.delete(transport.sessionId);
    };
    void buildMcpServer(toolCalls)
      .connect(transport)
      .then(() => transport.handleRequest(req, res));
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    received,
    toolCalls,
    sessions,
    endedSessions,
    close: async () => {
      await Promise.allSettled([...transports.values()].map((transport) => transport.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
