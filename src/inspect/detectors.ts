import { ibanLengthFor, isValidIban } from './iban.ts';
import { confirmIpv6, IPV4_OCTET } from './ip.ts';
import { isLuhnValid } from './luhn.ts';
import { confirmInternationalPhone } from './phone.ts';
import { PII_LEVELS, type PiiKind } from './pii-levels.ts';
import type { SensitivityLevel } from './sensitivity.ts';

/**
 * A detector is a candidate pattern plus an optional confirmation in plain code (checksums,
 * structure). Keeping the patterns loose and the rules in code is what keeps the scan linear:
 *
 * - every quantifier is bounded, or is followed by nothing that can fail (so greedy never retries);
 * - repeated groups start with a character their body cannot contain, so a run splits one way only;
 * - a leading negative lookbehind stops a match from starting inside a run the pattern could
 *   extend backwards into, so each run of candidate characters is scanned from its start only.
 *
 * Together these bound the work per start position by a constant (or, for the unbounded secret
 * bodies, by the length of a run that no other start position will scan again).
 */
export interface Detector {
  readonly kind: PiiKind;
  readonly level: SensitivityLevel;
  /** Global regex yielding candidates. */
  readonly pattern: RegExp;
  /** A substring every match contains; when the text lacks it the scan is skipped. */
  readonly requires?: string;
  /**
   * How far into a match `requires` can start, at most. With it, the scan starts no earlier than
   * that far before the next occurrence of `requires`: no match can start sooner, so the pattern
   * need not be tried over the prose in between (an email's "@" is at most 64 characters in).
   */
  readonly requiresWithin?: number;
  /**
   * Every match contains a digit. Whether a text has one is found once per text and shared by
   * all these detectors (`hasDigit`): most prompts have none, and then no digit pattern runs.
   */
  readonly digits?: boolean;
  /**
   * A cheap test every text with a match passes (a literal prefix): most prompts fail it, and
   * then the detector's full pattern, with its lookarounds, never runs.
   */
  readonly precheck?: (text: string) => boolean;
  /** Length of the accepted prefix of a candidate, or 0 to reject it. Absent: accept as is. */
  readonly confirm?: (candidate: string) => number;
}

function detector(
  kind: PiiKind,
  pattern: RegExp,
  options: {
    requires?: string;
    requiresWithin?: number;
    digits?: boolean;
    precheck?: (text: string) => boolean;
    confirm?: (candidate: string) => number;
  } = {},
): Detector {
  return { kind, level: PII_LEVELS[kind], pattern, ...options };
}

// ── secrets ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Provider key shapes in one alternation (one scan for all of them). `sk-` covers OpenAI keys
 * (`sk-proj-`, `sk-svcacct-`, legacy) and Anthropic keys (`sk-ant-api03-…`).
 */
const API_KEY = new RegExp(
  '(?<![\\w-])(?:' +
    [
      'sk-[A-Za-z0-9_-]{20,}',
      'AKIA[0-9A-Z]{16}',
      'gh[pousr]_[A-Za-z0-9]{36,}',
      'github_pat_[A-Za-z0-9_]{22,}',
      'xox[baprs]-[A-Za-z0-9-]{10,}',
      'AIza[0-9A-Za-z_-]{35}',
    ].join('|') +
    ')(?![\\w-])',
  'g',
);

/**
 * OpenAI/Anthropic keys are random and Slack tokens embed numeric ids, so they contain a digit;
 * a hyphenated phrase that happens to start with "sk-" or "xoxb-" does not.
 */
function confirmApiKey(candidate: string): number {
  if (!candidate.startsWith('sk-') && !candidate.startsWith('xox')) return candidate.length;
  return /\d/.test(candidate) ? candidate.length : 0;
}

/**
 * A PEM private key: the header, then the base64 body up to and including the footer when there
 * is one (a header alone still marks the text). The body class excludes '-', so it stops at the
 * footer and never needs to backtrack.
 */
const PRIVATE_KEY =
  /-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s]{0,16384}(?:-----END [A-Z0-9 ]{1,40}-----)?/g;

/** Header and payload of a JWT are base64url JSON objects, so both start with "eyJ" (`{"`). */
const JWT = /(?<![\w-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}(?![\w-])/g;

// ── financial and national identifiers ──────────────────────────────────────────────────────────

/**
 * 13-19 digits, single spaces or dashes allowed between any two. The first digit must be 2-6
 * (the issuer ranges of Mastercard, Amex/Diners/JCB, Visa, Maestro, Discover/UnionPay): this keeps
 * millisecond timestamps and most order numbers out even when they happen to pass Luhn (1 in 10).
 * Digit runs glued to letters or decimals, or continuing a longer grouped number (the BBAN of an
 * IBAN, say), are not candidates.
 */
const PAYMENT_CARD = /(?<![\w.-]|\d[ -])[2-6](?:[ -]?\d){12,18}(?![\w]|[ .-]\d)/g;

function confirmPaymentCard(candidate: string): number {
  return isLuhnValid(candidate.replace(/[ -]/g, '')) ? candidate.length : 0;
}

/** Country, check digits, then the BBAN compact or in groups of four (a shorter last group). */
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;

/**
 * Checks the candidate, and if it ran on into a following group ("BE68 5390 0754 7034 ABCD"),
 * the prefix of the country's registered length when that prefix ends at a group boundary.
 */
function confirmIban(candidate: string): number {
  const compact = candidate.replace(/ /g, '');
  const expected = ibanLengthFor(compact);
  if (expected === undefined || compact.length < expected) return 0;
  if (compact.length === expected) return isValidIban(compact) ? candidate.length : 0;
  let seen = 0;
  let cut = 0;
  while (seen < expected) {
    if (candidate[cut] !== ' ') seen++;
    cut++;
  }
  if (candidate[cut] !== ' ') return 0;
  return isValidIban(compact.slice(0, expected)) ? cut : 0;
}

/** ###-##-####, minus the ranges the SSA never issues: area 000, 666, 9xx; group 00; serial 0000. */
const US_SSN = /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g;

// ── contact details ─────────────────────────────────────────────────────────────────────────────

/** Local part up to 64 characters; 1-8 domain labels and an alphabetic TLD. */
const EMAIL = /(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w-])/g;

