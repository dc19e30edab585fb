import fc from 'fast-check';
import { encode, encodeChat } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { estimateTextTokens } from './text-tokens.ts';
import { TOKEN_CORPUS } from './token-corpus.fixture.ts';
import { estimateTokens, TOKENS_PER_IMAGE } from './token-estimate.ts';

/**
 * Bounds checked against gpt-tokenizer's default encoding (o200k_base). Measured when written:
 * mean absolute relative error 5.4 %, worst text the base64 blob at -40 %, every other text within
 * ±11 %. The bounds leave a little room so a harmless tweak does not fail the build, but a
 * regression of a few points does.
 */
const MAX_MEAN_RELATIVE_ERROR = 0.07;
const MAX_RELATIVE_ERROR = 0.15;
const MAX_RELATIVE_ERROR_RANDOM = 0.45;
const RANDOM_STRINGS = new Set(['base64 blob']);

function sample(name: string): string {
  const found = TOKEN_CORPUS.find((entry) => entry.name === name);
  if (found === undefined) throw new Error(`no corpus text named ${name}`);
  return found.text;
}

function relativeError(estimate: number, actual: number): number {
  return Math.abs(estimate - actual) / actual;
}

describe('estimateTextTokens against o200k_base', () => {
  const rows = TOKEN_CORPUS.map(({ name, text }) => ({
    name,
    error: relativeError(estimateTextTokens(text), encode(text).length),
  }));

  it(`keeps the mean relative error under ${MAX_MEAN_RELATIVE_ERROR * 100} %`, () => {
    const mean = rows.reduce((sum, row) => sum + row.error, 0) / rows.length;
    expect(mean).toBeLessThan(MAX_MEAN_RELATIVE_ERROR);
  });

  it.each(rows)('$name stays within its bound', ({ name, error }) => {
    expect(error).toBeLessThan(RANDOM_STRINGS.has(name) ? MAX_RELATIVE_ERROR_RANDOM : MAX_RELATIVE_ERROR);
  });

  it('is zero for empty text and grows with the text', () => {
    expect(estimateTextTokens('')).toBe(0);
    expect(estimateTextTokens('hello world hello world')).toBeGreaterThan(estimateTextTokens('hello world'));
  });
});

describe('estimateTokens', () => {
  it('adds chat framing like the real chat encoding', () => {
    const chats = [
      [{ role: 'user', content: 'Hi' }],
      [
        { role: 'system', content: sample('system prompt') },
        { role: 'user', content: sample('chat question') },
      ],
      TOKEN_CORPUS.slice(0, 12).map((sample, i) => ({
        role: i % 2 === 0 ? 'user' : 'assistant',
        content: sample.text,
      })),
    ] as const;
    for (const chat of chats) {
      const actual = encodeChat(chat, 'gpt-4o').length;
      expect(relativeError(estimateTokens(chat), actual)).toBeLessThan(0.1);
    }
  });

  it('counts OpenAI parts and Anthropic blocks like plain string content', () => {
    const text = sample('english prose');
    const plain = estimateTokens([{ role: 'user', content: text }]);
    expect(estimateTokens([{ role: 'user', content: [{ type: 'text', text }] }])).toBe(plain);
  });

  it('counts images, tool calls, tool use and tool results', () => {
    const base = estimateTokens([{ role: 'user', content: 'look' }]);
    expect(
      estimateTokens([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'x' } },
          ],
        },
      ]),
    ).toBe(base + TOKENS_PER_IMAGE);
    expect(
      estimateTokens([
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ function: { name: 'f', arguments: '{"q":"x"}' } }],
        },
      ]),
    ).toBeGreaterThan(estimateTokens([{ role: 'assistant', content: null }]));
    expect(
      estimateTokens([
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { q: 'x' } }] },
      ]),
    ).toBeGreaterThan(estimateTokens([{ role: 'assistant', content: [] }]));
    expect(
      estimateTokens([
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'result text' }] },
      ]),
    ).toBeGreaterThan(estimateTokens([{ role: 'user', content: [] }]));
  });

  it.each([
    ['undefined', undefined, 0],
    ['null', null, 0],
    ['a number', 7, 0],
    ['a string', 'hello', 0],
    ['an empty array', [], 0],
  ])('counts %s as %i tokens', (_name, input, expected) => {
    expect(estimateTokens(input)).toBe(expected);
  });

  it('counts only the framing of malformed messages', () => {
    expect(estimateTokens([null, 1, { content: 5 }])).toBe(3 + 3 * 4);
  });

  it('returns a non-negative integer for arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const tokens = estimateTokens(value);
        expect(Number.isInteger(tokens)).toBe(true);
        expect(tokens).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('stays within a small multiple of the text length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (text) => {
        const tokens = estimateTextTokens(text);
        expect(tokens).toBeGreaterThanOrEqual(0);
        expect(tokens).toBeLessThanOrEqual(text.length * 1.5);
      }),
    );
  });
});
