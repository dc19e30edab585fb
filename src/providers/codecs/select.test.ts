import { afterAll, describe, expect, it } from 'vitest';
import { codecsFor } from './select.ts';
import { compileTestProviders } from './test-providers.ts';

const providers = compileTestProviders(`
  - {name: claude, kind: anthropic, api_key: sk-ant}
  - {name: claude-2, kind: anthropic, api_key: sk-ant-2}
  - {name: azure, kind: azure-openai, base_url: "https://x.openai.azure.com", api_key: k, api_version: "2024-10-21"}`);
afterAll(() => providers.close());

describe('codecsFor', () => {
  it('chooses passthrough or translation per target, so one chain can mix provider kinds', () => {
    const fromOpenAI = codecsFor('openai', { body: {} });
    expect(
      [fromOpenAI(providers.get('claude')), fromOpenAI(providers.get('azure'))].map((c) => [
        c.client,
        c.upstream,
      ]),
    ).toEqual([
      ['openai', 'anthropic'],
      ['openai', 'openai'],
    ]);
    const fromAnthropic = codecsFor('anthropic', { body: {} });
    expect(
      [fromAnthropic(providers.get('claude')), fromAnthropic(providers.get('azure'))].map((c) => c.upstream),
    ).toEqual(['anthropic', 'openai']);
  });

  it('makes one codec per provider API for a request', () => {
    const codecFor = codecsFor('anthropic', { body: {} });
    expect(codecFor(providers.get('claude'))).toBe(codecFor(providers.get('claude-2')));
  });
});
