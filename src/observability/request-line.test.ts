import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLine } from './request-line.ts';

/** A pino logger writing into an array of lines, synchronously. */
function capture(level = 'info', base: Record<string, unknown> | undefined = undefined) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(line);
      done();
    },
  });
  const logger = pino({ level, base }, destination);
  return { logger, lines };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** JSON field values as the request line carries them: strings, numbers, nested objects, undefined. */
const fieldValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(undefined),
  fc.array(fc.record({ target: fc.string(), status: fc.integer(), ms: fc.nat() })),
  fc.record({ promptTokens: fc.nat(), completionTokens: fc.nat() }),
);
const fields = fc.dictionary(
  fc.string({ minLength: 1 }).filter((key) => !['level', 'time', 'msg', 'pid'].includes(key)),
  fieldValue,
);

describe('requestLine', () => {
  it('writes what pino would write for the same fields (pino as the oracle)', async () => {
    await fc.assert(
      fc.asyncProperty(fields, async (record) => {
        const ours = capture();
        const theirs = capture();
        requestLine(ours.logger).write(record);
        theirs.logger.info(record, 'request');
        await flush();
        expect(ours.lines).toHaveLength(1);
        const a = JSON.parse(ours.lines[0] as string) as Record<string, unknown>;
        const b = JSON.parse(theirs.lines[0] as string) as Record<string, unknown>;
        expect(typeof a.time).toBe('number');
        expect({ ...a, time: 0 }).toEqual({ ...b, time: 0 });
        // Same key order as pino: level, time, the fields, msg.
        expect(Object.keys(a)).toEqual(Object.keys(b));
      }),
      { numRuns: 200 },
    );
  });

  it("carries the logger's bindings as pino does (the worker pid under serve --workers)", async () => {
    const ours = capture('info', { pid: 42 });
    const theirs = capture('info', { pid: 42 });
    requestLine(ours.logger).write({ reqId: 'r1', status: 200 });
    theirs.logger.info({ reqId: 'r1', status: 200 }, 'request');
    await flush();
    const a = JSON.parse(ours.lines[0] as string) as Record<string, unknown>;
    const b = JSON.parse(theirs.lines[0] as string) as Record<string, unknown>;
    expect(a.pid).toBe(42);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect({ ...a, time: 0 }).toEqual({ ...b, time: 0 });
  });

  it('writes a well-formed line when there are no fields', async () => {
    const { logger, lines } = capture();
    requestLine(logger).write({});
    await flush();
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 30, msg: 'request' });
  });

  it('follows the logger level, also when it changes later', async () => {
    const { logger, lines } = capture('warn');
    const line = requestLine(logger);
    expect(line.enabled).toBe(false);
    line.write({ reqId: 'a' });
    logger.level = 'info';
    expect(line.enabled).toBe(true);
    line.write({ reqId: 'b' });
    await flush();
    expect(lines.map((l) => (JSON.parse(l) as { reqId: string }).reqId)).toEqual(['b']);
  });
});
