import cluster from 'node:cluster';
import pino, { type Logger } from 'pino';
import type { SwitchyardConfig } from '../config/schema.ts';

export type { Logger } from 'pino';

/**
 * Credentials may arrive in these places; pino removes them before a line is written. Request and
 * response bodies are never logged.
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'api_key',
  '*.api_key',
];

export function createLogger(
  config: SwitchyardConfig['logging'],
  destination?: pino.DestinationStream,
): Logger {
  const dest =
    destination ??
    // To a file, lines are batched (4 KiB) rather than written one system call each.
    (config.file
      ? pino.destination({ dest: config.file, sync: false, mkdir: true, minLength: 4096 })
      : pino.destination(1));
  return pino(
    {
      level: config.level,
      // Under `serve --workers`, lines from the workers interleave: each carries its pid.
      base: cluster.isWorker ? { pid: process.pid } : undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    dest,
  );
}
