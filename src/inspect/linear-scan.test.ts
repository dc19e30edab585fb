import { describe, expect, it } from 'vitest';
import { detectPii, sensitivityOfText } from './detect-pii.ts';
import { SENSITIVITY_LEVELS } from './sensitivity.ts';
import { estimateTokens } from './token-estimate.ts';

const SIZE = 100_000;
const repeated = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

/**
 * Inputs shaped to make a backtracking regex go quadratic or worse: long runs of the characters
 * the detectors key on, and near-misses repeated so that every position starts a candidate.
 * The scan is linear by construction (see `detectors.ts`); this only makes sure each of them
 * completes. How long it takes is measured in bench/, not asserted here.
 */
const ADVERSARIAL: Record<string, string> = {
  digits: repeated('1'),
  'at signs': repeated('@'),
  dashes: repeated('-'),
  'local@ parts': repeated('a@'),
  'local@domain. parts': repeated('a@b.'),
  'long local part': `${repeated('a.')}@x`,
  'long domain': `a@${repeated('b.')}`,
  'dotted digits': repeated('1.'),
  'hex and colons': repeated('a:'),
  colons: repeated(':'),
  'sk- and letters': `sk-${repeated('a')}`,
  'sk- prefixes': repeated('sk-'),
  'JWT prefixes': repeated('eyJ'),
  'JWT segments': repeated('eyJab.'),
  'PEM headers': repeated('-----BEGIN '),
  'PEM header, no footer': `-----BEGIN PRIVATE KEY-----${repeated('A')}`,
  'plus and digit': repeated('+1 '),
  'spaced digits': repeated('4 '),
  'dashed digits': repeated('4-'),
  'IBAN-like groups': repeated('AA00 '),
  'upper-case letters': repeated('A'),
  'SSN-like': repeated('123-45-'),
  'near-miss cards': repeated('4111 1111 1111 1112, '),
  'mixed separators': repeated('1-2 3.4:5@6+7(8)9 '),
};

describe('scanning adversarial 100 KB inputs', () => {
  it.each(Object.entries(ADVERSARIAL))('%s completes', (_name, text) => {
    expect(Array.isArray(detectPii(text))).toBe(true);
    expect(SENSITIVITY_LEVELS).toContain(sensitivityOfText(text));
    expect(Number.isFinite(estimateTokens([{ role: 'user', content: text }]))).toBe(true);
  });

  it('still finds real data after a long adversarial run', () => {
    expect(sensitivityOfText(`${repeated('1-')} mail bob@example.com`)).toBe('medium');
  });
});
