import type { ProviderKind } from '../config/schema.ts';

/**
 * Providers are mostly data (STYLE §3): each kind says which wire API it speaks, where it lives by
 * default, how it authenticates and how it spells its paths. Everything else (forwarding, fallback,
 * streaming) is shared.
 */
export type WireApi = 'openai' | 'anthropic';
export type Operation = 'chat' | 'embeddings';

export interface ProviderProfile {
  readonly api: WireApi;
  readonly defaultBaseUrl: string | undefined;
  authHeaders(apiKey: string): Record<string, string>;
  /** The request path (and query) for an operation, given the base URL's own path prefix. */
  path(op: Operation, basePath: string, model: string, apiVersion: string | undefined): string;
}

function bearer(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}

const OPENAI_PATHS: Record<Operation, string> = { chat: '/chat/completions', embeddings: '/embeddings' };

function openAICompatible(defaultBaseUrl: string | undefined): ProviderProfile {
  return {
    api: 'openai',
    defaultBaseUrl,
    authHeaders: bearer,
    path: (op, basePath) => basePath + OPENAI_PATHS[op],
  };
}

const azureOpenAI: ProviderProfile = {
  api: 'openai',
  defaultBaseUrl: undefined,
  authHeaders: (apiKey) => ({ 'api-key': apiKey }),
  // Azure names the deployment in the path; the deployment plays the role of the model.
  path: (op, basePath, model, apiVersion) =>
    `${basePath}/openai/deployments/${encodeURIComponent(model)}${OPENAI_PATHS[op]}?api-version=${encodeURIComponent(apiVersion ?? '')}`,
};

const anthropic: ProviderProfile = {
  api: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  authHeaders: (apiKey) => ({ 'x-api-key': apiKey }),
  path: (_op, basePath) => `${basePath}/v1/messages`,
};

export const PROFILES: Readonly<Record<ProviderKind, ProviderProfile>> = {
  openai: openAICompatible('https://api.openai.com/v1'),
  'azure-openai': azureOpenAI,
  mistral: openAICompatible('https://api.mistral.ai/v1'),
  ollama: openAICompatible('http://127.0.0.1:11434/v1'),
  vllm: openAICompatible(undefined),
  'openai-compatible': openAICompatible(undefined),
  anthropic,
};
