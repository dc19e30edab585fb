import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectPii, isPlainWord, sensitivityOfText } from './detect-pii.ts';
import { DETECTORS, SHORTEST_DIGIT_MATCH } from './detectors.ts';
import { PII_LEVELS } from './pii-levels.ts';
import { SENSITIVITY_LEVELS, sensitivityRank } from './sensitivity.ts';

/** Appends the Luhn check digit to a digit string. */
function withCheckDigit(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    // The check digit will sit to the right, so the payload's last digit is the first doubled.
    const digit = Number(payload[payload.length - 1 - i]);
    const doubled = i % 2 === 0 ? digit * 2 : digit;
    sum += doubled > 9 ? doubled - 9 : doubled;
  }
  return payload + String((10 - (sum % 10)) % 10);
}

const digit = fc.constantFrom(...'0123456789');

/** A Luhn-valid card number: issuer digit 2-6, 13-19 digits in all. */
const cardDigits = fc
  .tuple(
    fc.constantFrom(...'23456'),
    fc.integer({ min: 13, max: 19 }),
    fc.array(digit, { minLength: 17, maxLength: 17 }),
  )
  .map(([first, length, rest]) => withCheckDigit(first + rest.slice(0, length - 2).join('')));

/** Interleaves single separators (mostly none) between the digits. */
function formatted(digits: string, separators: readonly string[]): string {
  let out = digits[0] ?? '';
  for (let i = 1; i < digits.length; i++) out += (separators[i - 1] ?? '') + digits[i];
  return out;
}
const separators = fc.array(fc.constantFrom('', '', '', ' ', '-'), { minLength: 18, maxLength: 18 });

const PII_FRAGMENTS = [
  'ann@example.org',
  '+44 20 7946 0958',
  '415-555-2671',
  '4111 1111 1111 1111',
  '4111 1111 1111 1112',
  'DE89 3704 0044 0532 0130 00',
  '123-45-6789',
  '192.168.0.1',
  '2001:db8::1',
  '-----BEGIN PRIVATE KEY-----',
  '2024-01-15',
  '1.2.3',
];
/** Text that mixes PII, near-misses, stray digits and separators, and arbitrary characters. */
const piiRichText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...PII_FRAGMENTS),
      fc.string({ unit: fc.constantFrom(...'0123456789 -.:@+()abcXYZ') }),
      fc.string(),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(' '));

