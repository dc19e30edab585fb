import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from './net.ts';

/** The machine's shared Redis; tests keep to their own key prefix. */
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix no other test file or run uses. */
export function uniquePrefix(label: string): string {
  return `switchyard-test:${label}:${randomUUID()}`;
}

/** Deletes every key under `prefix:` on the shared Redis. */
export async function deleteKeys(prefix: string, url = SHARED_REDIS_URL): Promise<void> {
  const client = new Redis(url);
  try {
    const keys = await scanKeys(client, prefix);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

export async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/**
 * A redis-server this test owns, on a free loopback port, without persistence: stopping it loses
 * its data, as an outage would. `start()` again reuses the same port.
 */
export interface OwnedRedis {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function ownedRedis(): Promise<OwnedRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child) return;
      const server = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = server;
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const onData = (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('Ready to accept connections')) {
            server.stdout?.off('data', onData);
            resolve();
          }
        };
        server.stdout?.on('data', onData);
        server.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
      });
      // Keep draining its output so the pipe never fills.
      server.stdout?.resume();
      server.stderr?.resume();
    },
    async stop() {
      const server = child;
      if (!server) return;
      child = undefined;
      if (server.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      server.kill('SIGTERM');
      await exited;
    },
  };
}
