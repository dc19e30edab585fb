import type { Snapshot } from '../../config/snapshot.ts';
import type { SessionCache } from '../../stores/session-cache.ts';
import type { HeaderBag } from '../request-facts.ts';
import { resolveTargetRef } from '../target-ref.ts';
import type { Target } from '../target.ts';

/**
 * Step 3: session affinity. A session header pins a conversation to the targets chosen on its
 * first turn. Keys are tenant-scoped, so one tenant can never read or overwrite another's.
 */
const SESSION_ID = /^[A-Za-z0-9._:@-]{1,256}$/;

export function sessionKey(snapshot: Snapshot, headers: HeaderBag, tenant: string): string | undefined {
  const affinity = snapshot.routing.affinity;
  if (!affinity) return undefined;
  const raw = headers[affinity.header];
  const session = Array.isArray(raw) ? raw[0] : raw;
  if (session === undefined || !SESSION_ID.test(session)) return undefined;
  return `${tenant}:${session}`;
}

export type PinnedLookup =
  | { kind: 'pinned'; targets: Target[] }
  | { kind: 'none' | 'stale' | 'unavailable' };

export async function pinnedTargets(sessions: SessionCache, key: string, snapshot: Snapshot): Promise<PinnedLookup> {
  let stored: readonly string[] | undefined;
  try {
    stored = await sessions.get(key);
  } catch {
    // Affinity degrades rather than failing the request (DESIGN §5).
    return { kind: 'unavailable' };
  }
  if (!stored) return { kind: 'none' };
  const targets = stored.map((ref) => resolveTargetRef(ref, snapshot.providers)).filter((t): t is Target => t !== undefined);
  return targets.length > 0 ? { kind: 'pinned', targets } : { kind: 'stale' };
}
