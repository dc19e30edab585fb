import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, FILE_FLUSH_INTERVAL_MS } from './logger.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-logger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

describe('file logging', () => {
  it('writes a lone line within the flush interval, though it fills no batch', async () => {
    const file = join(dir, 'lone.log');
    const logger = createLogger({ level: 'info', file });
    logger.info({ reqId: 'r1' }, 'request');
    const read = () => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    expect(await waitFor(() => read().includes('"reqId":"r1"'), FILE_FLUSH_INTERVAL_MS * 3)).toBe(true);
    expect(JSON.parse(read().trim())).toMatchObject({ level: 30, reqId: 'r1', msg: 'request' });
    (logger as unknown as Record<symbol, pino.DestinationStream & { end(): void }>)[
      pino.symbols.streamSym
    ]?.end();
  });
});
