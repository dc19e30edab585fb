import { visitBodyText } from './body-text.ts';
import { highestRankAbove, isPlainWord } from './detect-pii.ts';
import { hasDigit, SHORTEST_DIGIT_MATCH } from './detectors.ts';
import { SENSITIVITY_LEVELS, type SensitivityLevel, sensitivityRank } from './sensitivity.ts';

/**
 * Between two pieces of text in the scan. No detector's pattern can match U+0000 (each is built of
 * digits, letters, a few punctuation marks and spaces), so no match spans two pieces, and a match
 * may start or end beside it exactly as at the start or end of a piece: scanning the joined text
 * finds what scanning each piece alone would (a property test holds the detectors to this).
 */
export const PIECE_SEPARATOR = '\u0000';

/**
 * The highest sensitivity level in the text of a request body: every key, string value and number, at any
 * depth (see `body-text.ts` for what is read and what is skipped). The pieces are scanned as one
 * text, each detector once: a body of many short strings (a dozen keys and enum values in a
 * chat request, a million in a hostile one) would otherwise pay every detector's set-up per string.
 * Plain words (`role`, `content`) can match nothing and are left out. The detectors that need a
 * digit read only the pieces that have one and are long enough to hold a match: a chat body's
 * numbers (`"temperature": 0.2`) would otherwise send every digit pattern over the whole prompt.
 * Any value is accepted; one with no text is `none`.
 *
 * `mediaLevel` is the least level of a body holding media whose content the scan could not read
 * (an image, audio, a PDF): the operator's choice, as the scan cannot tell.
 */
export function sensitivityOfBody(body: unknown, mediaLevel: SensitivityLevel = 'none'): SensitivityLevel {
  const pieces: string[] = [];
  const withDigits: string[] = [];
  const unreadMedia = visitBodyText(body, (text) => {
    if (isPlainWord(text)) return;
    pieces.push(text);
    if (text.length >= SHORTEST_DIGIT_MATCH && hasDigit(text)) withDigits.push(text);
  });
  const floor = unreadMedia ? sensitivityRank(mediaLevel) : 0;
  const rank = highestRankAbove(pieces.join(PIECE_SEPARATOR), floor, withDigits.join(PIECE_SEPARATOR));
  return SENSITIVITY_LEVELS[rank] ?? 'none';
}
