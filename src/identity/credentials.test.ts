import { describe, expect, it } from 'vitest';
import { looksLikeJwt, readCredential } from './credentials.ts';

describe('readCredential', () => {
  it('finds nothing when no credential header is sent', () => {
    expect(readCredential({ 'content-type': 'application/json' })).toEqual({ kind: 'none' });
  });

  it('reads a Bearer token, whatever the case of the scheme', () => {
    expect(readCredential({ authorization: 'Bearer sk-1' })).toEqual({ kind: 'present', value: 'sk-1' });
    expect(readCredential({ authorization: 'bearer   sk-1 ' })).toEqual({ kind: 'present', value: 'sk-1' });
  });

  it('reads x-api-key (Anthropic) and api-key (Azure)', () => {
    expect(readCredential({ 'x-api-key': 'sk-2' })).toEqual({ kind: 'present', value: 'sk-2' });
    expect(readCredential({ 'api-key': ' sk-3' })).toEqual({ kind: 'present', value: 'sk-3' });
  });

  it('accepts the same value in several headers and refuses different ones', () => {
    expect(readCredential({ authorization: 'Bearer sk-1', 'x-api-key': 'sk-1' })).toEqual({
      kind: 'present',
      value: 'sk-1',
    });
    const conflict = readCredential({ authorization: 'Bearer sk-1', 'x-api-key': 'sk-secret-2' });
    expect(conflict).toEqual({
      kind: 'malformed',
      reason: 'Conflicting credentials: the authorization, x-api-key headers carry different values',
    });
  });

  it('refuses other schemes, empty and repeated headers, never quoting the value', () => {
    const cases = [
      { authorization: 'Basic dXNlcjpzZWNyZXQ=' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer a b' },
      { authorization: '' },
      { 'x-api-key': '   ' },
      { 'x-api-key': ['sk-a', 'sk-b'] },
    ];
    for (const headers of cases) {
      const found = readCredential(headers);
      expect(found.kind).toBe('malformed');
      if (found.kind === 'malformed') expect(found.reason).not.toMatch(/dXNlc|sk-a/);
    }
  });
});

describe('looksLikeJwt', () => {
  it('recognises three base64url segments, the last possibly empty', () => {
    expect(looksLikeJwt('eyJh.eyJz.c2ln')).toBe(true);
    expect(looksLikeJwt('eyJh.eyJz.')).toBe(true);
    expect(looksLikeJwt('sk-acme-123')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.c.d')).toBe(false);
    expect(looksLikeJwt('a+b.c.d')).toBe(false);
  });
});
