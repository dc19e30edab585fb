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

  it('keeps every line whole and in order through many batches, multi-byte text included', async () => {
    const file = join(dir, 'many.log');
    const logger = createLogger({ level: 'info', file });
    const count = 5000;
    for (let i = 0; i < count; i++) logger.info({ i, note: 'grüße → 東京 🚀' }, 'request');
    const destination = (logger as unknown as Record<symbol, pino.DestinationStream & { end(): void }>)[
      pino.symbols.streamSym
    ];
    destination?.end();
    const lines = () => {
      try {
        return readFileSync(file, 'utf8').trim().split('\n');
      } catch {
        return [];
      }
    };
    expect(await waitFor(() => lines().length === count, 5000)).toBe(true);
    const parsed = lines().map((line) => JSON.parse(line) as { i: number; note: string });
    expect(parsed.map((line) => line.i)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(new Set(parsed.map((line) => line.note))).toEqual(new Set(['grüße → 東京 🚀']));
  });
});
