import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { identityFromClaims, readClaim } from './claims.ts';
import { claimMappingSchema } from './schema.ts';

const defaults = claimMappingSchema.parse({});

describe('identityFromClaims', () => {
  it('maps the default claims', () => {
    const identity = identityFromClaims(
      { tid: 'acme', sub: 'u1', role: 'analyst', department: 'fin' },
      defaults,
    );
    expect(identity).toMatchObject({
      tenant: 'acme',
      user: { id: 'u1', role: 'analyst', department: 'fin' },
      via: 'jwt',
      admin: false,
    });
  });

  it('takes the first string of a role list', () => {
    const identity = identityFromClaims({ tid: 'acme', role: [7, 'analyst', 'viewer'] }, defaults);
    expect(identity.user.role).toBe('analyst');
    expect(identityFromClaims({ tid: 'acme', role: [] }, defaults).user.role).toBeUndefined();
    expect(identityFromClaims({ tid: 'acme', role: { x: 1 } }, defaults).user.role).toBeUndefined();
  });

  it('follows a custom mapping, namespaced and nested claims, and attributes', () => {
    const mapping = claimMappingSchema.parse({
      tenant: 'org',
      user_id: 'email',
      role: 'https://example.com/roles',
      department: 'profile.dept',
      attributes: { team: 'team', level: 'level' },
    });
    const identity = identityFromClaims(
      {
        org: 'globex',
        email: 'a@globex.test',
        'https://example.com/roles': ['admin'],
        profile: { dept: 'legal' },
        team: 'blue',
        level: 3,
      },
      mapping,
    );
    expect(identity).toMatchObject({
      tenant: 'globex',
      user: { id: 'a@globex.test', role: 'admin', department: 'legal' },
      attributes: { team: 'blue', level: '3' },
      admin: false,
    });
  });

  it('grants admin only for a boolean true in the mapped claim', () => {
    const mapping = claimMappingSchema.parse({ admin: 'is_admin' });
    expect(identityFromClaims({ tid: 'a', is_admin: true }, mapping).admin).toBe(true);
    expect(identityFromClaims({ tid: 'a', is_admin: 'true' }, mapping).admin).toBe(false);
    expect(identityFromClaims({ tid: 'a', is_admin: 1 }, mapping).admin).toBe(false);
    // Without a mapping, no claim grants admin.
    expect(identityFromClaims({ tid: 'a', admin: true, is_admin: true }, defaults).admin).toBe(false);
  });

  it('refuses a token without a usable tenant', () => {
    for (const payload of [{}, { tid: '' }, { tid: 'a b' }, { tid: ['acme'] }, { tid: 'x'.repeat(65) }]) {
      expect(() => identityFromClaims(payload, defaults)).toThrow(GatewayError);
    }
  });
});

describe('readClaim', () => {
  it('does not walk into inherited properties', () => {
    expect(readClaim({}, 'constructor')).toBeUndefined();
    expect(readClaim({ a: {} }, 'a.constructor')).toBeUndefined();
    expect(readClaim({ a: ['x'] }, 'a.0')).toBeUndefined();
  });
});
