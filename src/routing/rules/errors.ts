/** One thing wrong with a rule, located by a path inside the rule (`conditions[0].value`). */
export interface RuleProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * A rule that cannot be accepted. It carries every problem found in the rule, so that
 * `switchyard validate` and the admin API can report them all at once instead of one per attempt.
 */
export class RuleError extends Error {
  override readonly name = 'RuleError';
  readonly rule: string;
  readonly problems: readonly RuleProblem[];

  constructor(rule: string, problems: readonly RuleProblem[]) {
    super(formatRuleError(rule, problems));
    this.rule = rule;
    this.problems = problems;
  }
}

function formatRuleError(rule: string, problems: readonly RuleProblem[]): string {
  const parts = problems.map(formatProblem);
  return `rule "${rule}": ${parts.join('; ')}`;
}

function formatProblem(problem: RuleProblem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
}

/** `conditions[0].value` style paths, the form config authors see in their YAML. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
