/**
 * `$NAME` / `${NAME}` interpolation over the string values of a parsed config (never its keys).
 * `$$` stands for a literal `$`. A variable that is not set is an error naming it and where it was
 * used, so a typo'd secret never silently becomes an empty API key.
 */
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export interface InterpolationIssue {
  path: string;
  message: string;
}

export interface InterpolationResult {
  value: unknown;
  issues: InterpolationIssue[];
  /** Every value substituted from the environment: treated as secrets and redacted in output. */
  secrets: Set<string>;
}

export function interpolateEnv(input: unknown, env: NodeJS.ProcessEnv = process.env): InterpolationResult {
  const issues: InterpolationIssue[] = [];
  const secrets = new Set<string>();

  function substitute(text: string, path: string): string {
    return text.replace(REFERENCE, (match, braced: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      if (value === undefined) {
        issues.push({ path, message: `environment variable ${name} is not set` });
        return '';
      }
      if (value.length > 0) secrets.add(value);
      return value;
    });
  }

  function walk(node: unknown, path: string): unknown {
    if (typeof node === 'string') return node.includes('$') ? substitute(node, path) : node;
    if (Array.isArray(node)) return node.map((item, index) => walk(item, `${path}[${index}]`));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[key] = walk(child, path ? `${path}.${key}` : key);
      return out;
    }
    return node;
  }

  return { value: walk(input, ''), issues, secrets };
}
