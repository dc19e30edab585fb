import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventData, SseSplitter, withData } from './sse-events.ts';

function splitAll(chunks: Uint8Array[]): { events: string[]; rest: string } {
  const splitter = new SseSplitter();
  const events = chunks.flatMap((chunk) => splitter.push(chunk));
  return { events, rest: splitter.end() };
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('SseSplitter', () => {
  it('splits on blank lines and keeps each event exactly as it came', () => {
    const stream =
      'event: message\nid: 1\ndata: {"a":1}\n\n: ping\n\ndata: x\r\ndata: y\r\n\r\nretry: 5\r\rdata: tail';
    expect(splitAll([bytes(stream)])).toEqual({
      events: [
        'event: message\nid: 1\ndata: {"a":1}\n\n',
        ': ping\n\n',
        'data: x\r\ndata: y\r\n\r\n',
        'retry: 5\r\r',
      ],
      rest: 'data: tail',
    });
  });

  it('waits on a CR at the end of a chunk, which may be half of a CRLF', () => {
    const splitter = new SseSplitter();
    expect(splitter.push(bytes('data: a\r\n\r'))).toEqual([]);
    expect(splitter.push(bytes('\ndata: b\n\n'))).toEqual(['data: a\r\n\r\n', 'data: b\n\n']);
  });

  it('gives the same events however the bytes are cut, multi-byte characters included', () => {
    const event = fc
      .array(
        fc.oneof(
          fc
            .string({ unit: 'grapheme', maxLength: 12 })
            .map((text) => `data: ${text.replace(/[\r\n]/g, '')}`),
          fc.constantFrom('event: message', 'id: 42', ': comment', 'retry: 10'),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .chain((lines) => fc.constantFrom('\n', '\r\n', '\r').map((eol) => `${lines.join(eol)}${eol}${eol}`));
    fc.assert(
      fc.property(fc.array(event, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (events, cuts) => {
        const whole = bytes(events.join(''));
        const points = [...new Set(cuts.map((cut) => cut % (whole.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let from = 0;
        for (const point of [...points, whole.length]) {
          chunks.push(whole.subarray(from, point));
          from = point;
        }
        const once = splitAll([whole]);
        expect(splitAll(chunks)).toEqual(once);
        // The last event stays in `rest` only if it ends with a CR, which could still become a CRLF.
        const found = once.rest === '' ? once.events : [...once.events, once.rest];
        expect(found).toEqual(events);
      }),
    );
  });
});

describe('eventData / withData', () => {
  it('joins data lines and ignores other fields', () => {
    expect(eventData('event: message\nid: 7\ndata: {"a":\ndata:1}\n\n')).toBe('{"a":\n1}');
    expect(eventData(': ping\n\n')).toBeNull();
    expect(eventData('datum: x\n\n')).toBeNull();
  });

  it('replaces the data and keeps the event name and id in place', () => {
    expect(withData('event: message\r\nid: 7\r\ndata: {"a":\r\ndata:1}\r\n\r\n', '{"b":2}')).toBe(
      'event: message\nid: 7\ndata: {"b":2}\n\n',
    );
  });
});
