import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The policy provider of the `full` scenario, served from the bench runner: the gateway fetches
 * the document once and then serves it from its policy cache for the whole run, which is what the
 * scenario measures.
 */
export async function startPolicyServer(document: unknown): Promise<{ url: string; server: Server }> {
  const body = JSON.stringify(document);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/routing-policy`, server };
}
