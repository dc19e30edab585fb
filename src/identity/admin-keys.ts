import { timingSafeEqual } from 'node:crypto';
import { sha256 } from './digest.ts';

/**
 * The `admin.keys` of the config, compiled once per snapshot: SHA-256 digests compared with
 * timingSafeEqual. An entry with a tenant yields a principal that may only act on that tenant.
 */
export type AdminKeyEntry = string | { key: string; tenant?: string | undefined };

export interface AdminPrincipal {
  /** null: every tenant; otherwise the only tenant this principal may touch. */
  readonly tenant: string | null;
  readonly name: string;
}

export interface AdminKeyTable {
  lookup(presented: string): AdminPrincipal | undefined;
}

export function compileAdminKeys(keys: readonly AdminKeyEntry[]): AdminKeyTable {
  const entries = keys.map((entry, index) => {
    const { key, tenant } = typeof entry === 'string' ? { key: entry, tenant: undefined } : entry;
    return { digest: sha256(key), principal: { tenant: tenant ?? null, name: `admin.keys[${index}]` } };
  });
  return {
    lookup(presented) {
      const digest = sha256(presented);
      // Few admin keys: compare against every one, so timing does not depend on which matched.
      let found: AdminPrincipal | undefined;
      for (const entry of entries) if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
      return found;
    },
  };
}
