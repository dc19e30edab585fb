import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseTail } from './openai-sse-tail.ts';

function chunkEvent(text: string): string {
  return `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text } }] })}\n\n`;
}

/** A stream of `words` content chunks (multi-byte text included), a usage chunk and `[DONE]`. */
function stream(words: number, done: boolean): Buffer {
  let text = '';
  for (let i = 0; i < words; i++) text += chunkEvent(`wört ${i} 東京 `);
  text += `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 12, completion_tokens: words, total_tokens: 12 + words } })}\n\n`;
  if (done) text += 'data: [DONE]\n\n';
  return Buffer.from(text);
}

/** `bytes` cut at the given offsets (any byte, inside a character too). */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const at of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, at));
    from = at;
  }
  return pieces;
}

describe('SseTail', () => {
  it('sees [DONE] and the final usage however the stream was cut, long streams included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 300 }),
        (words, done, offsets) => {
          const tail = new SseTail();
          for (const piece of cut(stream(words, done), offsets)) tail.push(piece);
          expect(tail.sawDone).toBe(done);
          expect(tail.usage()).toEqual({ promptTokens: 12, completionTokens: words });
        },
      ),
      { numRuns: 300 },
    );
  });
});
