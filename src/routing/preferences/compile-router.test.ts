import { afterAll, describe, expect, it } from 'vitest';
import { compileSnapshot } from '../../config/compile.ts';
import { ConfigError, formatIssue, parseConfig } from '../../config/load.ts';
import { PoolRegistry } from '../../forward/pools.ts';

const pools = new PoolRegistry();
afterAll(() => pools.closeAll());

function compile(routing: string) {
  const text = `version: 1
providers:
  - {name: local, kind: vllm, base_url: "http://127.0.0.1:9/v1", models: [arch-router, llama]}
  - {name: claude, kind: anthropic, api_key: x, models: [claude-sonnet-4]}
routing:
${routing}`;
  return compileSnapshot(parseConfig(text, 'test.yaml', {}), { pools, generation: 1 });
}

function issuesOf(routing: string): string[] {
  try {
    compile(routing);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

describe('routing.router', () => {
  it('compiles with its defaults and the provider resolved', () => {
    const router = compile('  router: {provider: local, model: arch-router}').routing.router;
    expect(router).toMatchObject({ timeoutMs: 1500, maxTokens: 32, tokenBudget: 2048 });
    expect(router?.target.key).toBe('local/arch-router');
    expect(router?.provider.name).toBe('local');
    expect(compile('  default: local/llama').routing.router).toBeNull();
  });

  it('refuses a provider that does not exist or does not speak the OpenAI chat API', () => {
    expect(issuesOf('  router: {provider: nowhere, model: arch-router}')).toEqual([
      'routing.router.provider: "nowhere" is not a configured provider',
    ]);
    expect(issuesOf('  router: {provider: claude, model: claude-sonnet-4}')).toEqual([
      'routing.router.provider: "claude" (kind anthropic) does not speak the OpenAI chat API the router is called with',
    ]);
  });

  it('validates its numbers and the price list url', () => {
    expect(issuesOf('  router: {provider: local, model: m, timeout_ms: 0}')).toEqual([
      'routing.router.timeout_ms: Too small: expected number to be >=1',
    ]);
    expect(issuesOf('  price_list: {url: "ftp://x"}')[0]).toMatch(/^routing\.price_list\.url: Invalid URL/);
    expect(compile('  price_list: {url: "https://models.dev/api.json"}').routing.priceList).toMatchObject({
      refresh_seconds: 3600,
    });
  });
});
