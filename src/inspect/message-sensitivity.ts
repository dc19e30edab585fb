import { highestRankAbove } from './detect-pii.ts';
import { messageList, messagePieces } from './message-content.ts';
import { SENSITIVITY_LEVELS, type SensitivityLevel, sensitivityRank } from './sensitivity.ts';

const CRITICAL = sensitivityRank('critical');

/**
 * The highest sensitivity level in the text of chat messages (OpenAI or Anthropic shapes; see
 * `message-content.ts`). Malformed input is not an error here: it yields `none` for the parts that
 * cannot be read. Each text is only searched for levels above what was already found, and the
 * walk stops at `critical`.
 */
export function sensitivityOfMessages(messages: unknown): SensitivityLevel {
  let rank = 0;
  for (const message of messageList(messages)) {
    for (const piece of messagePieces(message)) {
      if (piece.kind !== 'text') continue;
      rank = highestRankAbove(piece.text, rank);
      if (rank === CRITICAL) return 'critical';
    }
  }
  return SENSITIVITY_LEVELS[rank] ?? 'none';
}
