import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { interpolateEnv } from './env.ts';
import { configSchema, type SwitchyardConfig } from './schema.ts';

export interface ConfigIssue {
  /** Where, as `providers[2].base_url`; empty for the document as a whole. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`${source}: invalid configuration\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: SwitchyardConfig;
  /** Values that came from the environment; redacted wherever config is shown. */
  secrets: ReadonlySet<string>;
  source: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export function issuesFromZod(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Parses, interpolates and validates config text. Throws ConfigError listing every problem. */
export function parseConfig(
  text: string,
  source = '<config>',
  env: NodeJS.ProcessEnv = process.env,
): LoadedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const message =
      error instanceof YAMLParseError ? (error.message.split('\n')[0] ?? 'YAML error') : String(error);
    throw new ConfigError(source, [{ path: '', message: `YAML: ${message}` }]);
  }
  const interpolated = interpolateEnv(raw, env);
  const parsed = configSchema.safeParse(interpolated.value);
  const issues = [...interpolated.issues];
  if (!parsed.success) issues.push(...issuesFromZod(parsed.error));
  if (issues.length > 0 || !parsed.success) throw new ConfigError(source, issues);
  return { config: parsed.data, secrets: interpolated.secrets, source };
}

export async function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      { path: '', message: `cannot read file: ${(error as NodeJS.ErrnoException).code ?? error}` },
    ]);
  }
  return parseConfig(text, path, env);
}
