import type { Snapshot } from '../config/snapshot.ts';
import type { Eventually } from '../eventually.ts';
import type { Gateway } from '../gateway.ts';
import type { Identity } from '../identity/identity.ts';
import type { TraceDetail } from '../routing/decision.ts';
import { decide, type RoutedDecision } from '../routing/pipeline.ts';
import { type HeaderBag, LazyRequestFacts } from '../routing/request-facts.ts';
import { readRoutingFields } from '../routing/routing-fields.ts';
import type { Target } from '../routing/target.ts';

/**
 * Identity, facts and the routing decision for one model request — shared by every ingress
 * (OpenAI, Anthropic, the decision-only endpoints).
 */
export interface RouteRequestInput {
  gateway: Gateway;
  snapshot: Snapshot;
  identity: Identity;
  body: Readonly<Record<string, unknown>>;
  headers: HeaderBag;
  /** Defaults to `rules` when debug logging is on (it logs the trace), else `none`. */
  traceDetail?: TraceDetail;
  conversation?: () => unknown;
  unreadableContent?: () => boolean;
}

export function routeRequest(input: RouteRequestInput): Eventually<RoutedDecision> {
  const { gateway, snapshot, body, headers } = input;
  const facts = new LazyRequestFacts({
    caller: input.identity,
    body,
    headers,
    useCaseHeader: snapshot.routing.useCaseHeader,
    mediaSensitivity: snapshot.routing.mediaSensitivity,
    conversation: input.conversation,
    unreadableContent: input.unreadableContent,
  });
  // A caller-supplied conversation means the body is not a chat (embeddings input): no router.
  const chatMessages = input.conversation ? undefined : () => body.messages;
  return decide(
    {
      snapshot,
      facts,
      headers,
      body,
      fields: readRoutingFields(body),
      chatMessages,
      traceDetail: input.traceDetail ?? (gateway.logger.isLevelEnabled('debug') ? 'rules' : 'none'),
    },
    gateway.routing,
  );
}

/**
 * Pins the conversation to the target that answered (served first, then the rest of the chain),
 * without holding up the response. A store that fails only costs affinity.
 */
export function rememberSession(gateway: Gateway, decision: RoutedDecision, served: Target): void {
  const sessions = gateway.routing.sessions;
  const affinity = gateway.snapshot.routing.affinity;
  if (!decision.sessionKey || !sessions || !affinity) return;
  const targets = [served.key];
  for (const target of decision.targets) if (target.key !== served.key) targets.push(target.key);
  try {
    const stored = sessions.set(decision.sessionKey, targets, affinity.ttlSeconds);
    if (stored instanceof Promise) {
      stored.catch((error: unknown) => gateway.routing.sessionStoreFailed('set', error));
    }
  } catch (error) {
    gateway.routing.sessionStoreFailed('set', error);
  }
}
