export { sensitivityOfBody } from './body-sensitivity.ts';
export { detectPii, sensitivityOfText } from './detect-pii.ts';
export { isValidIban } from './iban.ts';
export { isLuhnValid } from './luhn.ts';
export { PII_LEVELS, type PiiFinding, type PiiKind } from './pii-levels.ts';
export {
  isSensitivityLevel,
  SENSITIVITY_LEVELS,
  type SensitivityLevel,
  sensitivityRank,
} from './sensitivity.ts';
export { estimateTextTokens } from './text-tokens.ts';
export { estimateTokens, TOKENS_PER_IMAGE } from './token-estimate.ts';
