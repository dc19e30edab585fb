import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileApiKeys } from './api-keys.ts';
import { apiKeySchema } from './schema.ts';

// A pass-through spy, to see that the final comparison is the constant-time one.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const table = compileApiKeys([
  apiKeySchema.parse({
    key: 'sk-acme-analyst',
    name: 'acme-analyst',
    tenant: 'acme',
    user: { id: 'u1', role: 'analyst', department: 'finance' },
    attributes: { team: 'x' },
  }),
  apiKeySchema.parse({ key: 'sk-globex-admin', tenant: 'globex', admin: true }),
]);

afterEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
});

describe('compileApiKeys', () => {
  it('finds the identity a key stands for', () => {
    expect(table.size).toBe(2);
    expect(table.lookup('sk-acme-analyst')).toEqual({
      tenant: 'acme',
      user: { id: 'u1', role: 'analyst', department: 'finance' },
      attributes: { team: 'x' },
      via: 'api_key',
      credentialName: 'acme-analyst',
      admin: false,
    });
  });

  it('names an unnamed key by its position and carries admin', () => {
    const identity = table.lookup('sk-globex-admin');
    expect(identity?.credentialName).toBe('api_keys[1]');
    expect(identity?.admin).toBe(true);
    expect(identity?.user).toEqual({ id: undefined, role: undefined, department: undefined });
  });

  it('finds nothing for an unknown key, a prefix, or a key with extra characters', () => {
    expect(table.lookup('sk-acme')).toBeUndefined();
    expect(table.lookup('sk-acme-analyst2')).toBeUndefined();
    expect(table.lookup('SK-ACME-ANALYST')).toBeUndefined();
  });

  it('decides equality with timingSafeEqual on SHA-256 digests', () => {
    table.lookup('sk-acme-analyst');
    const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
    expect(calls).toHaveLength(1);
    const [stored, presented] = calls[0] as [Buffer, Buffer];
    expect(stored.length).toBe(32);
    expect(presented).toEqual(crypto.createHash('sha256').update('sk-acme-analyst').digest());
  });

  it('shares one frozen identity per key between requests', () => {
    const identity = table.lookup('sk-acme-analyst');
    expect(table.lookup('sk-acme-analyst')).toBe(identity);
    expect(Object.isFrozen(identity)).toBe(true);
    expect(Object.isFrozen(identity?.attributes)).toBe(true);
    expect(Object.isFrozen(identity?.user)).toBe(true);
  });
});
