import type { Decision } from '../routing/decision.ts';
import type { Target } from '../routing/target.ts';
import type { AnswerTarget } from './answer.ts';

/**
 * Rule names, policy ids and models come from configs, stores and request bodies: a value that is
 * not plain printable ASCII is percent-encoded, so it can never break (or inject into) a header.
 */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

function headerValue(value: string): string {
  return HEADER_SAFE.test(value) ? value : encodeURIComponent(value);
}

/** The decision headers of DESIGN §7, on every proxied response. */
export function setDecisionHeaders(
  answer: Pick<AnswerTarget, 'setHeader'>,
  decision: Decision,
  served: Target,
  attempts: number,
): void {
  answer.setHeader('x-switchyard-decided-by', decision.decidedBy);
  answer.setHeader('x-switchyard-provider', served.provider);
  answer.setHeader('x-switchyard-model', headerValue(served.model));
  answer.setHeader('x-switchyard-attempts', String(attempts));
  if (decision.rule)
    answer.setHeader('x-switchyard-rule', headerValue(decision.rule.id ?? decision.rule.name));
  if (decision.route) answer.setHeader('x-switchyard-route', headerValue(decision.route));
  if (decision.policy) {
    const { id, revision } = decision.policy;
    answer.setHeader('x-switchyard-policy', headerValue(revision === undefined ? id : `${id}@${revision}`));
  }
}