/** "+" and 8-15 digits with separators; the shape rules are in `confirmInternationalPhone`. */
const PHONE_INTERNATIONAL = /(?<![\w+])\+\d[\d ().-]{6,22}\d/g;

/**
 * North American numbers written with separators: (415) 555-2671, 415-555-2671, 415.555.2671,
 * optionally after a "1 " trunk prefix. A bare ten-digit run is not taken: it is as likely an id.
 * Like the trunk form below, it does not start or end inside a longer grouped number.
 */
const PHONE_NANP =
  /(?<![\w.+-]|\d[ -])(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-]|[ .-]\d)/g;

/** National numbers with a trunk "0" and two separators: 020 7946 0958, 030-1234-5678. */
const PHONE_TRUNK = /(?<![\w.+-]|\d[ -])0\d{1,4}[ -]\d{3,4}[ -]\d{3,4}(?![\w-]|[ .-]\d)/g;

// ── network ─────────────────────────────────────────────────────────────────────────────────────

const IPV4 = new RegExp(`(?<![\\w.])${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}(?!\\w|\\.\\d)`, 'g');

/** Hex groups and colons (and a dotted tail); `confirmIpv6` does the real parsing. */
const IPV6 = /(?<![\w:.])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{2,42}(?![\w:.])/g;

/**
 * Prechecks use `indexOf`, which scans far faster than a regex (a regex test over 100 KB of prose
 * costs about as much as the detector it would save).
 */
const API_KEY_PREFIXES = ['sk-', 'AKIA', 'gh', 'xox', 'AIza'];

/**
 * Whether `text` has two colons at most four characters apart, as every IPv6 address the detector
 * accepts has (its groups are 0-4 hex digits): prose uses single colons ("Note: …"), and the
 * pattern would otherwise run over every prompt that has one.
 */
function hasColonPair(text: string): boolean {
  for (let at = text.indexOf(':'); at !== -1; ) {
    const next = text.indexOf(':', at + 1);
    if (next !== -1 && next - at <= 5) return true;
    at = next;
  }
  return false;
}

/** Every key shape above starts with one of these literals (`gh` covers ghp_…, github_pat_…). */
function hasApiKeyPrefix(text: string): boolean {
  return API_KEY_PREFIXES.some((prefix) => text.includes(prefix));
}

/**
 * The fewest characters any detector that needs a digit can match: an IPv4 address ("1.2.3.4").
 * The others need more: an international phone number 9, a national one 10, an SSN 11, a North
 * American number or an IBAN 12, a card 13. A shorter text with a digit (`0.2`, `1024`) holds no
 * such match, and a test holds every digit pattern to this.
 */
export const SHORTEST_DIGIT_MATCH = 7;

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
/** Below this length one pass over the characters beats ten `indexOf` scans; above it, the reverse. */
const SHORT_TEXT = 64;

/**
 * Whether `text` has an ASCII digit, as every card, IBAN, SSN, phone number and IPv4 address has.
 * Measured: for the short keys and values of a body (`role`, `model`) a character loop costs ~17 ns
 * a text against ~70 ns for ten `includes`; for 100 KB of prose `includes` (memchr) is 30× faster.
 */
export function hasDigit(text: string): boolean {
  if (text.length < SHORT_TEXT) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 48 && code <= 57) return true;
    }
    return false;
  }
  return DIGITS.some((digit) => text.includes(digit));
}

/**
 * All detectors, most severe level first, so that a sensitivity check can stop at the first
 * level that nothing below can beat.
 */
export const DETECTORS: readonly Detector[] = [
  detector('private_key', PRIVATE_KEY, { requires: 'PRIVATE KEY' }),
  detector('api_key', API_KEY, { precheck: hasApiKeyPrefix, confirm: confirmApiKey }),
  detector('jwt', JWT, { requires: 'eyJ' }),
  detector('payment_card', PAYMENT_CARD, { digits: true, confirm: confirmPaymentCard }),
  detector('iban', IBAN, { digits: true, confirm: confirmIban }),
  detector('us_ssn', US_SSN, { requires: '-', digits: true }),
  detector('email', EMAIL, { requires: '@', requiresWithin: 64 }),
  detector('phone', PHONE_INTERNATIONAL, { requires: '+', digits: true, confirm: confirmInternationalPhone }),
  detector('phone', PHONE_NANP, { digits: true }),
  detector('phone', PHONE_TRUNK, { digits: true }),
  detector('ip_address', IPV4, { requires: '.', digits: true }),
  detector('ip_address', IPV6, { precheck: hasColonPair, confirm: confirmIpv6 }),
];
