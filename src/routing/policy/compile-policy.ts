import type { ProviderRuntime } from '../../config/snapshot.ts';
import type { PolicyRef } from '../decision.ts';
import { compileRules, type RuleSource } from '../rules/compile.ts';
import { type RuleList, ruleList } from '../rules/rule-index.ts';
import type { Target } from '../target.ts';
import { resolveModelRef } from '../target-ref.ts';
import type { PolicyDocument, PreferenceRouteSpec } from './document.ts';

/**
 * A policy in runtime form (DESIGN §2 step 4): rules compiled to predicates, preference routes and
 * the default with their model references resolved to targets. Built once per document (config
 * load, provider fetch, inline request), then only evaluated.
 */
export interface PreferenceRoute {
  readonly name: string;
  readonly description: string;
  readonly targets: readonly Target[];
  readonly prefer: PreferenceRouteSpec['selection_policy']['prefer'];
}

export interface CompiledPolicy {
  readonly id: string;
  readonly revision: number | undefined;
  readonly source: PolicyRef['source'];
  readonly rules: RuleList;
  readonly preferences: readonly PreferenceRoute[];
  readonly defaultTargets: readonly Target[] | null;
}

export interface ResolveContext {
  readonly providers: ReadonlyMap<string, ProviderRuntime>;
  readonly modelIndex: ReadonlyMap<string, readonly Target[]>;
}

/** Problems found while compiling a policy, each prefixed with where it is. */
export class PolicyCompileError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'PolicyCompileError';
  }
}

export function compilePolicyDocument(
  document: PolicyDocument,
  source: PolicyRef['source'],
  ctx: ResolveContext,
): CompiledPolicy {
  const problems: string[] = [];
  const ruleSource: RuleSource = source === 'inline' ? 'inline' : 'policy';
  const { rules, errors } = compileRules(document.rules, {
    knownProviders: new Set(ctx.providers.keys()),
    source: ruleSource,
  });
  for (const error of errors) problems.push(`rules: ${error.message}`);
  const preferences = compilePreferences(document.routing_preferences, ctx, problems, 'routing_preferences');
  let defaultTargets: readonly Target[] | null = null;
  if (document.default !== undefined) {
    defaultTargets = resolveModelRef(document.default, ctx.modelIndex, ctx.providers) ?? null;
    if (!defaultTargets)
      problems.push(`default: "${document.default}" is not a configured model, alias or provider/model`);
  }
  if (problems.length > 0) throw new PolicyCompileError(problems);
  return {
    id: document.policy_id,
    revision: document.revision,
    source,
    rules: ruleList(rules),
    preferences,
    defaultTargets,
  };
}

export function compilePreferences(
  specs: readonly PreferenceRouteSpec[],
  ctx: ResolveContext,
  problems: string[],
  path: string,
): PreferenceRoute[] {
  const names = new Set<string>();
  return specs.flatMap((spec, index) => {
    const where = `${path}[${index}]`;
    if (names.has(spec.name)) problems.push(`${where}.name: duplicate route "${spec.name}"`);
    if (spec.name === 'other') problems.push(`${where}.name: "other" means "no route" to the router model`);
    names.add(spec.name);
    const targets: Target[] = [];
    spec.models.forEach((ref, i) => {
      const resolved = resolveModelRef(ref, ctx.modelIndex, ctx.providers);
      if (!resolved)
        problems.push(`${where}.models[${i}]: "${ref}" is not a configured model, alias or provider/model`);
      else
        for (const target of resolved) if (!targets.some((t) => t.key === target.key)) targets.push(target);
    });
    return [
      { name: spec.name, description: spec.description, targets, prefer: spec.selection_policy.prefer },
    ];
  });
}
