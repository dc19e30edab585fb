/** Small helpers both translation directions need. */

import type { AnthropicRequestBlock } from '../wire/anthropic.ts';
import { TranslationError } from './errors.ts';

/** Text of content that is a string or a list of text parts. */
export function textOf(content: string | readonly { text: string }[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

/** A lone plain text block is sent as a string, the form both APIs document as the usual one. */
export function collapseContent(blocks: AnthropicRequestBlock[]): string | AnthropicRequestBlock[] {
  const only = blocks.length === 1 ? blocks[0] : undefined;
  if (only?.type === 'text' && !only.cache_control && !only.citations) return only.text;
  return blocks;
}

/**
 * Parse tool-call arguments into the JSON object Anthropic requires. An empty string means "no
 * arguments" (some OpenAI-compatible servers send it for parameterless tools). Anything else that
 * is not a JSON object is an error: `status` 400 when the client sent it, 502 when an upstream did.
 */
export function parseToolArguments(text: string, param: string, status: 400 | 502): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TranslationError(
      'tool call arguments are not valid JSON',
      'invalid_tool_arguments',
      status,
      param,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TranslationError(
      'tool call arguments must be a JSON object',
      'invalid_tool_arguments',
      status,
      param,
    );
  }
  return value as Record<string, unknown>;
}
