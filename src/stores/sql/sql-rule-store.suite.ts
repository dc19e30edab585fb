import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rule, ruleStoreContract } from '../rule-store.contract.ts';
import type { SqlDriver } from './driver.ts';
import { MIGRATIONS, migrate } from './migrations.ts';
import { SqlRuleStore } from './sql-rule-store.ts';

/**
 * The SQL rule store's suite, run against each driver (sql-rule-store.pg.test.ts,
 * sql-rule-store.pglite.test.ts): the store contract, then what is SQL's own — migrations,
 * JSONB, NOTIFY between store instances. Every test file works in schemas of its own, dropped at
 * the end, so files running in parallel never meet.
 */
export interface SqlSuiteTarget {
  /** A new connection to the test database: another pool, or the file's PGlite borrowed. */
  openDriver(): Promise<SqlDriver>;
}

export interface SqlSuiteContext {
  /** The suite's main store, in `schema`. */
  store(): SqlRuleStore;
  schema(): string;
  /** A connection for checks behind the store's back. */
  admin(): SqlDriver;
  /** Another store (another replica) on its own connection; closed at the end. */
  openStore(schema?: string): Promise<SqlRuleStore>;
  /** A schema name of this file's own, dropped at the end. */
  newSchema(): string;
}

export function sqlRuleStoreSuite(target: SqlSuiteTarget): SqlSuiteContext {
  const prefix = `sy_test_${randomBytes(4).toString('hex')}`;
  const schemas = new Set<string>();
  const stores: SqlRuleStore[] = [];
  let admin: SqlDriver;
  let main: SqlRuleStore;

  const newSchema = () => {
    const schema = `${prefix}_${schemas.size}`;
    schemas.add(schema);
    return schema;
  };
  const openStore = async (schema = main.schema) => {
    const store = new SqlRuleStore({ connect: target.openDriver, schema });
    stores.push(store);
    await store.ready();
    return store;
  };

  beforeAll(async () => {
    admin = await target.openDriver();
    main = new SqlRuleStore({ connect: target.openDriver, schema: newSchema() });
    stores.push(main);
    await main.ready();
  });

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    for (const schema of schemas) await admin?.query(`drop schema if exists "${schema}" cascade`);
    await admin?.close();
  });

  ruleStoreContract(() => main);

  describe('SQL', () => {
    it('migrates once: a second run applies nothing', async () => {
      expect(await migrate(admin, main.schema)).toEqual([]);
      const rows = await admin.query<{ version: number }>(
        `select version from "${main.schema}".schema_migrations`,
      );
      expect(rows.map((row) => Number(row.version))).toEqual(MIGRATIONS.map((m) => m.version));
    });

    it('migrates a fresh schema exactly once when two stores start at the same time', async () => {
      const schema = newSchema();
      const [one, two] = await Promise.all([target.openDriver(), target.openDriver()]);
      try {
        const applied = await Promise.all([migrate(one, schema), migrate(two, schema)]);
        expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
      const [x, y] = await Promise.all([openStore(schema), openStore(schema)]);
      const created = await x.create('t', rule({ name: 'a' }));
      expect(await y.get('t', created.id)).toEqual(created);
    });

    it('keeps conditions and actions as JSONB, with the index the request path reads by', async () => {
      const t = `t-${randomUUID()}`;
      await main.create(
        t,
        rule({ name: 'j', conditions: [{ field: 'user.role', operator: 'eq', value: 'x' }] }),
      );
      const [row] = await admin.query(
        `select jsonb_typeof(conditions) as conditions, action->>'provider' as provider from "${main.schema}".rules where tenant_id = $1`,
        [t],
      );
      expect(row).toEqual({ conditions: 'array', provider: 'p' });
      const indexes = await admin.query<{ indexdef: string }>(
        'select indexdef from pg_indexes where schemaname = $1 and indexname = $2',
        [main.schema, 'rules_enabled_by_priority'],
      );
      expect(indexes[0]?.indexdef).toMatch(/\(tenant_id, priority, seq\) WHERE enabled/);
    });

    it('tells another store instance about a write through NOTIFY', async () => {
      const replica = await openStore();
      const seen: Array<string | null> = [];
      replica.onChange((tenant) => seen.push(tenant));
      const t = `t-${randomUUID()}`;
      await main.create(t, rule({ name: 'a' }));
      // The bound: another replica drops the tenant's rules within one second.
      await expect.poll(() => seen, { timeout: 1000 }).toContain(t);
    });

    it('a store in another schema neither sees these rules nor hears their changes', async () => {
      const elsewhere = await openStore(newSchema());
      const heard: Array<string | null> = [];
      elsewhere.onChange((tenant) => heard.push(tenant));
      const replica = await openStore();
      const seenByReplica: Array<string | null> = [];
      replica.onChange((tenant) => seenByReplica.push(tenant));
      const t = `t-${randomUUID()}`;
      await main.create(t, rule({ name: 'a' }));
      await expect.poll(() => seenByReplica, { timeout: 1000 }).toContain(t);
      expect(heard).not.toContain(t);
      expect(await elsewhere.list(t)).toEqual([]);
    });
  });

  return { store: () => main, schema: () => main.schema, admin: () => admin, openStore, newSchema };
}
