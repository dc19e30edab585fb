import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { closedPort, TEST_DATABASE_URL } from '../../../test/helpers/postgres.ts';
import { rule } from '../rule-store.contract.ts';
import { RuleStoreUnavailableError } from '../rule-store.ts';
import { createPgDriver } from './pg-driver.ts';
import { LISTENER_APPLICATION_NAME } from './pg-listener.ts';
import { sqlRuleStoreSuite } from './sql-rule-store.suite.ts';
import { SqlRuleStore } from './sql-rule-store.ts';

/** The SQL rule store on the machine's PostgreSQL: each store has its own pool and listener. */
const suite = sqlRuleStoreSuite({ openDriver: async () => createPgDriver({ url: TEST_DATABASE_URL }) });

describe('PostgreSQL', () => {
  it('listens again after its connection is killed, drops everything, and hears new writes', async () => {
    const replica = await suite.openStore();
    const seen: Array<string | null> = [];
    replica.onChange((tenant) => seen.push(tenant));

    const killed = await suite.admin().query<{ killed: boolean }>(
      `select pg_terminate_backend(pid) as killed from pg_stat_activity
       where application_name = $1 and query = $2`,
      [LISTENER_APPLICATION_NAME, `listen "${replica.channel}"`],
    );
    // The suite's other stores listen on the same channel, so at least the replica's went.
    expect(killed.length).toBeGreaterThanOrEqual(1);
    // null: anything may have changed while it was not listening.
    await expect.poll(() => seen, { timeout: 10_000 }).toContain(null);
    expect(replica.status()).toEqual({ ok: true });

    const t = `t-${randomUUID()}`;
    await suite.store().create(t, rule({ name: 'after-reconnect' }));
    await expect.poll(() => seen, { timeout: 1000 }).toContain(t);
  });

  it('starts without its database, says why, and fails operations without writing', async () => {
    const port = await closedPort();
    const store = new SqlRuleStore({
      connect: async () => createPgDriver({ url: `postgres://postgres@127.0.0.1:${port}/test` }),
      schema: suite.newSchema(),
    });
    try {
      await expect(store.ready()).rejects.toThrow();
      expect(store.status()).toMatchObject({
        ok: false,
        error: expect.stringMatching(/cannot connect: .*ECONNREFUSED/),
      });
      await expect(store.list('t')).rejects.toThrow(RuleStoreUnavailableError);
      await expect(store.create('t', rule({ name: 'a' }))).rejects.toThrow(RuleStoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});
