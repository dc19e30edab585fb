import { timingSafeEqual } from 'node:crypto';
import { sha256 } from './digest.ts';
import { frozenIdentity, type Identity } from './identity.ts';
import type { ApiKeyConfig } from './schema.ts';

/**
 * The configured API keys, compiled once per config snapshot. Only SHA-256 digests of the keys
 * are kept, next to the identity each key stands for.
 *
 * Lookup is a Map keyed by the hex digest rather than a scan comparing every entry. The Map's
 * string hashing and comparison are not constant-time, but what they could leak is how the
 * digest of the attacker's own input relates to a stored digest. SHA-256 is preimage-resistant,
 * so learning digest prefixes brings an attacker no closer to a key, and a Map stays O(1) however
 * many keys are configured. The final equality decision is still made with `timingSafeEqual` on
 * the digests, so it never depends on a comparison that returns early.
 */
export interface ApiKeyTable {
  readonly size: number;
  lookup(presented: string): Identity | undefined;
}

interface Entry {
  readonly digest: Buffer;
  readonly identity: Identity;
}

export function compileApiKeys(keys: readonly ApiKeyConfig[]): ApiKeyTable {
  const entries = new Map<string, Entry>();
  keys.forEach((key, index) => {
    const digest = sha256(key.key);
    entries.set(digest.toString('hex'), { digest, identity: identityFor(key, index) });
  });

  function lookup(presented: string): Identity | undefined {
    const digest = sha256(presented);
    const entry = entries.get(digest.toString('hex'));
    if (entry === undefined) return undefined;
    return timingSafeEqual(entry.digest, digest) ? entry.identity : undefined;
  }

  return { size: entries.size, lookup };
}

function identityFor(key: ApiKeyConfig, index: number): Identity {
  return frozenIdentity({
    tenant: key.tenant,
    user: { id: key.user.id, role: key.user.role, department: key.user.department },
    attributes: key.attributes,
    via: 'api_key',
    // An unnamed key is still told apart in logs by its position, never by its value.
    credentialName: key.name ?? `api_keys[${index}]`,
    admin: key.admin,
  });
}
