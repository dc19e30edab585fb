import { visitBodyText } from './body-text.ts';
import { highestRankAbove } from './detect-pii.ts';
import { SENSITIVITY_LEVELS, type SensitivityLevel, sensitivityRank } from './sensitivity.ts';

const CRITICAL = sensitivityRank('critical');

/**
 * The highest sensitivity level in the text of a request body: every key and string value, at any
 * depth (see `body-text.ts` for what is read and what is skipped). Each text is only searched for
 * levels above what was already found, and the walk stops at `critical`. Any value is accepted;
 * one with no text is `none`.
 */
export function sensitivityOfBody(body: unknown): SensitivityLevel {
  let rank = 0;
  visitBodyText(body, (text) => {
    rank = highestRankAbove(text, rank);
    return rank === CRITICAL;
  });
  return SENSITIVITY_LEVELS[rank] ?? 'none';
}
