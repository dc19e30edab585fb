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
  const dest = destination ?? (config.file ? fileDestination(config.file) : pino.destination(1));
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

/** A batch that is not full reaches the file after this long at most. */
export const FILE_FLUSH_INTERVAL_MS = 1000;

/**
 * To a file, lines are batched (4 KiB) rather than written one system call each. A batch is
 * written when full, and at the latest after FILE_FLUSH_INTERVAL_MS (sonic-boom's own unref'd
 * timer, stopped when the file closes): with low traffic, a request's line would otherwise wait
 * for the next 4 KiB of lines, or for the process to exit.
 */
function fileDestination(file: string): pino.DestinationStream {
  return pino.destination({
    dest: file,
    sync: false,
    mkdir: true,
    minLength: 4096,
    periodicFlush: FILE_FLUSH_INTERVAL_MS,
  });
}
