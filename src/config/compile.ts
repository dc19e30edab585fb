import type { PoolRegistry } from '../forward/pools.ts';
import { compileAdminKeys } from '../identity/admin-keys.ts';
import { createAuthenticator } from '../identity/authenticate.ts';
import { compileMcp } from '../mcp/compile.ts';
import { PROFILES } from '../providers/profiles.ts';
import { compileRouting } from '../routing/compile-routing.ts';
import { makeTarget, type Target } from '../routing/target.ts';
import { resolveTargetRef } from '../routing/target-ref.ts';
import { ConfigError, type ConfigIssue, type LoadedConfig } from './load.ts';
import type { ProviderConfig } from './schema.ts';
import type { ProviderRuntime, Snapshot } from './snapshot.ts';

export interface CompileDeps {
  pools: PoolRegistry;
  generation: number;
}

/** Builds the runtime snapshot. Throws ConfigError for problems only visible across sections. */
export function compileSnapshot(loaded: LoadedConfig, deps: CompileDeps): Snapshot {
  const { config } = loaded;
  const issues: ConfigIssue[] = [];
  const providers = new Map<string, ProviderRuntime>();
  for (const [index, provider] of config.providers.entries()) {
    const runtime = compileProvider(provider, deps.pools, config.server.stream_idle_timeout_ms);
    if (typeof runtime === 'string') issues.push({ path: `providers[${index}].base_url`, message: runtime });
    else providers.set(provider.name, runtime);
  }

  const modelIndex = new Map<string, Target[]>();
  for (const provider of providers.values()) {
    for (const [model, target] of provider.models) {
      modelIndex.set(target.key, [target]);
      // A bare model name served by several providers lists them in config order.
      const bare = modelIndex.get(model) ?? [];
      bare.push(target);
      modelIndex.set(model, bare);
    }
  }

  const resolveRef = (ref: string, path: string): Target | undefined => {
    const target = resolveTargetRef(ref, providers);
    if (!target) issues.push({ path, message: `"${ref}" is not a configured provider/model` });
    return target;
  };

  for (const [alias, refs] of Object.entries(config.models)) {
    if (providers.has(alias)) {
      issues.push({ path: `models.${alias}`, message: 'an alias may not share a provider name' });
    }
    const targets = refs
      .map((ref, i) => resolveRef(ref, `models.${alias}[${i}]`))
      .filter((t): t is Target => t !== undefined);
    // Aliases win over bare model names so an operator can redirect a well-known name.
    modelIndex.set(alias, targets);
  }

  let defaultTargets: Target[] | null = null;
  if (config.routing.default !== undefined) {
    const ref = config.routing.default;
    defaultTargets = modelIndex.get(ref) ?? null;
    if (!defaultTargets) {
      const target = resolveRef(ref, 'routing.default');
      if (target) defaultTargets = [target];
    }
  }

  const routing = compileRouting(config, { providers, modelIndex }, issues);

  if (issues.length > 0) throw new ConfigError(loaded.source, issues);

  return Object.freeze({
    generation: deps.generation,
    loadedAt: new Date(),
    source: loaded.source,
    config,
    secrets: loaded.secrets,
    providers,
    modelIndex,
    defaultTargets,
    modelListJson: buildModelList(modelIndex, config.models),
    routing,
    authenticator: createAuthenticator(config.identity),
    adminKeys: compileAdminKeys(config.admin.keys),
    mcp: compileMcp(config.mcp, config.mcp_servers, deps.pools),
  });
}

function compileProvider(
  provider: ProviderConfig,
  pools: PoolRegistry,
  bodyTimeoutMs: number,
): ProviderRuntime | string {
  const profile = PROFILES[provider.kind];
  const baseUrl = provider.base_url ?? profile.defaultBaseUrl;
  if (!baseUrl) return `required for kind ${provider.kind}`;
  const url = new URL(baseUrl);
  // Kind defaults (e.g. anthropic-version) first, so configured headers can override them.
  const headers: Record<string, string> = { ...profile.defaultHeaders?.(provider) };
  for (const [key, value] of Object.entries(provider.headers)) headers[key.toLowerCase()] = value;
  if (provider.api_key) Object.assign(headers, profile.authHeaders(provider.api_key));
  return {
    name: provider.name,
    config: provider,
    profile,
    basePath: url.pathname.replace(/\/+$/, ''),
    pool: pools.get(url.origin, {
      connections: provider.max_connections,
      headersTimeoutMs: provider.timeout_ms,
      bodyTimeoutMs,
    }),
    headers,
    breaker: {
      failureThreshold: provider.circuit_breaker.failure_threshold,
      cooldownMs: provider.circuit_breaker.cooldown_ms,
    },
    models: new Map(provider.models.map((model) => [model, makeTarget(provider.name, model)])),
  };
}

function buildModelList(
  index: ReadonlyMap<string, readonly Target[]>,
  aliases: Record<string, string[]>,
): string {
  const created = Math.floor(Date.now() / 1000);
  const data = [...index.keys()].map((id) => ({
    id,
    object: 'model',
    created,
    owned_by: id in aliases ? 'switchyard-alias' : (index.get(id)?.[0]?.provider ?? 'switchyard'),
  }));
  return JSON.stringify({ object: 'list', data });
}
