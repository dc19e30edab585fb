import { describe, expect, it } from 'vitest';
import { isValidIban } from './iban.ts';

describe('isValidIban', () => {
  it.each([
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'NL91ABNA0417164300',
    'FR1420041010050500013M02606',
    'NO9386011117947',
    'MT84MALT011000012345MTLCAST001S',
  ])('accepts %s', (iban) => {
    expect(isValidIban(iban)).toBe(true);
  });

  it.each([
    ['DE89370400440532013001', 'bad check digits'],
    ['GB82TEST12345698765432', 'bad check digits'],
    ['DE8937040044053201300', 'too short for DE'],
    ['XX89370400440532013000', 'unknown country'],
    ['de89370400440532013000', 'lower case'],
    ['DE89 3704 0044 0532 0130 00', 'not compact'],
  ])('rejects %s (%s)', (iban) => {
    expect(isValidIban(iban)).toBe(false);
  });
});
