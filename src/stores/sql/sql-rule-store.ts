import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/logger.ts';
import type { ConditionSpec, RuleAction, RuleSpec } from '../../routing/rules/schema.ts';
import {
  DuplicateRuleError,
  type RuleChangeListener,
  RuleNotFoundError,
  type RuleStore,
  type RuleStoreStatus,
  RuleStoreUnavailableError,
  type StoredRule,
  VersionConflictError,
} from '../rule-store.ts';
import { isConnectionError, type Row, type SqlDriver, type SqlQueryable } from './driver.ts';
import { migrate, quoteIdentifier } from './migrations.ts';

/**
 * The rule store over SQL (DESIGN §3, §5): one implementation, the same statements on PostgreSQL
 * and PGlite. Every write commits with a `pg_notify` on `<schema>_rules` carrying the tenant, so
 * every replica listening drops that tenant's cached rules; this process's listeners are told
 * directly after the commit too, so a replica reads its own writes at once.
 *
 * It never throws at start-up: connecting and migrating run in the background and are retried
 * with backoff until they succeed; until then operations fail with RuleStoreUnavailableError and
 * `status()` says why.
 */
export interface SqlRuleStoreOptions {
  /** Opens the database; called again after a failed start until it succeeds. */
  connect: () => Promise<SqlDriver>;
  /** PostgreSQL schema holding the tables (default `switchyard`). */
  schema?: string;
  logger?: Logger;
  retryMinMs?: number;
  retryMaxMs?: number;
}

const COLUMNS =
  'id, tenant_id, name, description, conditions, action, priority, enabled, enforce, version, created_at, updated_at';

interface RuleRow extends Row {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  conditions: ConditionSpec[];
  action: RuleAction;
  priority: number | string;
  enabled: boolean;
  enforce: boolean;
  version: number | string;
  created_at: Date | string;
  updated_at: Date | string;
}

export class SqlRuleStore implements RuleStore {
  readonly schema: string;
  /** The NOTIFY channel: one per schema, so stores in other schemas never hear these. */
  readonly channel: string;
  readonly #sql: ReturnType<typeof statements>;
  readonly #listeners = new Set<RuleChangeListener>();
  #driver: SqlDriver | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #starting: Promise<void> | undefined;
  #ready = false;
  #closed = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs: number;
  #probeTimer: NodeJS.Timeout | undefined;
  /** Why the database could not be used, until an operation succeeds again. */
  #dbError: string | undefined;
  /** Why the change feed is down, until it is back. */
  #feedError: string | undefined;

  constructor(private readonly options: SqlRuleStoreOptions) {
    this.schema = options.schema ?? 'switchyard';
    this.channel = `${this.schema}_rules`;
    this.#sql = statements(quoteIdentifier(this.schema));
    this.#retryDelayMs = options.retryMinMs ?? 250;
    this.#start().catch(function reportedByStatus() {});
  }

  /** Resolves when the store has connected and migrated; rejects with the reason of a failed try. */
  ready(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    return this.#starting ?? this.#start();
  }

  #start(): Promise<void> {
    this.#starting ??= this.#open()
      .then(
        () => {
          this.#ready = true;
          this.#dbError = undefined;
          this.#retryDelayMs = this.options.retryMinMs ?? 250;
          this.options.logger?.info({ schema: this.schema }, 'rule store ready');
        },
        (error: unknown) => {
          const reason = messageOf(error);
          // Said once per distinct reason: an outage must not flood the log.
          if (reason !== this.#dbError)
            this.options.logger?.warn({ err: reason }, 'rule store cannot start; retrying');
          this.#dbError = reason;
          this.#scheduleRetry();
          throw error;
        },
      )
      .finally(() => {
        this.#starting = undefined;
      });
    return this.#starting;
  }

