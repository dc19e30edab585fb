import { afterAll, describe, expect, it } from 'vitest';
import { compileSnapshot } from '../../config/compile.ts';
import { parseConfig } from '../../config/load.ts';
import type { Snapshot } from '../../config/snapshot.ts';
import { PoolRegistry } from '../../forward/pools.ts';
import { implicitSessionKey, isImplicitSessionKey, sessionKey } from './affinity.ts';

const pools = new PoolRegistry();
afterAll(() => pools.closeAll());

function snapshotWith(affinity: string): Snapshot {
  const text = `version: 1\nproviders: [{name: cloud, kind: openai, models: [gpt-4o]}]\nrouting:\n  session_affinity: ${affinity}\n`;
  return compileSnapshot(parseConfig(text, '<test>', {}), { pools, generation: 1 });
}

const SYSTEM = 'You are a careful assistant for ACME.';
const FIRST = 'Summarise our Q3 numbers.';
const turn1 = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: FIRST },
  ],
};
const turn2 = {
  model: 'gpt-4o',
  messages: [
    ...turn1.messages,
    { role: 'assistant', content: 'Revenue grew 4%.' },
    { role: 'user', content: 'And costs?' },
  ],
};

describe('implicit session key', () => {
  it('is the same on every turn of a conversation and holds only a hash', () => {
    const key = implicitSessionKey('acme', turn1);
    expect(key).toMatch(/^acme:~sha256:[0-9a-f]{64}$/);
    expect(implicitSessionKey('acme', turn2)).toBe(key);
    expect(key).not.toContain('ACME');
    expect(isImplicitSessionKey(key as string)).toBe(true);
    expect(isImplicitSessionKey('acme:conv-1')).toBe(false);
  });

  it('differs by tenant, system prompt and first user message', () => {
    const key = implicitSessionKey('acme', turn1);
    expect(implicitSessionKey('globex', turn1)).not.toBe(key);
    expect(
      implicitSessionKey('acme', { messages: [{ role: 'system', content: 'Other.' }, turn1.messages[1]] }),
    ).not.toBe(key);
    expect(
      implicitSessionKey('acme', { messages: [turn1.messages[0], { role: 'user', content: 'Other.' }] }),
    ).not.toBe(key);
    // No system prompt at all is a different opening too.
    expect(implicitSessionKey('acme', { messages: [turn1.messages[1]] })).not.toBe(key);
  });

  it("reads an Anthropic body's top-level system prompt", () => {
    const anthropic = { system: SYSTEM, messages: [{ role: 'user', content: FIRST }] };
    const other = { system: 'Other.', messages: [{ role: 'user', content: FIRST }] };
    expect(implicitSessionKey('acme', anthropic)).toMatch(/^acme:~sha256:/);
    expect(implicitSessionKey('acme', anthropic)).not.toBe(implicitSessionKey('acme', other));
  });

  it('is absent when there is no user message to key on', () => {
    expect(implicitSessionKey('acme', { messages: [{ role: 'system', content: SYSTEM }] })).toBeUndefined();
    expect(implicitSessionKey('acme', { input: 'embed me' })).toBeUndefined();
  });
});

describe('sessionKey', () => {
  it('uses the header, scoped by tenant, and ignores the body unless implicit keys are on', () => {
    const off = snapshotWith('{}');
    expect(sessionKey(off, { 'x-session-id': 'conv-1' }, 'acme', turn1)).toBe('acme:conv-1');
    expect(sessionKey(off, {}, 'acme', turn1)).toBeUndefined();
  });

  it('falls back to the implicit key only when the header is absent', () => {
    const on = snapshotWith('{implicit: true}');
    expect(sessionKey(on, { 'x-session-id': 'conv-1' }, 'acme', turn1)).toBe('acme:conv-1');
    expect(sessionKey(on, {}, 'acme', turn1)).toBe(implicitSessionKey('acme', turn1));
    // A malformed header is not silently replaced by a guess.
    expect(sessionKey(on, { 'x-session-id': 'bad id with spaces' }, 'acme', turn1)).toBeUndefined();
  });

  it('gives no key when affinity is off', () => {
    const text = 'version: 1\nproviders: [{name: cloud, kind: openai, models: [gpt-4o]}]\n';
    const none = compileSnapshot(parseConfig(text, '<test>', {}), { pools, generation: 1 });
    expect(sessionKey(none, { 'x-session-id': 'conv-1' }, 'acme', turn1)).toBeUndefined();
  });
});
