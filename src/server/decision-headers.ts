import type { FastifyReply } from 'fastify';
import type { Decision } from '../routing/decision.ts';
import type { Target } from '../routing/target.ts';

/** The decision headers of DESIGN §7, on every proxied response. */
export function setDecisionHeaders(
  reply: FastifyReply,
  decision: Decision,
  served: Target,
  attempts: number,
): void {
  reply.header('x-switchyard-decided-by', decision.decidedBy);
  reply.header('x-switchyard-provider', served.provider);
  reply.header('x-switchyard-model', served.model);
  reply.header('x-switchyard-attempts', String(attempts));
  if (decision.rule) reply.header('x-switchyard-rule', decision.rule.id ?? decision.rule.name);
  if (decision.route) reply.header('x-switchyard-route', decision.route);
  if (decision.policy) {
    const { id, revision } = decision.policy;
    reply.header('x-switchyard-policy', revision === undefined ? id : `${id}@${revision}`);
  }
}
