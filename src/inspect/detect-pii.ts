import { DETECTORS, type Detector, hasDigit } from './detectors.ts';
import type { PiiFinding } from './pii-levels.ts';
import { SENSITIVITY_LEVELS, type SensitivityLevel, sensitivityRank } from './sensitivity.ts';

/**
 * Whether `text` can hold a match of `detector` at all: its cheap literal and digit prechecks.
 * `digits` is whether the text has a digit, found once per text by the caller.
 */
function mayMatch(detector: Detector, text: string, digits: boolean): boolean {
  if (detector.digits && !digits) return false;
  if (detector.requires !== undefined && !text.includes(detector.requires)) return false;
  return detector.precheck === undefined || detector.precheck(text);
}

/**
 * The next confirmed [start, end) span of `detector` in `text`, from its pattern's `lastIndex`
 * on, or null. A rejected candidate resumes the scan one character after its start, so a failed
 * checksum does not hide a match that overlaps it. The detector's regex (and its `lastIndex`) is
 * shared: callers run one scan at a time, resetting `lastIndex` to 0 first.
 */
function nextSpan(detector: Detector, text: string): readonly [number, number] | null {
  const pattern = detector.pattern;
  for (let match = execFrom(detector, text); match !== null; match = execFrom(detector, text)) {
    const length = detector.confirm ? detector.confirm(match[0]) : match[0].length;
    if (length > 0) {
      pattern.lastIndex = match.index + length;
      return [match.index, match.index + length];
    }
    pattern.lastIndex = match.index + 1;
  }
  return null;
}

/** The pattern's next match from its `lastIndex`, skipping ahead where no match can start. */
function execFrom(detector: Detector, text: string): RegExpExecArray | null {
  const { pattern, requires, requiresWithin } = detector;
  if (requires !== undefined && requiresWithin !== undefined) {
    const next = text.indexOf(requires, pattern.lastIndex);
    if (next === -1) return null;
    pattern.lastIndex = Math.max(pattern.lastIndex, next - requiresWithin);
  }
  return pattern.exec(text);
}

function* spans(detector: Detector, text: string, digits: boolean): Generator<readonly [number, number]> {
  if (!mayMatch(detector, text, digits)) return;
  detector.pattern.lastIndex = 0;
  for (let span = nextSpan(detector, text); span !== null; span = nextSpan(detector, text)) yield span;
}

/**
 * Whether `detector` confirms a match anywhere in `text`. Not through `spans`: this runs for every
 * detector on every piece of every prompt a rule reads the sensitivity of, and a generator object
 * each time was the largest allocation of the scan.
 */
function matchesAnywhere(detector: Detector, text: string, digits: boolean): boolean {
  if (!mayMatch(detector, text, digits)) return false;
  detector.pattern.lastIndex = 0;
  return nextSpan(detector, text) !== null;
}

/** Orders findings by start; among equal starts the more severe, then the longer, comes first. */
function byPosition(a: PiiFinding, b: PiiFinding): number {
  return (
    a.start - b.start ||
    sensitivityRank(b.level) - sensitivityRank(a.level) ||
    b.end - b.start - (a.end - a.start)
  );
}

function outranks(a: PiiFinding, b: PiiFinding): boolean {
  const byLevel = sensitivityRank(a.level) - sensitivityRank(b.level);
  return byLevel > 0 || (byLevel === 0 && a.end - a.start > b.end - b.start);
}

/**
 * Keeps one finding per overlapping stretch: the digits of a card can also read as a phone number,
 * and the card is what matters. One linear sweep; a finding that beats the last kept one replaces
 * it (the one before that ends before either starts, so it cannot overlap).
 */
function withoutOverlaps(sorted: readonly PiiFinding[]): PiiFinding[] {
  const kept: PiiFinding[] = [];
  for (const finding of sorted) {
    const last = kept[kept.length - 1];
    if (last === undefined || finding.start >= last.end) kept.push(finding);
    else if (outranks(finding, last)) kept[kept.length - 1] = finding;
  }
  return kept;
}

/**
 * Finds personal data and secrets in `text`, in order of position, without overlaps. Findings
 * carry offsets only; callers that need the value slice it themselves and must not log it.
 */
export function detectPii(text: string): PiiFinding[] {
  const findings: PiiFinding[] = [];
  const digits = hasDigit(text);
  for (const detector of DETECTORS) {
    for (const [start, end] of spans(detector, text, digits)) {
      findings.push({ kind: detector.kind, level: detector.level, start, end });
    }
  }
  return withoutOverlaps(findings.sort(byPosition));
}

/**
 * The highest level found in `text` above `floor` (a rank), or `floor` itself. Detectors run
 * most severe first and stop at the first hit: nothing later can outrank it. The detectors that
 * need a digit read `digitText` instead: the part of `text` that has digits, when the caller
 * knows it (every piece of it must have one), or else all of `text` when it has a digit.
 */
export function highestRankAbove(text: string, floor: number, digitText?: string): number {
  let withDigits = digitText;
  for (const detector of DETECTORS) {
    const rank = sensitivityRank(detector.level);
    if (rank <= floor) break;
    if (detector.digits) {
      withDigits ??= hasDigit(text) ? text : '';
      if (matchesAnywhere(detector, withDigits, withDigits.length > 0)) return rank;
    } else if (matchesAnywhere(detector, text, false)) return rank;
  }
  return floor;
}

/** Longer than any plain word the detectors are known to reject (the shortest key shape is 20). */
const PLAIN_WORD_MAX = 19;

/**
 * A short run of lower-case ASCII letters and underscores, as most keys and enum values of a body
 * are (`role`, `content`, `policy_id`, `auto`): no detector can match one, since each needs a digit,
 * an upper-case letter or punctuation, or (the key shapes) at least 20 characters. The body scan
 * meets a dozen of these per request and leaves them out; a property test holds every detector to
 * this.
 */
export function isPlainWord(text: string): boolean {
  if (text.length > PLAIN_WORD_MAX) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!((code >= 97 && code <= 122) || code === 95)) return false;
  }
  return true;
}

/** The highest sensitivity level found in `text` (`none` when nothing is found). */
export function sensitivityOfText(text: string): SensitivityLevel {
  return SENSITIVITY_LEVELS[highestRankAbove(text, 0)] ?? 'none';
}
