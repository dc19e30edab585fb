import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameAsParsed } from './raw-body.ts';

const check = (text: string) => sameAsParsed(Buffer.from(text), JSON.parse(text));

/**
 * The oracle: a small recursive-descent JSON reader, independent of the code under test, that says
 * whether any object in the text names a key twice (keys compared after decoding their escapes).
 */
function hasRepeatedKey(text: string): boolean {
  let at = 0;
  let repeated = false;
  const skipSpace = () => {
    while (' \t\n\r'.includes(text[at] ?? 'x')) at++;
  };
  const readString = (): string => {
    const start = at;
    at++;
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  /** The items of an object or array, from its opening bracket to past its closing one. */
  const readItems = (close: string, readItem: () => void): void => {
    at++;
    skipSpace();
    while (text[at] !== close) {
      readItem();
      skipSpace();
      if (text[at] === ',') at++;
      skipSpace();
    }
    at++;
  };
  const readValue = (): void => {
    skipSpace();
    const c = text[at];
    if (c === '{') {
      const seen = new Set<string>();
      readItems('}', () => {
        const key = readString();
        if (seen.has(key)) repeated = true;
        seen.add(key);
        skipSpace();
        at++; // ':'
        readValue();
      });
    } else if (c === '[') {
      readItems(']', readValue);
    } else if (c === '"') {
      readString();
    } else {
      while (at < text.length && !',]} \t\n\r'.includes(text[at] as string)) at++;
    }
  };
  readValue();
  return repeated;
}

/**
 * JSON texts written by hand: keys may repeat at any depth and be spelled with escapes, and strings
 * hold quotes, backslashes and colons.
 */
const space = fc.constantFrom('', ' ', '\n  ', '\t');
const tricky = fc.constantFrom('model', 'messages', 'content', 'a"b', 'c\\', 'x": "y', ':', '');
const key = fc.oneof(tricky, fc.string({ maxLength: 4 }));
/** A key as JSON text: plain, or with its first character as a \u escape. */
const spelled = fc
  .tuple(key, fc.boolean())
  .map(([k, escaped]) =>
    escaped && k.length > 0
      ? `"\\u${k.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(k.slice(1)).slice(1)}`
      : JSON.stringify(k),
  );
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(
      fc.string().map((s) => JSON.stringify(s)),
      tricky.map((s) => JSON.stringify(s)),
    ),
    fc.constantFrom('1', '-0.5e3', 'true', 'false', 'null', '12345678901234567890'),
    fc
      .array(tie('value') as fc.Arbitrary<string>, { maxLength: 4 })
      .chain((items) => space.map((s) => `[${s}${items.join(`${s},${s}`)}${s}]`)),
    fc
      .array(fc.tuple(spelled, tie('value') as fc.Arbitrary<string>), { maxLength: 5 })
      .chain((members) =>
        space.map((s) => `{${s}${members.map(([k, v]) => `${k}${s}:${s}${v}`).join(`${s},${s}`)}${s}}`),
      ),
  ),
}));

describe('sameAsParsed', () => {
  it('holds exactly when no object repeats a key (an independent reader as the oracle)', () => {
    let repeatedSeen = 0;
    fc.assert(
      fc.property(value, (text) => {
        const repeated = hasRepeatedKey(text);
        if (repeated) repeatedSeen++;
        expect(check(text)).toBe(!repeated);
      }),
      { numRuns: 2000 },
    );
    // Both outcomes were exercised.
    expect(repeatedSeen).toBeGreaterThan(0);
    expect(repeatedSeen).toBeLessThan(2000);
  });

  it.each([
    ['a repeated key at the top', '{"model":"a","messages":[],"model":"a"}'],
    ['a repeated key inside a message', '{"messages":[{"role":"user","content":"SSN","content":"hi"}]}'],
    ['a repeated key spelled with an escape', '{"m\\u006fdel":"a","model":"a"}'],
    ['a repeated key deep down', '{"a":[[{"b":{"c":1,"c":2}}]]}'],
  ])('refuses %s', (_, text) => {
    expect(check(text)).toBe(false);
  });

  it.each([
    ['escaped quotes and colons inside strings', '{"content":"say \\"model\\": no","x":"\\\\","y":":"}'],
    ['a string that ends in a backslash', '{"a":"\\\\","b":"\\\\\\"","c":1}'],
    ['whitespace around the colons', '{ "a" :\n1 ,\t"b"\r\n: [ {"a" : 2} ] }'],
    ['no object at all', '[1,"a",null]'],
  ])('accepts %s', (_, text) => {
    expect(check(text)).toBe(true);
  });

  it('counts own keys only, whatever was added to Object.prototype', () => {
    // An enumerable property on the prototype would make every object look one key larger: in a
    // body of one object, just enough to make up for a repeated key.
    const text = '{"content":"SSN","content":"hi"}';
    Object.defineProperty(Object.prototype, 'polluted', {
      value: 1,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    try {
      expect(check(text)).toBe(false);
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });

  it('refuses bytes that are not valid UTF-8, which the gateway read as U+FFFD', () => {
    const raw = Buffer.concat([Buffer.from('{"content":"'), Buffer.from([0xc0, 0xb1]), Buffer.from('"}')]);
    expect(sameAsParsed(raw, JSON.parse(raw.toString('utf8')))).toBe(false);
  });

  it('refuses a byte order mark', () => {
    const raw = Buffer.from('\uFEFF{"a":1}');
    expect(sameAsParsed(raw, { a: 1 })).toBe(false);
  });

  it('counts a body nested deeper than the stack without overflowing it', () => {
    const depth = 200_000;
    const text = `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`;
    expect(check(text)).toBe(true);
  });
});
