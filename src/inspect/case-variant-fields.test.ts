import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseVariantField, type FieldPath, intendedName } from './case-variant-fields.ts';

/**
 * The oracle is Go's encoding/json, which matches a key to a field when the two are equal under
 * Unicode simple case folding: each ASCII letter matches its other case, and two letters outside
 * ASCII fold onto ASCII ones — the Kelvin sign onto k, the long s onto s.
 */
const FOLD_ORBIT: Readonly<Record<string, readonly string[]>> = { k: ['K', '\u212a'], s: ['S', '\u017f'] };

function spellings(char: string): readonly string[] {
  const lower = char.toLowerCase();
  if (lower === char.toUpperCase()) return [char]; // `_` and digits have no case
  return [lower, ...(FOLD_ORBIT[lower] ?? [lower.toUpperCase()])];
}

/** Every spelling of `name` a case-folding decoder reads as `name`, the name itself excluded. */
function variantOf(name: string): fc.Arbitrary<string> {
  return fc
    .tuple(...[...name].map((char) => fc.constantFrom(...spellings(char))))
    .map((chars) => chars.join(''))
    .filter((spelled) => spelled !== name);
}

/** Where each inspected field lives: a body with `key` put there (beside the real field), and the path to it. */
const PLACES: ReadonlyArray<{ name: string; put: (key: string) => [Record<string, unknown>, FieldPath] }> = [
  ...['model', 'messages', 'system', 'input', 'stream'].map((name) => ({
    name,
    put: (key: string): [Record<string, unknown>, FieldPath] => [
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], [key]: 'x' },
      [key],
    ],
  })),
  ...['role', 'content', 'tool_calls'].map((name) => ({
    name,
    put: (key: string): [Record<string, unknown>, FieldPath] => [
      {
        messages: [
          { role: 'system', content: 'a' },
          { role: 'user', content: 'hi', [key]: 'x' },
        ],
      },
      ['messages', 1, key],
    ],
  })),
  ...['type', 'text', 'content', 'name', 'input'].map((name) => ({
    name,
    put: (key: string): [Record<string, unknown>, FieldPath] => [
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', [key]: 'x' }] }] },
      ['messages', 0, 'content', 0, key],
    ],
  })),
  ...['type', 'text'].map((name) => ({
    name,
    put: (key: string): [Record<string, unknown>, FieldPath] => [
      {
        messages: [
          {
            role: 'user',
            content: [{ type: 'tool_result', content: [{ type: 'text', text: 'hi', [key]: 'x' }] }],
          },
        ],
      },
      ['messages', 0, 'content', 0, 'content', 0, key],
    ],
  })),
  ...['type', 'function'].map((name) => ({
    name,
    put: (key: string): [Record<string, unknown>, FieldPath] => [
      { messages: [{ role: 'assistant', tool_calls: [{ type: 'function', [key]: 'x' }] }] },
      ['messages', 0, 'tool_calls', 0, key],
    ],
  })),
  ...['name', 'arguments'].map((name) => ({
    name,
    put: (key: string): [Record<string, unknown>, FieldPath] => [
      {
        messages: [
          { role: 'assistant', tool_calls: [{ function: { name: 'f', arguments: '{}', [key]: 'x' } }] },
        ],
      },
      ['messages', 0, 'tool_calls', 0, 'function', key],
    ],
  })),
  ...['type', 'text'].map((name) => ({
    name,
    put: (key: string): [Record<string, unknown>, FieldPath] => [
      {
        messages: [{ role: 'user', content: 'hi' }],
        system: [{ type: 'text', text: 'be brief', [key]: 'x' }],
      },
      ['system', 0, key],
    ],
  })),
];

describe('caseVariantField', () => {
  it('finds a case variant of every field the gateway reads, wherever that field lives', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PLACES).chain((place) => fc.tuple(fc.constant(place), variantOf(place.name))),
        ([place, key]) => {
          const [body, path] = place.put(key);
          expect(caseVariantField(body)).toEqual(path);
          expect(intendedName(path)).toBe(place.name);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('passes a body whose inspected objects hold no case variant', () => {
    const body = {
      model: 'gpt-4o-mini',
      Temperature: 0.2,
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'be brief', name: 'ops' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            // Tool inputs are the model's own JSON, passed on whole and scanned whole.
            { type: 'tool_use', name: 't', input: { Content: 'a', content: 'b', MESSAGES: [] } },
          ],
        },
        { role: 'assistant', tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] },
      ],
      tools: [{ name: 'f', input_schema: { properties: { Name: {}, name: {} } } }],
      system: [{ type: 'text', text: 'x' }],
    };
    expect(caseVariantField(body)).toBeNull();
  });

  it('passes near misses: another letter, another length, a digit for a letter', () => {
    for (const key of [
      'messagez',
      'message',
      'messagess',
      'modeI',
      'mode1',
      'mode',
      'in put',
      'Stream_',
      'toolz',
    ]) {
      expect(caseVariantField({ model: 'm', messages: [], [key]: 1 })).toBeNull();
    }
  });

  it('refuses, beyond Go, the dotless ı (it folds through I), since no real field is so spelled', () => {
    expect(caseVariantField({ ınput: 'x' })).toEqual(['ınput']);
  });

  it('passes any key that Go would not fold onto a top-level field', () => {
    const BODY_NAMES = ['model', 'messages', 'system', 'input', 'stream', 'tools'];
    // Letters of the field names in both cases, a few beside them, and letters outside ASCII
    // (ı, ß and ligatures left out: this refuses `ınput` and `meßages` on purpose, as the test above shows).
    const alphabet = fc.constantFrom(...'modelsagyticpurMODELSAGYTICPURxz_éſK');
    const goFolds = (key: string, name: string): boolean => {
      const chars = [...key];
      return chars.length === name.length && chars.every((c, i) => spellings(name[i]!).includes(c));
    };
    fc.assert(
      fc.property(
        fc.dictionary(
          fc
            .array(alphabet, { minLength: 1, maxLength: 9 })
            .map((chars) => chars.join(''))
            .filter((key) => !BODY_NAMES.some((name) => key !== name && goFolds(key, name))),
          fc.constant(1),
        ),
        (extra) => {
          expect(caseVariantField({ model: 'm', messages: [], ...extra })).toBeNull();
        },
      ),
    );
  });

  it('ignores messages, parts and calls that are not objects (the body checks refuse those)', () => {
    expect(caseVariantField({ messages: ['x', null, 3, [{ CONTENT: 1 }]], system: 'plain' })).toBeNull();
  });
});