  async #open(): Promise<void> {
    if (this.#closed) throw new Error('the rule store is closed');
    this.#driver ??= await this.options.connect();
    const applied = await migrate(this.#driver, this.schema);
    if (applied.length > 0)
      this.options.logger?.info({ schema: this.schema, applied }, 'rule store migrated');
    this.#unlisten ??= await this.#driver.listen(this.channel, {
      notify: (tenant) => this.#emit(tenant),
      lost: (error) => this.#feedLost(error),
      reset: () => this.#feedBack(),
    });
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, this.options.retryMaxMs ?? 5_000);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (!this.#ready) this.#start().catch(function reportedByStatus() {});
    }, delay);
    this.#retryTimer.unref();
  }

  /**
   * After an outage, checks the database in the background until it answers, so `status()` comes
   * back by itself even when no request reads (replicas serve cached rules meanwhile).
   */
  #probeSoon(delayMs: number): void {
    if (this.#probeTimer || this.#closed) return;
    this.#probeTimer = setTimeout(async () => {
      try {
        await this.#driver?.query('select 1');
        this.#probeTimer = undefined;
        this.#dbError = undefined;
      } catch (error) {
        this.#probeTimer = undefined;
        this.#dbError = messageOf(error);
        this.#probeSoon(Math.min(delayMs * 2, this.options.retryMaxMs ?? 5_000));
      }
    }, delayMs);
    this.#probeTimer.unref();
  }

  #feedLost(error: Error): void {
    if (this.#feedError === undefined) {
      this.options.logger?.warn({ err: error.message }, 'rule change notifications lost; reconnecting');
    }
    this.#feedError = `change notifications lost: ${error.message}`;
  }

  #feedBack(): void {
    this.#feedError = undefined;
    // LISTEN just succeeded, so the database answers again.
    this.#dbError = undefined;
    this.options.logger?.info('rule change notifications back; dropping every cached tenant');
    this.#emit(null);
  }

  #emit(tenant: string | null): void {
    for (const listener of this.#listeners) {
      try {
        listener(tenant);
      } catch (error) {
        this.options.logger?.error({ err: messageOf(error) }, 'rule change listener failed');
      }
    }
  }

  status(): RuleStoreStatus {
    if (this.#closed) return { ok: false, error: 'closed' };
    if (!this.#ready) {
      return { ok: false, error: this.#dbError ? `cannot connect: ${this.#dbError}` : 'starting' };
    }
    if (this.#dbError !== undefined) return { ok: false, error: this.#dbError };
    return this.#feedError === undefined
      ? { ok: true }
      : { ok: false, error: this.#feedError, feedOnly: true };
  }

  /** Runs one operation, translating outages and constraint violations into the store's errors. */
  async #run<T>(operation: (db: SqlDriver) => Promise<T>): Promise<T> {
    if (this.#closed) throw new RuleStoreUnavailableError('closed');
    if (!this.#ready) {
      await (this.#starting ?? Promise.resolve()).catch(function reportedBelow() {});
      if (!this.#ready) throw new RuleStoreUnavailableError(this.#dbError ?? 'starting');
    }
    try {
      const result = await operation(this.#driver as SqlDriver);
      this.#dbError = undefined;
      return result;
    } catch (error) {
      if (isConnectionError(error)) {
        this.#dbError = messageOf(error);
        this.#probeSoon(this.options.retryMinMs ?? 250);
        throw new RuleStoreUnavailableError(this.#dbError);
      }
      throw translateViolation(error);
    }
  }

  /** A write: one transaction that ends with the change notification, then local listeners. */
  async #write<T>(
    tenantId: string,
    work: (tx: SqlQueryable) => Promise<{ result: T; changed: boolean }>,
  ): Promise<T> {
    const { result, changed } = await this.#run((db) =>
      db.transaction(async (tx) => {
        const outcome = await work(tx);
        if (outcome.changed) await tx.query(this.#sql.notify, [this.channel, tenantId]);
        return outcome;
      }),
    );
    if (changed) this.#emit(tenantId);
    return result;
  }

  async listEnabled(tenantId: string): Promise<StoredRule[]> {
    const rows = await this.#run((db) => db.query<RuleRow>(this.#sql.listEnabled, [tenantId]));
    return rows.map(toStoredRule);
  }

  async list(tenantId: string): Promise<StoredRule[]> {
    const rows = await this.#run((db) => db.query<RuleRow>(this.#sql.list, [tenantId]));
    return rows.map(toStoredRule);
  }

  async get(tenantId: string, id: string): Promise<StoredRule | undefined> {
    const [row] = await this.#run((db) => db.query<RuleRow>(this.#sql.get, [tenantId, id]));
    return row ? toStoredRule(row) : undefined;
  }

  create(tenantId: string, rule: RuleSpec): Promise<StoredRule> {
    return this.#write(tenantId, async (tx) => ({
      result: await this.#insert(tx, tenantId, rule),
      changed: true,
    }));
  }

  update(tenantId: string, id: string, rule: RuleSpec, expectedVersion: number): Promise<StoredRule> {
    return this.#write(tenantId, async (tx) => {
      const [row] = await tx.query<RuleRow>(this.#sql.update, [
        tenantId,
        id,
        expectedVersion,
        ...ruleParams(rule),
      ]);
      if (row) return { result: toStoredRule(row), changed: true };
      const [current] = await tx.query<{ version: number | string }>(this.#sql.version, [tenantId, id]);
      if (!current) throw new RuleNotFoundError(id);
      throw new VersionConflictError(id, Number(current.version));
    });
  }

  delete(tenantId: string, id: string): Promise<boolean> {
    return this.#write(tenantId, async (tx) => {
      const rows = await tx.query(this.#sql.delete, [tenantId, id]);
      return { result: rows.length > 0, changed: rows.length > 0 };
    });
  }

  replaceAll(tenantId: string, rules: readonly RuleSpec[]): Promise<StoredRule[]> {
    return this.#write(tenantId, async (tx) => {
      await tx.query(this.#sql.deleteTenant, [tenantId]);
      const created: StoredRule[] = [];
      for (const rule of rules) created.push(await this.#insert(tx, tenantId, rule));
      return { result: created, changed: true };
    });
  }

  async #insert(tx: SqlQueryable, tenantId: string, rule: RuleSpec): Promise<StoredRule> {
    const [row] = await tx.query<RuleRow>(this.#sql.insert, [
      tenantId,
      rule.id ?? randomUUID(),
      ...ruleParams(rule),
    ]);
    return toStoredRule(row as RuleRow);
  }

  onChange(listener: RuleChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#probeTimer);
    await this.#starting?.catch(function closingAnyway() {});
    this.#listeners.clear();
    await this.#unlisten?.().catch(function closingAnyway() {});
    await this.#driver?.close();
  }
}

