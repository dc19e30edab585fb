import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rule } from '../rule-store.contract.ts';
import type { SqlDriver } from './driver.ts';
import { openPgliteDriver } from './pglite-driver.ts';
import { sqlRuleStoreSuite } from './sql-rule-store.suite.ts';
import { SqlRuleStore } from './sql-rule-store.ts';

/**
 * The SQL rule store on PGlite persisted to a temporary data folder. PGlite's first start takes
 * seconds, so the file opens one instance and every store borrows it (closing a borrowed driver
 * leaves the instance open).
 */
const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-pglite-'));
const folder = join(dataDir, 'nested', 'rules');
let shared: SqlDriver | undefined;
let opening: Promise<SqlDriver> | undefined;

/** The file's instance, for a store to use as its own; after a restart, the new instance. */
async function borrow(): Promise<SqlDriver> {
  opening ??= openPgliteDriver(folder);
  shared = await opening;
  const current = () => shared as SqlDriver;
  return {
    query: (text, params) => current().query(text, params),
    transaction: (work) => current().transaction(work),
    listen: (channel, handlers) => current().listen(channel, handlers),
    close: async () => {},
  };
}

// Registered before the suite's own clean-up, so it runs after it (after-hooks run in reverse).
afterAll(async () => {
  await shared?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const suite = sqlRuleStoreSuite({ openDriver: borrow });

describe('PGlite', () => {
  beforeAll(async () => {
    await borrow();
  });

  it('creates the data folder and its parents, and locks it against a second opener', async () => {
    await expect(openPgliteDriver(folder)).rejects.toThrow(/already open in this process/);
    const store = new SqlRuleStore({ connect: () => openPgliteDriver(folder), schema: suite.newSchema() });
    try {
      await expect(store.ready()).rejects.toThrow();
      expect(store.status()).toMatchObject({ ok: false, error: expect.stringContaining('already open') });
    } finally {
      await store.close();
    }
  });

  it('keeps rules in the data folder across a restart', async () => {
    const created = await suite.store().create('persisted', rule({ name: 'kept', priority: 3 }));
    await suite.store().close();
    await shared?.close();
    opening = undefined;
    const reopened = new SqlRuleStore({ connect: () => openPgliteDriver(folder), schema: suite.schema() });
    try {
      await reopened.ready();
      expect(await reopened.get('persisted', created.id)).toEqual(created);
    } finally {
      await reopened.close();
    }
    // The suite's clean-up borrows the folder once more.
    await borrow();
  });
});
