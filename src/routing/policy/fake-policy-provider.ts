import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP policy provider for tests, on 127.0.0.1 and an ephemeral port. It records every
 * request (query and headers) and, by default, serves the documents in `policies` by `policy_id`
 * and 404s the rest; `handler` can be replaced to misbehave.
 */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export type FakeHandler = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakePolicyProvider {
  /** Base URL, e.g. http://127.0.0.1:40123/v1/routing-policy */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly policies: Map<string, unknown>;
  handler: FakeHandler;
  /** Requests for `policy_id` so far. */
  count(policyId?: string): number;
  close(): Promise<void>;
}

export async function startFakePolicyProvider(): Promise<FakePolicyProvider> {
  const requests: RecordedRequest[] = [];
  const policies = new Map<string, unknown>();
  const fake: FakePolicyProvider = {
    url: '',
    requests,
    policies,
    handler: function serveFromMap(request, res) {
      const document = policies.get(request.query.get('policy_id') ?? '');
      if (document === undefined) sendJson(res, 404, { error: 'no such policy' });
      else sendJson(res, 200, document);
    },
    count(policyId) {
      if (policyId === undefined) return requests.length;
      return requests.filter((request) => request.query.get('policy_id') === policyId).length;
    },
    close: () => closeServer(server),
  };
  const server = createServer(function record(req: IncomingMessage, res: ServerResponse) {
    const parsed = new URL(req.url ?? '/', 'http://fake');
    const request: RecordedRequest = {
      method: req.method ?? '',
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: req.headers,
    };
    requests.push(request);
    Promise.resolve(fake.handler(request, res)).catch(function fail() {
      res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, { url: `http://127.0.0.1:${port}/v1/routing-policy` });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  // Hanging test handlers hold sockets open; close them rather than wait.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
