import type { ConfigIssue } from '../config/load.ts';
import type { SwitchyardConfig } from '../config/schema.ts';
import { compilePreferences, type ResolveContext } from './policy/compile-policy.ts';
import { compileRouter } from './preferences/compile-router.ts';
import type { RoutingRuntime } from './routing-runtime.ts';
import type { CompiledRule } from './rules/compile.ts';
import { compileRules } from './rules/compile.ts';
import { ruleList } from './rules/rule-index.ts';
import type { Target } from './target.ts';

/** Compiles the `routing` section into its runtime form, adding any problem to `issues`. */
export function compileRouting(
  config: SwitchyardConfig,
  ctx: ResolveContext,
  issues: ConfigIssue[],
): RoutingRuntime {
  const routing = config.routing;
  const knownProviders = new Set(ctx.providers.keys());
  const { rules, errors } = compileRules(routing.rules, { knownProviders, source: 'config' });
  for (const error of errors) issues.push({ path: 'routing.rules', message: error.message });

  const problems: string[] = [];
  const preferences = compilePreferences(
    routing.routing_preferences,
    ctx,
    problems,
    'routing.routing_preferences',
  );
  for (const problem of problems) {
    const colon = problem.indexOf(': ');
    issues.push({ path: problem.slice(0, colon), message: problem.slice(colon + 2) });
  }

  const direct = routing.direct_backend;
  let directBackend: RoutingRuntime['directBackend'] = { header: direct.header, allowed: null };
  if (direct.enabled) {
    const allowed =
      direct.allowed === 'routed'
        ? routedBackends(
            config,
            rules,
            preferences.flatMap((p) => p.targets),
            ctx,
          )
        : new Set(direct.allowed);
    if (direct.allowed !== 'routed') {
      direct.allowed.forEach((entry, index) => {
        const provider = entry.split('/')[0] as string;
        if (!knownProviders.has(provider)) {
          issues.push({
            path: `routing.direct_backend.allowed[${index}]`,
            message: `"${entry}" names no configured provider`,
          });
        }
      });
    }
    directBackend = { header: direct.header, allowed };
  }

  const affinity = routing.session_affinity;
  return {
    enforcedRules: ruleList(rules.filter((rule) => rule.enforce)),
    staticRules: ruleList(rules.filter((rule) => !rule.enforce)),
    preferences,
    directBackend,
    affinity: affinity
      ? { header: affinity.header, ttlSeconds: affinity.ttl_seconds, implicit: affinity.implicit }
      : null,
    inlineMaxBytes: routing.inline_policy.enabled ? routing.inline_policy.max_bytes : null,
    policyProvider: routing.policy_provider ?? null,
    router: compileRouter(routing.router, ctx.providers, issues),
    priceList: routing.price_list ?? null,
    useCaseHeader: routing.use_case_header,
    mediaSensitivity: routing.media_sensitivity,
  };
}

/**
 * `allowed: routed`: the header may name only providers the routing config itself sends traffic
 * to — rule actions and their fallbacks, preference routes, aliases and the default.
 */
function routedBackends(
  config: SwitchyardConfig,
  rules: readonly CompiledRule[],
  preferenceTargets: readonly Target[],
  ctx: ResolveContext,
): Set<string> {
  const allowed = new Set<string>();
  for (const rule of rules) {
    if (rule.action.kind !== 'route') continue;
    allowed.add(rule.action.provider);
    for (const fallback of rule.action.fallbackProviders) allowed.add(fallback);
  }
  for (const target of preferenceTargets) allowed.add(target.provider);
  for (const alias of Object.keys(config.models)) {
    for (const target of ctx.modelIndex.get(alias) ?? []) allowed.add(target.provider);
  }
  if (config.routing.default !== undefined) {
    for (const target of ctx.modelIndex.get(config.routing.default) ?? []) allowed.add(target.provider);
    allowed.add(config.routing.default.split('/')[0] as string);
  }
  return allowed;
}
