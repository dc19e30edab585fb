import type { Usage } from './codec.ts';

/**
 * Token usage as either API reports it, in the gateway's terms: every prompt token (cached or
 * not) and the completion tokens.
 */
export function openAIUsage(usage: unknown): Usage | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as Record<string, unknown>;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined;
  return { promptTokens: prompt, completionTokens: completion };
}

/** Anthropic's `input_tokens` excludes cache reads and writes, so the three are added back up. */
export function anthropicUsage(usage: unknown): Usage | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const u = usage as Record<string, unknown>;
  if (typeof u.input_tokens !== 'number' || typeof u.output_tokens !== 'number') return undefined;
  return {
    promptTokens: u.input_tokens + count(u.cache_read_input_tokens) + count(u.cache_creation_input_tokens),
    completionTokens: u.output_tokens,
  };
}

function count(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
