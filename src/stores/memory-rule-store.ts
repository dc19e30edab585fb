import { randomUUID } from 'node:crypto';
import type { RuleSpec } from '../routing/rules/schema.ts';
import {
  DuplicateRuleError,
  type RuleChangeListener,
  RuleNotFoundError,
  type RuleStore,
  type RuleStoreStatus,
  type StoredRule,
  VersionConflictError,
} from './rule-store.ts';

/** A rule store in process memory: for tests and single-process setups that need no persistence. */
export class MemoryRuleStore implements RuleStore {
  readonly #byTenant = new Map<string, Map<string, StoredRule>>();
  readonly #listeners = new Set<RuleChangeListener>();
  #sequence = 0;
  readonly #order = new Map<string, number>();

  #tenant(tenantId: string): Map<string, StoredRule> {
    let rules = this.#byTenant.get(tenantId);
    if (!rules) {
      rules = new Map();
      this.#byTenant.set(tenantId, rules);
    }
    return rules;
  }

  #sorted(tenantId: string): StoredRule[] {
    // Reads never create a tenant: unknown tenants cost no memory.
    const rules = this.#byTenant.get(tenantId);
    if (!rules) return [];
    const order = (rule: StoredRule) => this.#order.get(`${tenantId}\u0000${rule.id}`) ?? 0;
    return [...rules.values()].sort((a, b) => a.priority - b.priority || order(a) - order(b));
  }

  #notify(tenantId: string): void {
    for (const listener of this.#listeners) listener(tenantId);
  }

  async listEnabled(tenantId: string): Promise<StoredRule[]> {
    return this.#sorted(tenantId).filter((rule) => rule.enabled);
  }

  async list(tenantId: string): Promise<StoredRule[]> {
    return this.#sorted(tenantId);
  }

  async get(tenantId: string, id: string): Promise<StoredRule | undefined> {
    return this.#byTenant.get(tenantId)?.get(id);
  }

  #insert(tenantId: string, rule: RuleSpec): StoredRule {
    const now = new Date().toISOString();
    const id = rule.id ?? randomUUID();
    const existing = [...this.#tenant(tenantId).values()];
    if (existing.some((r) => r.id === id)) throw new DuplicateRuleError('id');
    if (existing.some((r) => r.name === rule.name)) throw new DuplicateRuleError('name');
    const stored: StoredRule = {
      ...rule,
      id,
      tenant_id: tenantId,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    this.#tenant(tenantId).set(id, stored);
    this.#order.set(`${tenantId}\u0000${id}`, ++this.#sequence);
    return stored;
  }

  async create(tenantId: string, rule: RuleSpec): Promise<StoredRule> {
    const stored = this.#insert(tenantId, rule);
    this.#notify(tenantId);
    return stored;
  }

  async update(tenantId: string, id: string, rule: RuleSpec, expectedVersion: number): Promise<StoredRule> {
    const current = this.#tenant(tenantId).get(id);
    if (!current) throw new RuleNotFoundError(id);
    if (current.version !== expectedVersion) throw new VersionConflictError(id, current.version);
    if ([...this.#tenant(tenantId).values()].some((r) => r.id !== id && r.name === rule.name)) {
      throw new DuplicateRuleError('name');
    }
    const stored: StoredRule = {
      ...rule,
      id,
      tenant_id: tenantId,
      version: current.version + 1,
      created_at: current.created_at,
      updated_at: new Date().toISOString(),
    };
    this.#tenant(tenantId).set(id, stored);
    this.#notify(tenantId);
    return stored;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const deleted = this.#tenant(tenantId).delete(id);
    if (deleted) this.#notify(tenantId);
    return deleted;
  }

  async replaceAll(tenantId: string, rules: readonly RuleSpec[]): Promise<StoredRule[]> {
    const previous = this.#byTenant.get(tenantId);
    this.#byTenant.set(tenantId, new Map());
    let created: StoredRule[];
    try {
      created = rules.map((rule) => this.#insert(tenantId, rule));
    } catch (error) {
      // All or nothing, like the SQL store's transaction.
      if (previous) this.#byTenant.set(tenantId, previous);
      else this.#byTenant.delete(tenantId);
      throw error;
    }
    this.#notify(tenantId);
    return created;
  }

  onChange(listener: RuleChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  status(): RuleStoreStatus {
    return { ok: true };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
