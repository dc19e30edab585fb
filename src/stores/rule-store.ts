import type { RuleSpec } from '../routing/rules/schema.ts';

/**
 * A tenant's stored rules (DESIGN §3, §5). Every implementation passes the same test suite; the
 * routing engine reads through `listEnabled` and learns about writes through `onChange`, so a
 * cache can drop a tenant's compiled rules the moment they change.
 */
export interface StoredRule extends RuleSpec {
  id: string;
  tenant_id: string;
  /** Increases with every update: the optimistic-concurrency token. */
  version: number;
  created_at: string;
  updated_at: string;
}

export type RuleChangeListener = (tenantId: string) => void;

export interface RuleStore {
  /** The tenant's enabled rules, by priority ascending (ties by creation). */
  listEnabled(tenantId: string): Promise<StoredRule[]>;
  list(tenantId: string): Promise<StoredRule[]>;
  get(tenantId: string, id: string): Promise<StoredRule | undefined>;
  create(tenantId: string, rule: RuleSpec): Promise<StoredRule>;
  /** Throws VersionConflictError when `expectedVersion` is not the stored version. */
  update(tenantId: string, id: string, rule: RuleSpec, expectedVersion: number): Promise<StoredRule>;
  delete(tenantId: string, id: string): Promise<boolean>;
  /** Replaces all of a tenant's rules in one transaction (import). */
  replaceAll(tenantId: string, rules: readonly RuleSpec[]): Promise<StoredRule[]>;
  onChange(listener: RuleChangeListener): () => void;
  close(): Promise<void>;
}

export class VersionConflictError extends Error {
  constructor(
    readonly id: string,
    readonly currentVersion: number,
  ) {
    super(`rule ${id} was changed by someone else (now at version ${currentVersion})`);
    this.name = 'VersionConflictError';
  }
}

/** The rule itself, without the store's bookkeeping (version, timestamps). */
export function ruleSpecOf(stored: StoredRule): RuleSpec {
  const { version: _version, created_at: _created, updated_at: _updated, ...spec } = stored;
  return spec;
}
