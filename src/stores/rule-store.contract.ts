import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RuleSpec } from '../routing/rules/schema.ts';
import { DuplicateRuleError, RuleNotFoundError, type RuleStore, VersionConflictError } from './rule-store.ts';

/**
 * What every RuleStore does, whatever keeps the rules (DESIGN §5: each store passes the same
 * suite). Tests use tenants of their own, so one store can serve the whole suite.
 */
export function ruleStoreContract(store: () => RuleStore): void {
  const tenant = () => `t-${randomUUID().slice(0, 8)}`;

  describe('rule store contract', () => {
    it('creates a rule with an id, version 1 and timestamps, and reads it back', async () => {
      const t = tenant();
      const created = await store().create(t, rule({ name: 'a', description: 'first' }));
      expect(created).toMatchObject({ tenant_id: t, name: 'a', description: 'first', version: 1 });
      expect(created.id).not.toBe('');
      expect(Date.parse(created.created_at)).not.toBeNaN();
      expect(created.updated_at).toBe(created.created_at);
      expect(await store().get(t, created.id)).toEqual(created);
    });

    it('keeps an id given by the caller', async () => {
      const t = tenant();
      const created = await store().create(t, rule({ id: 'my-id', name: 'a' }));
      expect(created.id).toBe('my-id');
      expect((await store().get(t, 'my-id'))?.name).toBe('a');
    });

    it('round-trips conditions and actions of every shape', async () => {
      const t = tenant();
      const conditions: RuleSpec['conditions'] = [
        { field: 'user.role', operator: 'in', value: ['admin', 'owner'] },
        { field: 'request.token_estimate', operator: 'gt', value: 1000 },
        { field: 'request.stream', operator: 'eq', value: true },
        { field: 'request.header.x-team', operator: 'exists' },
      ];
      const routed = await store().create(
        t,
        rule({
          name: 'routed',
          conditions,
          action: { provider: 'p', model: 'm', fallback_providers: ['q', 'r'] },
        }),
      );
      const rejected = await store().create(t, rule({ name: 'rejected', action: { reject: 'not "here"' } }));
      expect(await store().get(t, routed.id)).toMatchObject({ conditions, action: routed.action });
      expect((await store().get(t, rejected.id))?.action).toEqual({ reject: 'not "here"' });
      expect(await store().get(t, rejected.id)).not.toHaveProperty('description');
    });

    it('lists by priority ascending, ties in creation order; listEnabled leaves out disabled rules', async () => {
      const t = tenant();
      await store().create(t, rule({ name: 'p10-first', priority: 10 }));
      await store().create(t, rule({ name: 'p-5', priority: -5 }));
      await store().create(t, rule({ name: 'p10-second', priority: 10 }));
      await store().create(t, rule({ name: 'off', priority: 1, enabled: false }));
      await store().create(t, rule({ name: 'huge', priority: 2 ** 40 }));
      expect((await store().list(t)).map((r) => r.name)).toEqual([
        'p-5',
        'off',
        'p10-first',
        'p10-second',
        'huge',
      ]);
      expect((await store().listEnabled(t)).map((r) => r.name)).toEqual([
        'p-5',
        'p10-first',
        'p10-second',
        'huge',
      ]);
      expect((await store().list(t)).at(-1)?.priority).toBe(2 ** 40);
    });

    it('updates with the current version, and refuses a stale one', async () => {
      const t = tenant();
      const created = await store().create(t, rule({ name: 'a', priority: 5 }));
      const updated = await store().update(
        t,
        created.id,
        rule({ name: 'a2', priority: 7, enforce: true }),
        1,
      );
      expect(updated).toMatchObject({ id: created.id, name: 'a2', priority: 7, enforce: true, version: 2 });
      expect(updated.created_at).toBe(created.created_at);
      expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));

      const stale = await store()
        .update(t, created.id, rule({ name: 'lost' }), 1)
        .catch((error: unknown) => error);
      expect(stale).toBeInstanceOf(VersionConflictError);
      expect(stale).toMatchObject({ id: created.id, currentVersion: 2 });
      expect((await store().get(t, created.id))?.name).toBe('a2');
    });

    it('refuses to update a rule that does not exist', async () => {
      await expect(store().update(tenant(), 'nope', rule({ name: 'x' }), 1)).rejects.toBeInstanceOf(
        RuleNotFoundError,
      );
    });

    it('deletes a rule once', async () => {
      const t = tenant();
      const created = await store().create(t, rule({ name: 'a' }));
      expect(await store().delete(t, created.id)).toBe(true);
      expect(await store().delete(t, created.id)).toBe(false);
      expect(await store().get(t, created.id)).toBeUndefined();
      expect(await store().list(t)).toEqual([]);
    });

    it('refuses a second rule with the same name or id in a tenant', async () => {
      const t = tenant();
      const first = await store().create(t, rule({ id: 'r1', name: 'same' }));
      const other = await store().create(t, rule({ name: 'other' }));
      await expect(store().create(t, rule({ name: 'same' }))).rejects.toThrow(DuplicateRuleError);
      await expect(store().create(t, rule({ id: 'r1', name: 'new' }))).rejects.toMatchObject({ what: 'id' });
      await expect(store().update(t, other.id, rule({ name: 'same' }), 1)).rejects.toMatchObject({
        what: 'name',
      });
      expect((await store().list(t)).map((r) => r.id)).toEqual([first.id, other.id]);
    });

    it('keeps tenants apart: B never sees, changes or collides with A', async () => {
      const a = tenant();
      const b = tenant();
      const ruleOfA = await store().create(a, rule({ id: 'shared-id', name: 'shared-name' }));
      expect(await store().list(b)).toEqual([]);
      expect(await store().listEnabled(b)).toEqual([]);
      expect(await store().get(b, ruleOfA.id)).toBeUndefined();
      expect(await store().delete(b, ruleOfA.id)).toBe(false);
      await expect(store().update(b, ruleOfA.id, rule({ name: 'x' }), 1)).rejects.toBeInstanceOf(
        RuleNotFoundError,
      );
      await store().replaceAll(b, []);
      // The same id and name are free in another tenant.
      const ruleOfB = await store().create(b, rule({ id: 'shared-id', name: 'shared-name', priority: 1 }));
      expect(ruleOfB.tenant_id).toBe(b);
      expect(await store().get(a, 'shared-id')).toEqual(ruleOfA);
      expect((await store().list(a)).map((r) => r.tenant_id)).toEqual([a]);
    });

    it('replaces all of a tenant’s rules at once, and not at all when one fails', async () => {
      const t = tenant();
      const other = tenant();
      await store().create(t, rule({ name: 'old' }));
      await store().create(other, rule({ name: 'untouched' }));
      const replaced = await store().replaceAll(t, [
        rule({ name: 'n1', priority: 2 }),
        rule({ name: 'n2', priority: 1 }),
      ]);
      expect(replaced.map((r) => [r.name, r.version])).toEqual([
        ['n1', 1],
        ['n2', 1],
      ]);
      expect((await store().list(t)).map((r) => r.name)).toEqual(['n2', 'n1']);

      await expect(store().replaceAll(t, [rule({ name: 'x' }), rule({ name: 'x' })])).rejects.toThrow(
        DuplicateRuleError,
      );
      expect((await store().list(t)).map((r) => r.name)).toEqual(['n2', 'n1']);
      expect((await store().list(other)).map((r) => r.name)).toEqual(['untouched']);
    });

    it('tells listeners which tenant changed after each write', async () => {
      const t = tenant();
      const quiet = tenant();
      const seen: Array<string | null> = [];
      const unsubscribe = store().onChange((changed) => seen.push(changed));
      try {
        const created = await store().create(t, rule({ name: 'a' }));
        expect(seen).toContain(t);
        seen.length = 0;
        await store().update(t, created.id, rule({ name: 'b' }), 1);
        expect(seen).toContain(t);
        seen.length = 0;
        await store().delete(t, created.id);
        expect(seen).toContain(t);
        seen.length = 0;
        await store().replaceAll(t, []);
        expect(seen).toContain(t);

        // Writes that change nothing tell no one.
        await store()
          .update(quiet, 'nope', rule({ name: 'x' }), 1)
          .catch(() => {});
        await store().delete(quiet, 'nope');
        expect(seen).not.toContain(quiet);
      } finally {
        unsubscribe();
      }
      seen.length = 0;
      await store().create(t, rule({ name: 'after' }));
      expect(seen).toEqual([]);
    });

    it('reports itself up', () => {
      expect(store().status()).toEqual({ ok: true });
    });
  });
}

export function rule(overrides: Partial<RuleSpec> & { name: string }): RuleSpec {
  return {
    conditions: [],
    action: { provider: 'p' },
    priority: 100,
    enabled: true,
    enforce: false,
    ...overrides,
  };
}
