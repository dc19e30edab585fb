import type { ConfigIssue } from '../../config/load.ts';
import type { ProviderRuntime } from '../../config/snapshot.ts';
import { makeTarget, type Target } from '../target.ts';
import type { RouterConfig } from './config.ts';

/** `routing.router` in runtime form: its provider's pool and headers resolved once per load. */
export interface RouterRuntime {
  readonly provider: ProviderRuntime;
  readonly target: Target;
  readonly timeoutMs: number;
  readonly maxTokens: number;
  readonly tokenBudget: number;
}

export function compileRouter(
  config: RouterConfig | undefined,
  providers: ReadonlyMap<string, ProviderRuntime>,
  issues: ConfigIssue[],
): RouterRuntime | null {
  if (!config) return null;
  const provider = providers.get(config.provider);
  if (!provider) {
    issues.push({
      path: 'routing.router.provider',
      message: `"${config.provider}" is not a configured provider`,
    });
    return null;
  }
  if (provider.profile.api !== 'openai') {
    issues.push({
      path: 'routing.router.provider',
      message: `"${config.provider}" (kind ${provider.config.kind}) does not speak the OpenAI chat API the router is called with`,
    });
    return null;
  }
  return {
    provider,
    target: makeTarget(provider.name, config.model),
    timeoutMs: config.timeout_ms,
    maxTokens: config.max_tokens,
    tokenBudget: config.conversation_token_budget,
  };
}
