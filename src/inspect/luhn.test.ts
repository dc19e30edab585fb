import { describe, expect, it } from 'vitest';
import { isLuhnValid } from './luhn.ts';

describe('isLuhnValid', () => {
  it.each([
    ['4111111111111111', true],
    ['378282246310005', true],
    ['6011111111111117', true],
    ['79927398713', true],
    ['4111111111111112', false],
    ['79927398710', false],
    ['', false],
    ['4111 1111', false],
  ])('%s → %s', (digits, valid) => {
    expect(isLuhnValid(digits)).toBe(valid);
  });
});
