import type { Pool } from 'undici';
import type { AdminKeyTable } from '../identity/admin-keys.ts';
import type { Authenticator } from '../identity/authenticate.ts';
import type { McpRuntime } from '../mcp/compile.ts';
import type { ProviderProfile } from '../providers/profiles.ts';
import type { RoutingRuntime } from '../routing/routing-runtime.ts';
import type { Target } from '../routing/target.ts';
import type { ProviderConfig, SwitchyardConfig } from './schema.ts';

/**
 * The compiled, immutable runtime form of a validated config (DESIGN §4, STYLE §7). Requests
 * capture one snapshot when they start and use only it; a reload builds a new one and swaps the
 * reference.
 */
export interface ProviderRuntime {
  readonly name: string;
  readonly config: ProviderConfig;
  readonly profile: ProviderProfile;
  /** Path prefix of the base URL (e.g. `/v1`), without a trailing slash. */
  readonly basePath: string;
  readonly pool: Pool;
  /** The circuit-breaker settings, in the shape the breaker takes. */
  readonly breaker: { readonly failureThreshold: number; readonly cooldownMs: number };
  /** Auth and configured extra headers, computed once. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Models this provider serves, each with its target, made once per snapshot so that a decision
   * allocates none; empty means it accepts any model named as `provider/model`.
   */
  readonly models: ReadonlyMap<string, Target>;
}

export interface Snapshot {
  /** Increases with every successful load; reported on /readyz and in logs. */
  readonly generation: number;
  readonly loadedAt: Date;
  readonly source: string;
  readonly config: SwitchyardConfig;
  readonly secrets: ReadonlySet<string>;
  readonly providers: ReadonlyMap<string, ProviderRuntime>;
  /**
   * Every name a client may put in `model`: aliases, bare model names, and `provider/model`, each
   * mapped to its ordered targets. One lookup per request.
   */
  readonly modelIndex: ReadonlyMap<string, readonly Target[]>;
  readonly defaultTargets: readonly Target[] | null;
  /** The `/v1/models` response body, serialized once. */
  readonly modelListJson: string;
  readonly routing: RoutingRuntime;
  readonly authenticator: Authenticator;
  readonly adminKeys: AdminKeyTable;
  /** MCP servers by name, with their policy chains compiled (the `/mcp/<name>` routes). */
  readonly mcp: McpRuntime;
}
