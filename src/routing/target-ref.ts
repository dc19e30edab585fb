import type { ProviderRuntime } from '../config/snapshot.ts';
import { makeTarget, type Target } from './target.ts';

/**
 * Resolves `provider/model` (the model part may itself contain `/`) or a bare `provider` (its first
 * listed model). A provider that lists no models accepts any model named explicitly.
 */
export function resolveTargetRef(
  ref: string,
  providers: ReadonlyMap<string, ProviderRuntime>,
): Target | undefined {
  const slash = ref.indexOf('/');
  const providerName = slash === -1 ? ref : ref.slice(0, slash);
  const provider = providers.get(providerName);
  if (!provider) return undefined;
  if (slash === -1) {
    const first = provider.config.models[0];
    return first === undefined ? undefined : provider.models.get(first);
  }
  return providerModel(provider, ref.slice(slash + 1));
}

/** `model` on `provider`, if the provider serves it. */
export function providerModel(provider: ProviderRuntime, model: string): Target | undefined {
  if (model.length === 0) return undefined;
  if (provider.models.size > 0) return provider.models.get(model);
  return makeTarget(provider.name, model, false);
}

/**
 * A model reference as clients and policies write it: an alias, a bare model name or
 * `provider/model`, expanded into its ordered targets.
 */
export function resolveModelRef(
  ref: string,
  modelIndex: ReadonlyMap<string, readonly Target[]>,
  providers: ReadonlyMap<string, ProviderRuntime>,
): readonly Target[] | undefined {
  const indexed = modelIndex.get(ref);
  if (indexed && indexed.length > 0) return indexed;
  const explicit = resolveTargetRef(ref, providers);
  return explicit ? [explicit] : undefined;
}
