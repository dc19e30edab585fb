import type { ProviderConfig, ProviderKind } from '../config/schema.ts';

/**
 * Providers are mostly data (STYLE §3): each kind says which wire API it speaks, where it lives by
 * default, how it authenticates and how it spells its paths. Everything else (forwarding, fallback,
 * streaming) is shared.
 */
export type WireApi = 'openai' | 'anthropic';
export type Operation = 'chat' | 'embeddings' | 'count_tokens';

export interface ProviderProfile {
  readonly api: WireApi;
  readonly defaultBaseUrl: string | undefined;
  authHeaders(apiKey: string): Record<string, string>;
  /** Headers every request to this kind carries, from its config (before the configured `headers`). */
  defaultHeaders?(config: ProviderConfig): Record<string, string>;
  /**
   * OpenAI-compatible kinds: where a translated Anthropic request puts its `max_tokens`. OpenAI's
   * own API reads `max_completion_tokens` (its reasoning models accept nothing else); most
   * compatible servers (vLLM, Ollama, ...) read only `max_tokens`.
   */
  readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** The request path (and query) for an operation, given the base URL's own path prefix. */
  path(op: Operation, basePath: string, model: string, apiVersion: string | undefined): string;
}

function bearer(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}

const OPENAI_PATHS: Readonly<Partial<Record<Operation, string>>> = {
  chat: '/chat/completions',
  embeddings: '/embeddings',
};

/** Callers only send an OpenAI-compatible provider the operations it has (count_tokens is Anthropic's). */
function openAIPath(op: Operation): string {
  const path = OPENAI_PATHS[op];
  if (path === undefined) throw new Error(`OpenAI-compatible providers have no ${op} endpoint`);
  return path;
}

function openAICompatible(
  defaultBaseUrl: string | undefined,
  maxTokensField: 'max_tokens' | 'max_completion_tokens' = 'max_tokens',
): ProviderProfile {
  return {
    api: 'openai',
    defaultBaseUrl,
    maxTokensField,
    authHeaders: bearer,
    path: (op, basePath) => basePath + openAIPath(op),
  };
}

const azureOpenAI: ProviderProfile = {
  api: 'openai',
  defaultBaseUrl: undefined,
  authHeaders: (apiKey) => ({ 'api-key': apiKey }),
  // Azure names the deployment in the path; the deployment plays the role of the model.
  path: (op, basePath, model, apiVersion) =>
    `${basePath}/openai/deployments/${encodeURIComponent(model)}${openAIPath(op)}?api-version=${encodeURIComponent(apiVersion ?? '')}`,
};

/**
 * The Messages API requires an `anthropic-version` header. 2023-06-01 is the version the API
 * reference documents for every endpoint and the one that still has `temperature`/`top_p`.
 */
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

const anthropic: ProviderProfile = {
  api: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  authHeaders: (apiKey) => ({ 'x-api-key': apiKey }),
  defaultHeaders: (config) => ({
    'anthropic-version': config.anthropic_version ?? DEFAULT_ANTHROPIC_VERSION,
  }),
  path: (op, basePath) =>
    op === 'count_tokens' ? `${basePath}/v1/messages/count_tokens` : `${basePath}/v1/messages`,
};

export const PROFILES: Readonly<Record<ProviderKind, ProviderProfile>> = {
  openai: openAICompatible('https://api.openai.com/v1', 'max_completion_tokens'),
  'azure-openai': azureOpenAI,
  mistral: openAICompatible('https://api.mistral.ai/v1'),
  ollama: openAICompatible('http://127.0.0.1:11434/v1'),
  vllm: openAICompatible(undefined),
  'openai-compatible': openAICompatible(undefined),
  anthropic,
};