/** Every statement, built once with the schema name (identifiers cannot be parameters). */
function statements(s: string) {
  const fields = 'name, description, conditions, action, priority, enabled, enforce';
  return {
    listEnabled: `select ${COLUMNS} from ${s}.rules where tenant_id = $1 and enabled order by priority, seq`,
    list: `select ${COLUMNS} from ${s}.rules where tenant_id = $1 order by priority, seq`,
    get: `select ${COLUMNS} from ${s}.rules where tenant_id = $1 and id = $2`,
    version: `select version from ${s}.rules where tenant_id = $1 and id = $2`,
    insert: `insert into ${s}.rules (tenant_id, id, ${fields})
             values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9) returning ${COLUMNS}`,
    update: `update ${s}.rules
             set name = $4, description = $5, conditions = $6::jsonb, action = $7::jsonb, priority = $8,
                 enabled = $9, enforce = $10, version = version + 1, updated_at = now()
             where tenant_id = $1 and id = $2 and version = $3 returning ${COLUMNS}`,
    delete: `delete from ${s}.rules where tenant_id = $1 and id = $2 returning id`,
    deleteTenant: `delete from ${s}.rules where tenant_id = $1`,
    notify: 'select pg_notify($1, $2)',
  };
}

/** name, description, conditions, action, priority, enabled, enforce — in the statements' order. */
function ruleParams(rule: RuleSpec): unknown[] {
  return [
    rule.name,
    rule.description ?? null,
    JSON.stringify(rule.conditions ?? []),
    JSON.stringify(rule.action),
    rule.priority,
    rule.enabled,
    rule.enforce,
  ];
}

function toStoredRule(row: RuleRow): StoredRule {
  const rule: StoredRule = {
    id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    conditions: row.conditions,
    action: row.action,
    // bigint comes back as a string from `pg`, as a number from PGlite.
    priority: Number(row.priority),
    enabled: row.enabled,
    enforce: row.enforce,
    version: Number(row.version),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
  if (row.description !== null) rule.description = row.description;
  return rule;
}

/** A unique violation becomes DuplicateRuleError (the admin API answers 409); others pass through. */
function translateViolation(error: unknown): unknown {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (code !== '23505') return error;
  return new DuplicateRuleError(constraint === 'rules_name_unique' ? 'name' : 'id');
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  return error instanceof Error ? error.message : String(error);
}
