import { beforeEach, describe, expect, it, vi } from 'vitest';
import { compileRule } from './compile.ts';
import { fakeFacts } from './fake-facts.ts';
import { compilePattern, MAX_PATTERN_LENGTH } from './pattern.ts';
import { checkSync } from './recheck-loader.ts';

vi.mock('./recheck-loader.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('./recheck-loader.ts')>();
  return { ...real, checkSync: vi.fn(real.checkSync) };
});

const check = vi.mocked(checkSync);

function problemOf(source: string): string {
  const result = compilePattern(source);
  if ('problem' in result) return result.problem;
  throw new Error(`expected ${source} to be refused`);
}

describe('compilePattern', () => {
  beforeEach(() => {
    check.mockClear();
  });

  it('compiles a safe pattern without flags (case-sensitive, unanchored, stateless)', () => {
    const result = compilePattern('mini$');
    expect('regex' in result && result.regex.flags).toBe('');
    if (!('regex' in result)) return;
    expect(result.regex.test('gpt-4o-mini')).toBe(true);
    expect(result.regex.test('gpt-4o-mini')).toBe(true);
    expect(result.regex.test('GPT-4O-MINI')).toBe(false);
  });

  it('refuses patterns that do not compile, before any safety analysis', () => {
    expect(problemOf('[a-')).toMatch(/^pattern does not compile: Invalid regular expression/);
    expect(check).not.toHaveBeenCalled();
  });

  it('refuses catastrophic patterns, naming the complexity', () => {
    expect(problemOf('^(a+)+$')).toContain('(exponential); refused');
    expect(problemOf('(x+x+)+y')).toContain('vulnerable to catastrophic backtracking');
    expect(problemOf('^(a|a)*$')).toContain('vulnerable to catastrophic backtracking');
    expect(problemOf('.*x.*y.*z')).toContain('4th degree polynomial');
    // Quadratic patterns are everyday rules; `matches` caps the length it reads instead.
    expect('regex' in compilePattern('\\s*,\\s*')).toBe(true);
  });

  it('refuses a pattern whose safety recheck cannot establish', () => {
    check.mockReturnValueOnce({
      source: '^unsure$',
      flags: '',
      status: 'unknown',
      error: { kind: 'timeout' },
    });
    expect(problemOf('^unsure$')).toBe(
      'pattern "^unsure$" could not be proven safe from catastrophic backtracking (timeout); refused',
    );
    // Inconclusive verdicts are not remembered: the next attempt checks again.
    expect(compilePattern('^unsure$')).toHaveProperty('regex');
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('refuses a pattern when the checker itself fails', () => {
    check.mockImplementationOnce(() => {
      throw new Error('boom');
    });
    expect(problemOf('^checker-fails$')).toContain(
      'could not be checked for catastrophic backtracking (boom); refused',
    );
  });

  it('refuses overlong patterns', () => {
    expect(problemOf('a'.repeat(MAX_PATTERN_LENGTH + 1))).toBe(
      `pattern is longer than ${MAX_PATTERN_LENGTH} characters`,
    );
  });

  it('analyses a pattern once, however often rules using it are compiled', () => {
    compilePattern('^remembered-[0-9]+$');
    compilePattern('^remembered-[0-9]+$');
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('does no analysis while evaluating', () => {
    const rule = compileRule(
      {
        name: 'pattern-rule',
        conditions: [{ field: 'request.model', operator: 'matches', value: '^claude-(opus|sonnet)' }],
        action: { provider: 'claude' },
      },
      { knownProviders: new Set(['claude']), source: 'config' },
    );
    check.mockClear();
    for (let i = 0; i < 100; i++) expect(rule.matches(fakeFacts({ model: 'claude-sonnet-4' }))).toBe(true);
    expect(check).not.toHaveBeenCalled();
  });
});
