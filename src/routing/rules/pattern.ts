import { checkSync } from './recheck-loader.ts';
/**
 * `matches` reads at most this many characters of a value; a longer value does not match. With the
 * patterns allowed here (at worst quadratic), this bounds one test to about a million steps.
 */
export const MAX_MATCHED_LENGTH = 1024;

/** Longer patterns are refused: they make the safety check slow and are a sign of misuse. */
export const MAX_PATTERN_LENGTH = 1000;

/**
 * The safety check runs synchronously when a rule is accepted (config load, admin API), so it is
 * bounded; a check that times out says "unknown", which is refused like "vulnerable".
 */
export const SAFETY_CHECK_TIMEOUT_MS = 2000;

export type PatternCompilation = { readonly regex: RegExp } | { readonly problem: string };

/**
 * Reloads recompile every rule, so verdicts are remembered per pattern source. Bounded, because
 * rules arrive through the admin API too.
 */
const MAX_REMEMBERED_VERDICTS = 1000;
const verdicts = new Map<string, string | null>();

/**
 * Compiles a `matches` pattern once, refusing patterns that do not compile and patterns that
 * recheck cannot prove free of catastrophic backtracking. Patterns use no flags: matching is
 * case-sensitive and unanchored (`RegExp.prototype.test`), and no `g`/`y` flag means no
 * `lastIndex` state is shared between requests.
 */
export function compilePattern(source: string): PatternCompilation {
  if (source.length > MAX_PATTERN_LENGTH) {
    return { problem: `pattern is longer than ${MAX_PATTERN_LENGTH} characters` };
  }
  let regex: RegExp;
  try {
    regex = new RegExp(source);
  } catch (error) {
    return { problem: `pattern does not compile: ${(error as Error).message}` };
  }
  const problem = safetyProblem(source);
  return problem === null ? { regex } : { problem };
}

function safetyProblem(source: string): string | null {
  const remembered = verdicts.get(source);
  if (remembered !== undefined) return remembered;
  const { problem, definitive } = checkSafety(source);
  // An inconclusive check (a timeout on a busy machine) may succeed next time: not remembered.
  if (!definitive) return problem;
  if (verdicts.size >= MAX_REMEMBERED_VERDICTS) verdicts.clear();
  verdicts.set(source, problem);
  return problem;
}

interface SafetyVerdict {
  /** `null` when the pattern is safe. */
  readonly problem: string | null;
  readonly definitive: boolean;
}

function checkSafety(source: string): SafetyVerdict {
  const quoted = JSON.stringify(source);
  let diagnostics: ReturnType<typeof checkSync>;
  try {
    diagnostics = checkSync(source, '', { timeout: SAFETY_CHECK_TIMEOUT_MS });
  } catch (error) {
    const problem = `pattern ${quoted} could not be checked for catastrophic backtracking (${(error as Error).message}); refused`;
    return { problem, definitive: false };
  }
  switch (diagnostics.status) {
    case 'safe':
      return { problem: null, definitive: true };
    case 'vulnerable':
      // Quadratic patterns (`claude.*sonnet`) are everyday rules; their cost stays small because
      // `matches` never reads more than MAX_MATCHED_LENGTH characters. Anything worse is refused.
      if (diagnostics.complexity.type === 'polynomial' && diagnostics.complexity.degree <= 2) {
        return { problem: null, definitive: true };
      }
      return {
        problem:
          `pattern ${quoted} is vulnerable to catastrophic backtracking ` +
          `(${diagnostics.complexity.summary}); refused. Anchor it with ^, avoid nested or adjacent ` +
          'repetition, or use the contains operator',
        definitive: true,
      };
    case 'unknown':
      return {
        problem:
          `pattern ${quoted} could not be proven safe from catastrophic backtracking ` +
          `(${describeUnknown(diagnostics.error)}); refused`,
        definitive: false,
      };
  }
}

function describeUnknown(error: { kind: string; message?: string }): string {
  return error.message === undefined ? error.kind : `${error.kind}: ${error.message}`;
}
