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

/**
 * Called after a write commits, with the tenant whose rules changed — or `null` when any tenant's
 * rules may have changed unseen (the change feed was lost and came back), so every cached tenant
 * must be dropped.
 */
export type RuleChangeListener = (tenantId: string | null) => void;

/** Whether the store can be read and its change feed is live; reported on /readyz and in metrics. */
/**
 * `ok: false` with `feedOnly: true`: the database answers but the change feed is down, so reads
 * still work (and the TTL safety net must keep reloading).
 */
export type RuleStoreStatus = { ok: true } | { ok: false; error: string; feedOnly?: boolean };

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
  status(): RuleStoreStatus;
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

/** No rule with this id for the tenant. */
export class RuleNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`rule ${id} not found`);
    this.name = 'RuleNotFoundError';
  }
}

/** A rule with this id (or this name, within the tenant) already exists. */
export class DuplicateRuleError extends Error {
  constructor(readonly what: string) {
    super(`a rule with this ${what} already exists for the tenant`);
    this.name = 'DuplicateRuleError';
  }
}

/** The store cannot be reached (database down, still starting); the operation did not happen. */
export class RuleStoreUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the rule store is unavailable: ${reason}`);
    this.name = 'RuleStoreUnavailableError';
  }
}

/** The rule itself, without the store's bookkeeping (version, timestamps). */
export function ruleSpecOf(stored: StoredRule): RuleSpec {
  const { version: _version, created_at: _created, updated_at: _updated, ...spec } = stored;
  return spec;
}
