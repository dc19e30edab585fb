/**
 * Anthropic stream events → OpenAI chat completion chunks, for an OpenAI client served by an
 * Anthropic upstream. Each event is translated as it arrives; the translator keeps only the
 * state of one stream (the tool-call numbering and the usage so far).
 */

import type {
  AnthropicBlockDelta,
  AnthropicDeltaUsage,
  AnthropicStreamEvent,
  AnthropicUsage,
} from '../wire/anthropic.ts';
import { ANTHROPIC_ERROR_STATUS } from '../wire/anthropic.ts';
import type {
  OpenAIChunk,
  OpenAIDelta,
  OpenAIErrorBody,
  OpenAIFinishReason,
  OpenAIUsage,
} from '../wire/openai.ts';
import {
  anthropicErrorToOpenAI,
  anthropicStopReasonToOpenAI,
  anthropicUsageToOpenAI,
  type MappedOpenAIError,
} from './openai-to-anthropic.ts';

export interface AnthropicToOpenAIStreamOptions {
  /** Chunk id; defaults to the Anthropic message id from `message_start`. */
  id?: string;
  /** The model name the client should see. */
  model: string;
  /** Unix seconds, the same on every chunk. */
  created: number;
  /**
   * Emit OpenAI's final usage chunk (`choices: []`). OpenAI sends it only when the client asked
   * with `stream_options.include_usage`, and naive clients index `choices[0]` of every chunk.
   * Default true; the usage is available from `usage` either way.
   */
  includeUsage?: boolean;
}

export interface AnthropicToOpenAIStream {
  /** Translate one upstream event into the chunks to send now. Throws `AnthropicStreamError` on `error`. */
  push(event: AnthropicStreamEvent): OpenAIChunk[];
  /** Usage so far; complete after `message_delta`. */
  readonly usage: OpenAIUsage | null;
  readonly finishReason: OpenAIFinishReason | null;
}

/** An `event: error` inside an Anthropic stream, already mapped to the OpenAI error shape. */
export class AnthropicStreamError extends Error {
  override readonly name = 'AnthropicStreamError';
  readonly status: number;
  readonly body: OpenAIErrorBody;

  constructor(mapped: MappedOpenAIError) {
    super(mapped.body.error.message);
    this.status = mapped.status;
    this.body = mapped.body;
  }
}

export function createAnthropicToOpenAIStream(
  options: AnthropicToOpenAIStreamOptions,
): AnthropicToOpenAIStream {
  const includeUsage = options.includeUsage ?? true;
  let id = options.id ?? '';
  let usage: AnthropicUsage | null = null;
  let finishReason: OpenAIFinishReason | null = null;
  // Anthropic numbers all content blocks; OpenAI numbers tool calls only.
  const toolIndexByBlock = new Map<number, number>();

  const chunk = (delta: OpenAIDelta, finish: OpenAIFinishReason | null = null): OpenAIChunk => ({
    id,
    object: 'chat.completion.chunk',
    created: options.created,
    model: options.model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });

  function onDelta(index: number, delta: AnthropicBlockDelta): OpenAIChunk[] {
    if (delta.type === 'text_delta') return delta.text === '' ? [] : [chunk({ content: delta.text })];
    if (delta.type === 'input_json_delta') {
      const toolIndex = toolIndexByBlock.get(index);
      if (toolIndex === undefined || delta.partial_json === '') return [];
      return [chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })];
    }
    return []; // thinking, signatures and citations have no chat-completions field
  }

  return {
    get usage() {
      return usage ? anthropicUsageToOpenAI(usage) : null;
    },
    get finishReason() {
      return finishReason;
    },
    push(event) {
      switch (event.type) {
        case 'message_start':
          if (!options.id) id = event.message.id;
          usage = { ...event.message.usage };
          return [chunk({ role: 'assistant', content: '' })];
        case 'content_block_start': {
          const block = event.content_block;
          if (block.type === 'text') return block.text === '' ? [] : [chunk({ content: block.text })];
          if (block.type !== 'tool_use') return [];
          const toolIndex = toolIndexByBlock.size;
          toolIndexByBlock.set(event.index, toolIndex);
          return [
            chunk({
              tool_calls: [
                {
                  index: toolIndex,
                  id: block.id,
                  type: 'function',
                  function: { name: block.name, arguments: '' },
                },
              ],
            }),
          ];
        }
        case 'content_block_delta':
          return onDelta(event.index, event.delta);
        case 'message_delta': {
          usage = mergeDeltaUsage(usage, event.usage);
          finishReason = anthropicStopReasonToOpenAI(event.delta.stop_reason);
          const out = [chunk({}, finishReason)];
          if (includeUsage) out.push({ ...chunk({}), choices: [], usage: anthropicUsageToOpenAI(usage) });
          return out;
        }
        case 'error':
          throw new AnthropicStreamError(
            anthropicErrorToOpenAI(ANTHROPIC_ERROR_STATUS[event.error.type] ?? 500, event),
          );
        default:
          return []; // ping, content_block_stop, message_stop
      }
    },
  };
}

function mergeDeltaUsage(prev: AnthropicUsage | null, delta: AnthropicDeltaUsage): AnthropicUsage {
  // message_delta counters are cumulative totals, so present values replace, never add.
  const next: AnthropicUsage = {
    ...(prev ?? { input_tokens: 0, output_tokens: 0 }),
    output_tokens: delta.output_tokens,
  };
  if (delta.input_tokens != null) next.input_tokens = delta.input_tokens;
  if (delta.cache_read_input_tokens != null) next.cache_read_input_tokens = delta.cache_read_input_tokens;
  if (delta.cache_creation_input_tokens != null)
    next.cache_creation_input_tokens = delta.cache_creation_input_tokens;
  return next;
}
