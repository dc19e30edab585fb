import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on a loopback port that a test can cut (every connection dropped, the port closed)
 * and restore on the same port: a database or cache outage and its return, without touching the
 * real server behind it.
 */
export interface TcpProxy {
  readonly port: number;
  /** Drops every connection and stops listening: the service "goes away". */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const listen = async (on: number): Promise<number> => {
    const next = createServer(function relay(client) {
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(on, '127.0.0.1', () => resolve());
    });
    server = next;
    const address = next.address();
    return typeof address === 'object' && address ? address.port : on;
  };

  const cut = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  const bound = await listen(port);
  return {
    port: bound,
    cut,
    restore: async () => {
      if (!server) await listen(bound);
    },
    close: cut,
  };
}
