import { afterAll, describe, expect, it } from 'vitest';
import { compileSnapshot } from '../config/compile.ts';
import { parseConfig } from '../config/load.ts';
import { GatewayError } from '../errors.ts';
import { PoolRegistry } from '../forward/pools.ts';
import { createLogger } from '../observability/logger.ts';
import { MemoryRuleStore } from '../stores/memory-rule-store.ts';
import { rule } from '../stores/rule-store.contract.ts';
import type { RuleChangeListener, RuleStore, RuleStoreStatus, StoredRule } from '../stores/rule-store.ts';
import { TenantRules } from './tenant-rules.ts';

const pools = new PoolRegistry();
afterAll(() => pools.closeAll());
const snapshot = compileSnapshot(
  parseConfig('version: 1\nproviders: [{name: p, kind: openai, models: [m]}]\n', '<test>', {}),
  { pools, generation: 1 },
);
const logger = createLogger({ level: 'silent' });
const HOUR = 3_600_000;

/**
 * A memory store whose change feed the test drives (a write is heard only when the test says so,
 * as when a notification is lost), whose reads can be held, and which can be "down".
 */
class ControlledStore extends MemoryRuleStore implements RuleStore {
  readonly #listeners = new Set<RuleChangeListener>();
  down = false;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  override onChange(listener: RuleChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(tenant: string | null): void {
    for (const listener of this.#listeners) listener(tenant);
  }

  hold(): () => void {
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
    return () => {
      this.#held = undefined;
      this.#release?.();
    };
  }

  override async listEnabled(tenantId: string): Promise<StoredRule[]> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    const rules = await super.listEnabled(tenantId);
    await this.#held;
    return rules;
  }

  override status(): RuleStoreStatus {
    return this.down ? { ok: false, error: 'connect ECONNREFUSED' } : { ok: true };
  }
}

const names = async (rules: TenantRules, tenant: string) =>
  (await rules.forTenant(snapshot, tenant)).normal.rules.map((r) => r.name);

describe('TenantRules', () => {
  it('a change to a tenant is seen at once, whatever the TTL', async () => {
    const store = new MemoryRuleStore();
    const rules = new TenantRules(store, HOUR, logger);
    await store.create('a', rule({ name: 'a1' }));
    expect(await names(rules, 'a')).toEqual(['a1']);
    await store.create('a', rule({ name: 'a2' }));
    expect(await names(rules, 'a')).toEqual(['a1', 'a2']);
  });

  it('a reset (null) refreshes every tenant: their changes may have gone unheard', async () => {
    const store = new ControlledStore();
    const rules = new TenantRules(store, HOUR, logger);
    expect(await names(rules, 'a')).toEqual([]);
    expect(await names(rules, 'b')).toEqual([]);
    await store.create('a', rule({ name: 'a1' }));
    await store.create('b', rule({ name: 'b1' }));
    expect(await names(rules, 'a')).toEqual([]);
    store.emit(null);
    expect(await names(rules, 'a')).toEqual(['a1']);
    expect(await names(rules, 'b')).toEqual(['b1']);
  });

  it('a load that began before a change answers its own requests but is not cached as fresh', async () => {
    const store = new ControlledStore();
    const rules = new TenantRules(store, HOUR, logger);
    const release = store.hold();
    const early = rules.forTenant(snapshot, 'a');
    await store.create('a', rule({ name: 'a1' }));
    store.emit('a');
    release();
    expect((await early).normal.rules).toEqual([]);
    expect(await names(rules, 'a')).toEqual(['a1']);
  });

  it('while the store is down, the last compiled rules answer; with none, the request fails with 503', async () => {
    const store = new ControlledStore();
    const rules = new TenantRules(store, 0, logger);
    await store.create('a', rule({ name: 'a1' }));
    expect(await names(rules, 'a')).toEqual(['a1']);
    expect(rules.hasCachedRules).toBe(true);
    store.down = true;
    expect(await names(rules, 'a')).toEqual(['a1']);
    // A change heard just before the outage: the stale rules still serve better than none.
    store.emit('a');
    expect(await names(rules, 'a')).toEqual(['a1']);
    const error = await Promise.resolve()
      .then(() => rules.forTenant(snapshot, 'never-seen'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 503, code: 'rule_store_unavailable' });
    store.down = false;
    await store.create('a', rule({ name: 'a2' }));
    expect(await names(rules, 'a')).toEqual(['a1', 'a2']);
  });

  it('a config reloaded during an outage applies its enforced rules to the cached tenant rules', async () => {
    const store = new ControlledStore();
    const rules = new TenantRules(store, 0, logger);
    await store.create('a', rule({ name: 'a1' }));
    await rules.forTenant(snapshot, 'a');
    store.down = true;
    const reloaded = compileSnapshot(
      parseConfig(
        'version: 1\nproviders: [{name: p, kind: openai, models: [m]}]\nrouting:\n  rules: [{name: new-compliance, enforce: true, action: {provider: p}}]\n',
        '<test>',
        {},
      ),
      { pools, generation: 2 },
    );
    const served = await rules.forTenant(reloaded, 'a');
    expect(served.enforced.rules.map((r) => r.name)).toEqual(['new-compliance']);
    expect(served.normal.rules.map((r) => r.name)).toEqual(['a1']);
  });

  it('has nothing cached before its first load', () => {
    expect(new TenantRules(new MemoryRuleStore(), HOUR, logger).hasCachedRules).toBe(false);
  });
});