describe('detectPii properties', () => {
  it('finds every Luhn-valid card number, with any single separators', () => {
    fc.assert(
      fc.property(cardDigits, separators, (digits, seps) => {
        const card = formatted(digits, seps);
        const text = `pay with ${card} today`;
        expect(detectPii(text)).toEqual([
          { kind: 'payment_card', level: 'critical', start: 9, end: 9 + card.length },
        ]);
      }),
    );
  });

  it('never reports a card whose check digit is wrong', () => {
    fc.assert(
      fc.property(cardDigits, separators, fc.integer({ min: 1, max: 9 }), (digits, seps, shift) => {
        const last = (Number(digits[digits.length - 1]) + shift) % 10;
        const card = formatted(digits.slice(0, -1) + String(last), seps);
        expect(detectPii(`pay with ${card} today`).some((f) => f.kind === 'payment_card')).toBe(false);
      }),
    );
  });

  it('finds nothing in a plain word, which the body scan therefore leaves out', () => {
    const plainWord = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'), maxLength: 19 });
    fc.assert(
      fc.property(plainWord, (text) => {
        expect(isPlainWord(text)).toBe(true);
        expect(detectPii(text)).toEqual([]);
      }),
    );
    for (const text of ['a'.repeat(20), 'Role', 'gpt_4', 'sk-x', 'a.b', 'ümlaut'])
      expect(isPlainWord(text)).toBe(false);
  });

  it('finds nothing in ASCII text without digits, "@" or ":"', () => {
    // Every detector needs a digit, an "@", or (compressed IPv6 such as "ab::cd") a colon, except
    // the literal secret prefixes, which random text does not produce.
    const chars = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), '\n', '\t'].filter(
      (ch) => !/[0-9@:]/.test(ch),
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...chars), maxLength: 300 }), (text) => {
        expect(sensitivityOfText(text)).toBe('none');
        expect(detectPii(text)).toEqual([]);
      }),
    );
  });

  it('never throws, and findings are in bounds, ordered, disjoint and levelled by kind', () => {
    const anyText = fc.oneof(
      piiRichText,
      fc.string({ unit: 'binary', maxLength: 200 }),
      // Lone surrogates and other invalid UTF-16.
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        const findings = detectPii(text);
        let previousEnd = 0;
        for (const finding of findings) {
          expect(finding.start).toBeGreaterThanOrEqual(previousEnd);
          expect(finding.end).toBeGreaterThan(finding.start);
          expect(finding.end).toBeLessThanOrEqual(text.length);
          expect(finding.level).toBe(PII_LEVELS[finding.kind]);
          previousEnd = finding.end;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with sensitivityOfText on the highest level', () => {
    fc.assert(
      fc.property(piiRichText, (text) => {
        const highest = Math.max(0, ...detectPii(text).map((finding) => sensitivityRank(finding.level)));
        expect(sensitivityOfText(text)).toBe(SENSITIVITY_LEVELS[highest]);
      }),
      { numRuns: 300 },
    );
  });

  it('finds every IPv6 address, full or compressed, in prose that uses colons of its own', () => {
    // The IPv6 pattern only runs on text with two colons at most four characters apart.
    const group = fc.stringMatching(/^[0-9a-f]{1,4}$/);
    // Groups of four alone put the colons as far apart as they can be.
    const groups = fc.oneof(
      fc.array(fc.stringMatching(/^[0-9a-f]{4}$/), { minLength: 8, maxLength: 8 }),
      fc.array(group, { minLength: 8, maxLength: 8 }),
    );
    const address = fc
      .tuple(groups, fc.integer({ min: -1, max: 6 }), fc.integer({ min: 2, max: 6 }))
      .map(([groups, gapAt, kept]) => {
        // gapAt -1: all eight groups; otherwise `kept` groups around a "::" after the first gapAt.
        if (gapAt === -1) return groups.join(':');
        const left = groups.slice(0, Math.min(gapAt, kept));
        const right = groups.slice(0, kept - left.length);
        return `${left.join(':')}::${right.join(':')}`;
      });
    fc.assert(
      fc.property(address, fc.constantFrom('Note: host ', 'Question: is ', 'a: b: '), (ip, prose) => {
        const text = `${prose}${ip} up?`;
        const found = detectPii(text).map((finding) => text.slice(finding.start, finding.end));
        expect(found).toContain(ip);
      }),
      { numRuns: 500 },
    );
  });

  it('matches no digit pattern in a text shorter than SHORTEST_DIGIT_MATCH', () => {
    // The body scan leaves shorter pieces out of what the digit detectors read.
    const digitDetectors = DETECTORS.filter((detector) => detector.digits);
    const short = fc.string({
      unit: fc.constantFrom(...'0123456789 -.+()/:ABZ'),
      maxLength: SHORTEST_DIGIT_MATCH - 1,
    });
    fc.assert(
      fc.property(short, (text) => {
        for (const detector of digitDetectors) {
          detector.pattern.lastIndex = 0;
          expect(detector.pattern.exec(text)).toBeNull();
        }
      }),
      { numRuns: 5000 },
    );
    // The shortest match there is, found at exactly that length.
    expect(detectPii('1.2.3.4').map((finding) => finding.kind)).toEqual(['ip_address']);
    expect('1.2.3.4').toHaveLength(SHORTEST_DIGIT_MATCH);
  });

  it('finds the same emails when it skips to 64 characters before each "@" as a scan from the start', () => {
    const email = DETECTORS.find((detector) => detector.kind === 'email');
    if (!email) throw new Error('no email detector');
    const fromStart = new RegExp(email.pattern.source, 'g');
    // Letters, the local part's punctuation, "@", dots and spaces: nothing another detector reads.
    const text = fc.string({ unit: fc.constantFrom(...'abcdZ.@-_%+ .@'), maxLength: 400 });
    const withRuns = fc
      .tuple(text, fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 4 }))
      .map(([base, runs]) => runs.reduce((acc, n) => `${acc}${'a'.repeat(n)}@ab.cd `, base));
    fc.assert(
      fc.property(fc.oneof(text, withRuns), (input) => {
        const expected = [...input.matchAll(fromStart)].map((m) => [m.index, m.index + m[0].length]);
        const found = detectPii(input)
          .filter((finding) => finding.kind === 'email')
          .map((finding) => [finding.start, finding.end]);
        expect(found).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
