import type { ProviderRuntime, Snapshot } from '../../config/snapshot.ts';
import { errors } from '../../errors.ts';
import type { RouteAction } from '../rules/action.ts';
import type { Target } from '../target.ts';
import { providerModel } from '../target-ref.ts';

/**
 * The targets a rule's route action sends a request to: its provider, then its fallback providers.
 * The model is the action's, else the one the client asked for when that provider serves it, else
 * the provider's first listed model.
 */
export function targetsForAction(
  action: RouteAction,
  ruleName: string,
  requested: string | undefined,
  snapshot: Snapshot,
): Target[] {
  const targets: Target[] = [];
  for (const name of [action.provider, ...action.fallbackProviders]) {
    const provider = snapshot.providers.get(name);
    const target = provider && chooseModel(provider, action.model, requested, snapshot);
    if (target) targets.push(target);
  }
  if (targets.length === 0) {
    throw errors.invalidRequest(
      `rule "${ruleName}" routes to ${action.provider}, which serves no model for this request`,
      'no_model_for_rule',
    );
  }
  return targets;
}

/** The target on `provider`: the given model, else the requested one if it serves it, else its first. */
export function chooseModel(
  provider: ProviderRuntime,
  actionModel: string | undefined,
  requested: string | undefined,
  snapshot: Snapshot,
): Target | undefined {
  if (actionModel !== undefined) return providerModel(provider, actionModel);
  if (requested !== undefined) {
    // The requested name may be an alias or a bare model: use the target it has on this provider.
    const onProvider = snapshot.modelIndex.get(requested)?.find((t) => t.provider === provider.name);
    if (onProvider) return onProvider;
    const slash = requested.indexOf('/');
    const bare =
      slash !== -1 && requested.slice(0, slash) === provider.name ? requested.slice(slash + 1) : requested;
    if (provider.models.size === 0 || provider.models.has(bare)) return providerModel(provider, bare);
  }
  const first = provider.config.models[0];
  return first === undefined ? undefined : providerModel(provider, first);
}
