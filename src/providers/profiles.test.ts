import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.ts';
import { compileTestProviders } from './codecs/test-providers.ts';

describe('anthropic provider headers', () => {
  it('sends x-api-key and a default anthropic-version, or the configured one', async () => {
    const providers = compileTestProviders(`
  - {name: a, kind: anthropic, api_key: sk-a}
  - {name: b, kind: anthropic, api_key: sk-b, anthropic_version: "2026-10-21"}
  - {name: c, kind: anthropic, api_key: sk-c, headers: {anthropic-version: "2024-01-01"}}`);
    expect(providers.get('a').headers).toEqual({ 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-a' });
    expect(providers.get('b').headers['anthropic-version']).toBe('2026-10-21');
    expect(providers.get('c').headers['anthropic-version']).toBe('2024-01-01');
    expect(providers.get('a').profile.path('count_tokens', '', 'm', undefined)).toBe(
      '/v1/messages/count_tokens',
    );
    await providers.close();
  });

  it('refuses pass_headers that carry credentials or framing, and a malformed version', () => {
    for (const bad of [
      '{name: a, kind: anthropic, pass_headers: [authorization]}',
      '{name: a, kind: anthropic, pass_headers: [x-api-key]}',
      '{name: a, kind: anthropic, pass_headers: [content-length]}',
      '{name: a, kind: anthropic, anthropic_version: latest}',
    ]) {
      expect(() => compileTestProviders(`  - ${bad}`)).toThrow(ConfigError);
    }
  });
});
