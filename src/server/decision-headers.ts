import type { FastifyReply } from 'fastify';
import type { Decision } from '../routing/decision.ts';
import type { Target } from '../routing/target.ts';

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
  reply: FastifyReply,
  decision: Decision,
  served: Target,
  attempts: number,
): void {
  reply.header('x-switchyard-decided-by', decision.decidedBy);
  reply.header('x-switchyard-provider', served.provider);
  reply.header('x-switchyard-model', headerValue(served.model));
  reply.header('x-switchyard-attempts', String(attempts));
  if (decision.rule) reply.header('x-switchyard-rule', headerValue(decision.rule.id ?? decision.rule.name));
  if (decision.route) reply.header('x-switchyard-route', headerValue(decision.route));
  if (decision.policy) {
    const { id, revision } = decision.policy;
    reply.header('x-switchyard-policy', headerValue(revision === undefined ? id : `${id}@${revision}`));
  }
}
