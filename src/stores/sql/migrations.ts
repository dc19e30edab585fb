import type { SqlDriver } from './driver.ts';

/**
 * The rule store's schema, as an ordered list of steps applied at start-up. A step, once shipped,
 * never changes: a change is a new step. Each step runs in the same transaction as its record in
 * `schema_migrations`, so a step is applied completely or not at all.
 */
export interface Migration {
  version: number;
  name: string;
  /** Statements, given the quoted schema name. */
  statements(schema: string): string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'rules',
    statements: (s) => [
      `create table ${s}.rules (
        tenant_id   text        not null,
        id          text        not null,
        -- Creation order: breaks priority ties as the memory store does.
        seq         bigint      generated always as identity,
        name        text        not null,
        description text,
        conditions  jsonb       not null default '[]'::jsonb check (jsonb_typeof(conditions) = 'array'),
        action      jsonb       not null check (jsonb_typeof(action) = 'object'),
        priority    bigint      not null default 100,
        enabled     boolean     not null default true,
        enforce     boolean     not null default false,
        version     integer     not null default 1,
        created_at  timestamptz not null default now(),
        updated_at  timestamptz not null default now(),
        -- Ids are per tenant: one tenant's ids say nothing about another's.
        constraint rules_pkey primary key (tenant_id, id),
        -- Names are what decisions and exports show; two alike in one tenant would be ambiguous.
        constraint rules_name_unique unique (tenant_id, name)
      )`,
      // The read on the request path: a tenant's enabled rules by priority.
      `create index rules_enabled_by_priority on ${s}.rules (tenant_id, priority, seq) where enabled`,
    ],
  },
];

/** Two int4 keys for pg_advisory_xact_lock: a fixed class, and the schema's hash. */
const LOCK_CLASS = 0x5359;

/**
 * Brings the schema up to date and returns the versions it applied. Replicas starting at once
 * queue on a transaction-scoped advisory lock, so exactly one applies each step; the others then
 * find it recorded. The lock is released at commit or rollback, even if the process dies.
 */
export async function migrate(driver: SqlDriver, schema: string): Promise<number[]> {
  const s = quoteIdentifier(schema);
  return driver.transaction(async function applyPending(tx) {
    await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    await tx.query(`create schema if not exists ${s}`);
    await tx.query(
      `create table if not exists ${s}.schema_migrations (
        version    integer     primary key,
        name       text        not null,
        applied_at timestamptz not null default now()
      )`,
    );
    const rows = await tx.query<{ version: number }>(`select version from ${s}.schema_migrations`);
    const applied = new Set(rows.map((row) => Number(row.version)));
    const ran: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements(s)) await tx.query(statement);
      await tx.query(`insert into ${s}.schema_migrations (version, name) values ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      ran.push(migration.version);
    }
    return ran;
  });
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,47}$/;

/** Schema names are config, never request data; still, only plain identifiers are accepted. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid schema name ${JSON.stringify(name)}`);
  return `"${name}"`;
}

export function isValidSchemaName(name: string): boolean {
  return IDENTIFIER.test(name);
}
