/**
 * The floor: the least a Node.js HTTP proxy can do. node:http in front, an undici Pool behind, bodies
 * streamed through untouched (no parsing, no buffering). Switchyard's costs are read against this,
 * so whatever Node and undici cost by themselves is not blamed on the gateway.
 *
 *   node --import tsx bench/floor-proxy.ts <upstream origin>
 */
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { exitWithParent } from './child-lifecycle.ts';

const origin = process.argv[2];
if (!origin) {
  process.stderr.write('usage: floor-proxy.ts <upstream origin>\n');
  process.exit(2);
}

// The same pool shape Switchyard uses for a provider (max_connections default 128, no pipelining).
const pool = new Pool(new URL(origin).origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

/** Connection-scoped headers (RFC 9110 §7.6.1) belong to one hop and are not forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

function forwardable(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
  }
  return out;
}

const server = createServer((req, res) => {
  // pool.stream writes the upstream body straight into `res`: the cheapest path undici offers.
  pool
    .stream(
      {
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as 'GET',
        headers: forwardable(req.headers) as Record<string, string>,
        body: req,
      },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, forwardable(headers));
        return res;
      },
    )
    .catch(() => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(
          '{"error":{"message":"floor proxy: upstream failed","type":"server_error","code":"bad_gateway"}}',
        );
      } else res.destroy();
    });
});
server.keepAliveTimeout = 30_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  exitWithParent(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pool.close();
  });
  process.stdout.write(`http://127.0.0.1:${port}\n`);
});
