import { describe, expect, it } from 'vitest';
import { detectPii, sensitivityOfText } from './detect-pii.ts';
import { DETECTORS } from './detectors.ts';
import { PII_LEVELS, type PiiKind } from './pii-levels.ts';
import { sensitivityRank } from './sensitivity.ts';

/** Kind and matched text of each finding (tests only: real callers never copy the value out). */
function found(text: string): [PiiKind, string][] {
  return detectPii(text).map((finding) => [finding.kind, text.slice(finding.start, finding.end)]);
}

// Secret-shaped fixtures are assembled at run time so the source holds no literal that looks like
// a live credential to secret scanners.
const join = (...parts: string[]): string => parts.join('');
const OPENAI_KEY = join('sk-', 'proj-', 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z', 'Ab3dEf6hIj9kLm2n');
const OPENAI_LEGACY_KEY = join('sk-', 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb3dEf6hIj9kLm2n');
const ANTHROPIC_KEY = join('sk-', 'ant-api03-', 'Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp_Oo-Nn');
const AWS_KEY = join('AKIA', 'IOSFODNN7EXAMPLE');
const GITHUB_TOKEN = join('ghp_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8');
const GITHUB_PAT = join('github_', 'pat_', '11ABCDEFG0123456789_abcdefghijklmnop');
const SLACK_TOKEN = join('xox', 'b-', '1234567890-0987654321-AbCdEfGhIjKl');
const GOOGLE_KEY = join('AI', 'za', 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q');
const JWT = join(
  'eyJhbGciOiJIUzI1NiJ9',
  '.',
  'eyJzdWIiOiIxMjM0NTY3ODkwIn0',
  '.',
  'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
);
const PEM = join(
  '-----BEGIN ',
  'RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4fQ\nq3Rz+/w==\n-----END RSA PRIVATE KEY-----',
);

type Case = readonly [text: string, expected: readonly [PiiKind, string][]];

const CASES: Record<string, readonly Case[]> = {
  email: [
    ['write to john.doe@example.com today', [['email', 'john.doe@example.com']]],
    ['a+b@sub.example.co.uk.', [['email', 'a+b@sub.example.co.uk']]],
    ['(X_Y%z@mail-server.org)', [['email', 'X_Y%z@mail-server.org']]],
    ['user@localhost', []],
    ['foo@bar', []],
    ['@example.com', []],
    ['a@b.c', []],
    ['ping @channel and @here', []],
  ],
  phone: [
    ['call +44 20 7946 0958 now', [['phone', '+44 20 7946 0958']]],
    ['+1 (415) 555-2671', [['phone', '+1 (415) 555-2671']]],
    ['or 415-555-2671.', [['phone', '415-555-2671']]],
    ['Berlin: +49 30 1234567', [['phone', '+49 30 1234567']]],
    ['(415) 555-2671', [['phone', '(415) 555-2671']]],
    ['415.555.2671', [['phone', '415.555.2671']]],
    ['+33 1 23 45 67 89', [['phone', '+33 1 23 45 67 89']]],
    ['+44 (0)20 7946 0958', [['phone', '+44 (0)20 7946 0958']]],
    ['+442079460958', [['phone', '+442079460958']]],
    ['020 7946 0958', [['phone', '020 7946 0958']]],
    ['+49 30 1234567 - 24/7', [['phone', '+49 30 1234567']]],
    ['on 2024-01-15 at 10:30', []],
    ['15/01/2024', []],
    ['version 1.2.3 and v10.4.12', []],
    ['id 12345678901234 or 4155552671', []],
    ['ISBN 978-3-16-148410-0', []],
    ['x = 3 + 4 - 5', []],
    ['+1 234', []],
    ['123-456-7890-1234', []],
    ['+1234567890123456', []],
  ],
  payment_card: [
    ['card 4111 1111 1111 1111 exp 12/29', [['payment_card', '4111 1111 1111 1111']]],
    ['4111-1111-1111-1111', [['payment_card', '4111-1111-1111-1111']]],
    ['4111111111111111', [['payment_card', '4111111111111111']]],
    ['amex 3782 822463 10005', [['payment_card', '3782 822463 10005']]],
    ['5555 5555 5555 4444', [['payment_card', '5555 5555 5555 4444']]],
    ['6011111111111117', [['payment_card', '6011111111111117']]],
    ['4222222222222', [['payment_card', '4222222222222']]],
    ['4111 1111 1111 1112', []],
    ['4111-1111-1111-1110', []],
    ['ts 1700000000000', []],
    ['123456789012', []],
    ['ref a4111111111111111', []],
    ['4111111111111111.25', []],
  ],
  iban: [
    ['IBAN DE89 3704 0044 0532 0130 00', [['iban', 'DE89 3704 0044 0532 0130 00']]],
    ['GB82 WEST 1234 5698 7654 32', [['iban', 'GB82 WEST 1234 5698 7654 32']]],
    ['GB82WEST12345698765432', [['iban', 'GB82WEST12345698765432']]],
    ['NL91ABNA0417164300', [['iban', 'NL91ABNA0417164300']]],
    ['FR14 2004 1010 0505 0001 3M02 606', [['iban', 'FR14 2004 1010 0505 0001 3M02 606']]],
    ['NO93 8601 1117 947', [['iban', 'NO93 8601 1117 947']]],
    ['BE68 5390 0754 7034 ABCD', [['iban', 'BE68 5390 0754 7034']]],
    ['DE89 3704 0044 0532 0130 01', []],
    ['GB82 TEST 1234 5698 7654 32', []],
    ['XX89 3704 0044 0532 0130 00', []],
    ['DE89 3704 0044 0532 0130', []],
  ],
  us_ssn: [
    ['SSN 123-45-6789', [['us_ssn', '123-45-6789']]],
    ['078-05-1120.', [['us_ssn', '078-05-1120']]],
    ['000-12-3456', []],
    ['666-12-3456', []],
    ['900-12-3456', []],
    ['123-00-4567', []],
    ['123-45-0000', []],
    ['123-45-67890', []],
    ['123456789', []],
  ],
  ip_address: [
    ['host 192.168.1.1.', [['ip_address', '192.168.1.1']]],
    ['10.0.0.255', [['ip_address', '10.0.0.255']]],
    ['255.255.255.255', [['ip_address', '255.255.255.255']]],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', [['ip_address', '2001:0db8:85a3:0000:0000:8a2e:0370:7334']]],
    ['at 2001:db8::1.', [['ip_address', '2001:db8::1']]],
    ['fe80::1ff:fe23:4567:890a', [['ip_address', 'fe80::1ff:fe23:4567:890a']]],
    ['::ffff:192.0.2.128', [['ip_address', '::ffff:192.0.2.128']]],
    ['http://[2001:db8::1]:8080/', [['ip_address', '2001:db8::1']]],
    ['256.1.1.1', []],
    ['1.2.3', []],
    ['v1.2.3.4', []],
    ['1.2.3.4.5', []],
    ['01.02.03.04', []],
    ['12:30:45', []],
    ['00:1A:2B:3C:4D:5E', []],
    ['std::vector and ::1', []],
    ['http://example.com:8080', []],
  ],
  api_key: [
    [`key=${OPENAI_KEY}`, [['api_key', OPENAI_KEY]]],
    [OPENAI_LEGACY_KEY, [['api_key', OPENAI_LEGACY_KEY]]],
    [`"${ANTHROPIC_KEY}"`, [['api_key', ANTHROPIC_KEY]]],
    [`aws ${AWS_KEY}`, [['api_key', AWS_KEY]]],
    [GITHUB_TOKEN, [['api_key', GITHUB_TOKEN]]],
    [GITHUB_PAT, [['api_key', GITHUB_PAT]]],
    [SLACK_TOKEN, [['api_key', SLACK_TOKEN]]],
    [GOOGLE_KEY, [['api_key', GOOGLE_KEY]]],
    ['sk-this-is-just-a-hyphenated-phrase', []],
    ['task-1234567890abcdefghijklmnop', []],
    ['AKIA1234', []],
    ['ghp_short', []],
    [GOOGLE_KEY.slice(0, -1), []],
  ],
  private_key: [
    [`${PEM}\nthanks`, [['private_key', PEM]]],
    ['-----BEGIN PRIVATE KEY-----', [['private_key', '-----BEGIN PRIVATE KEY-----']]],
    ['-----BEGIN OPENSSH PRIVATE KEY-----', [['private_key', '-----BEGIN OPENSSH PRIVATE KEY-----']]],
    ['-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----', []],
    ['-----BEGIN CERTIFICATE-----', []],
  ],
  jwt: [
    [`Authorization: Bearer ${JWT}`, [['jwt', JWT]]],
    ['eyJhbGciOiJIUzI1NiJ9', []],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx.', []],
  ],
};

describe('detectPii', () => {
  for (const [kind, cases] of Object.entries(CASES)) {
    describe(kind, () => {
      it.each(cases)('%j', (text, expected) => {
        expect(found(text)).toEqual(expected);
      });
    });
  }

  it('reports several findings in order with their offsets and levels', () => {
    const text = 'Mail ann@example.org, card 4111 1111 1111 1111, from 10.1.2.3';
    expect(detectPii(text)).toEqual([
      { kind: 'email', level: 'medium', start: 5, end: 20 },
      { kind: 'payment_card', level: 'critical', start: 27, end: 46 },
      { kind: 'ip_address', level: 'low', start: 53, end: 61 },
    ]);
  });

  it('keeps one finding where two overlap: the more severe, then the longer', () => {
    // A card number used as a mail alias is both; the card is what matters.
    expect(found('4111111111111111@example.com')).toEqual([['payment_card', '4111111111111111']]);
    // A phone number as a mail-to-SMS address: same level, the whole address wins.
    expect(found('reach +14155552671@sms.example.com')).toEqual([['email', '+14155552671@sms.example.com']]);
  });

  it('returns nothing for an empty or ordinary text', () => {
    expect(detectPii('')).toEqual([]);
    expect(detectPii('The quick brown fox jumps over the lazy dog in 2024.')).toEqual([]);
  });
});

describe('levels', () => {
  it('follows the documented table', () => {
    expect(PII_LEVELS).toEqual({
      api_key: 'critical',
      private_key: 'critical',
      jwt: 'critical',
      payment_card: 'critical',
      iban: 'critical',
      us_ssn: 'high',
      phone: 'medium',
      email: 'medium',
      ip_address: 'low',
    });
  });

  it('runs detectors most severe first (sensitivityOfText relies on it)', () => {
    const ranks = DETECTORS.map((detector) => sensitivityRank(detector.level));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    for (const detector of DETECTORS) expect(detector.level).toBe(PII_LEVELS[detector.kind]);
  });
});

describe('sensitivityOfText', () => {
  it.each([
    ['nothing to see here', 'none'],
    ['server 10.0.0.1', 'low'],
    ['mail bob@example.com', 'medium'],
    ['call 415-555-2671', 'medium'],
    ['ssn 123-45-6789 and 10.0.0.1', 'high'],
    ['pay 4111 1111 1111 1111, mail bob@example.com', 'critical'],
    [`token ${AWS_KEY}`, 'critical'],
    ['IBAN GB82 WEST 1234 5698 7654 32', 'critical'],
    ['4111 1111 1111 1112', 'none'],
  ])('%j → %s', (text, level) => {
    expect(sensitivityOfText(text)).toBe(level);
  });
});
