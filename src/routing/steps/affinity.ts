import { createHash } from 'node:crypto';
import type { Snapshot } from '../../config/snapshot.ts';
import type { Eventually } from '../../eventually.ts';
import type { SessionCache } from '../../stores/session-cache.ts';
import type { HeaderBag } from '../request-facts.ts';
import type { Target } from '../target.ts';
import { resolveTargetRef } from '../target-ref.ts';

/**
 * Step 3: session affinity. A session header pins a conversation to the targets chosen on its
 * first turn. Keys are tenant-scoped, so one tenant can never read or overwrite another's.
 */
const SESSION_ID = /^[A-Za-z0-9._:@-]{1,256}$/;

/** Marks implicit keys; `~` is not allowed in a session header, so the two never collide. */
const IMPLICIT = '~sha256:';

export function sessionKey(
  snapshot: Snapshot,
  headers: HeaderBag,
  tenant: string,
  body: Readonly<Record<string, unknown>>,
): string | undefined {
  const affinity = snapshot.routing.affinity;
  if (!affinity) return undefined;
  const raw = headers[affinity.header];
  const session = Array.isArray(raw) ? raw[0] : raw;
  if (session === undefined) return affinity.implicit ? implicitSessionKey(tenant, body) : undefined;
  if (!SESSION_ID.test(session)) return undefined;
  return `${tenant}:${session}`;
}

/**
 * Without a session header, a conversation is recognised by how it opens: every later turn resends
 * the same system prompt and first user message. Only a sha256 of them is kept, never the text.
 * Two conversations that open identically within a tenant share a pin, which only means the same
 * model serves both.
 */
export function implicitSessionKey(
  tenant: string,
  body: Readonly<Record<string, unknown>>,
): string | undefined {
  const opening = conversationOpening(body);
  if (!opening) return undefined;
  const digest = createHash('sha256')
    .update(JSON.stringify([tenant, opening.system, opening.firstUser]))
    .digest('hex');
  return `${tenant}:${IMPLICIT}${digest}`;
}

export function isImplicitSessionKey(key: string): boolean {
  return key.includes(IMPLICIT);
}

interface ConversationOpening {
  system: unknown[];
  firstUser: unknown;
}

/** OpenAI `system`/`developer` messages, or Anthropic's top-level `system`, and the first user message. */
function conversationOpening(body: Readonly<Record<string, unknown>>): ConversationOpening | undefined {
  const { messages, system: anthropicSystem } = body;
  if (!Array.isArray(messages)) return undefined;
  const system: unknown[] = anthropicSystem === undefined ? [] : [anthropicSystem];
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (role === 'user') return { system, firstUser: content };
    if (role === 'system' || role === 'developer') system.push(content);
  }
  return undefined;
}

export type PinnedLookup =
  | { kind: 'pinned'; targets: Target[] }
  | { kind: 'none' | 'stale' }
  | { kind: 'unavailable'; error: unknown };

export function pinnedTargets(
  sessions: SessionCache,
  key: string,
  snapshot: Snapshot,
): Eventually<PinnedLookup> {
  let stored: Eventually<readonly string[] | undefined>;
  try {
    stored = sessions.get(key);
  } catch (error) {
    // Affinity degrades rather than failing the request (DESIGN §5).
    return { kind: 'unavailable', error };
  }
  if (!(stored instanceof Promise)) return pinnedFrom(stored, snapshot);
  return stored.then(
    (value) => pinnedFrom(value, snapshot),
    (error: unknown): PinnedLookup => ({ kind: 'unavailable', error }),
  );
}

function pinnedFrom(stored: readonly string[] | undefined, snapshot: Snapshot): PinnedLookup {
  if (!stored) return { kind: 'none' };
  const targets = stored
    .map((ref) => resolveTargetRef(ref, snapshot.providers))
    .filter((t): t is Target => t !== undefined);
  return targets.length > 0 ? { kind: 'pinned', targets } : { kind: 'stale' };
}
