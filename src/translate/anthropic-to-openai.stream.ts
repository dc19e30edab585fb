/**
 * OpenAI chat completion chunks → Anthropic stream events, for an Anthropic client served by an
 * OpenAI-compatible upstream. Each chunk is translated as it arrives; the translator keeps only
 * the state of one stream (the open block, the block numbering and the usage).
 */

import type { AnthropicStopReason, AnthropicStreamEvent, AnthropicUsage } from '../wire/anthropic.ts';
import type { OpenAIChunk, OpenAIToolCallDelta } from '../wire/openai.ts';
import { openAIFinishReasonToAnthropic, openAIUsageToAnthropic } from './anthropic-to-openai.ts';

export interface OpenAIToAnthropicStreamOptions {
  /** Message id; defaults to `msg_` + the first chunk's id. */
  id?: string;
  /** The model name the client should see. */
  model: string;
  /**
   * Prompt tokens to report in `message_start` (an estimate: OpenAI reports usage only at the
   * end). The exact count follows in `message_delta`.
   */
  inputTokens?: number;
}

export interface OpenAIToAnthropicStream {
  /** Translate one upstream chunk into the events to send now. */
  push(chunk: OpenAIChunk): AnthropicStreamEvent[];
  /** Call once the upstream sent `[DONE]`: closes the open block, sends message_delta and message_stop. */
  end(): AnthropicStreamEvent[];
  readonly usage: AnthropicUsage | null;
  readonly stopReason: AnthropicStopReason | null;
}

/**
 * Content arrives as text deltas and tool-call fragments keyed by OpenAI tool index; Anthropic
 * wants numbered blocks, each started, filled and stopped in turn. One block is open at a time:
 * text after a tool call (or a new tool call) closes the open block and starts the next.
 * OpenAI-compatible servers send each tool call's fragments contiguously; a fragment for an
 * already-closed tool call is still sent under that block's index, which the official clients
 * accumulate correctly.
 */
export function createOpenAIToAnthropicStream(
  options: OpenAIToAnthropicStreamOptions,
): OpenAIToAnthropicStream {
  let id = options.id ?? '';
  let started = false;
  let ended = false;
  let nextBlock = 0;
  let open: { kind: 'text' | 'tool'; index: number } | null = null;
  const toolBlocks = new Map<number, number>();
  let usage: AnthropicUsage | null = null;
  let stopReason: AnthropicStopReason | null = null;

  function start(out: AnthropicStreamEvent[], chunkId: string): void {
    if (started) return;
    started = true;
    if (!options.id) id = `msg_${chunkId}`;
    out.push({
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: options.inputTokens ?? 0, output_tokens: 0 },
      },
    });
  }

  function closeOpen(out: AnthropicStreamEvent[]): void {
    if (!open) return;
    out.push({ type: 'content_block_stop', index: open.index });
    open = null;
  }

  function appendText(out: AnthropicStreamEvent[], text: string): void {
    if (open?.kind !== 'text') {
      closeOpen(out);
      open = { kind: 'text', index: nextBlock++ };
      out.push({ type: 'content_block_start', index: open.index, content_block: { type: 'text', text: '' } });
    }
    out.push({ type: 'content_block_delta', index: open.index, delta: { type: 'text_delta', text } });
  }

  function appendToolCall(out: AnthropicStreamEvent[], call: OpenAIToolCallDelta): void {
    let index = toolBlocks.get(call.index);
    if (index === undefined) {
      closeOpen(out);
      index = nextBlock++;
      toolBlocks.set(call.index, index);
      open = { kind: 'tool', index };
      out.push({
        type: 'content_block_start',
        index,
        content_block: {
          type: 'tool_use',
          // Some compatible servers omit ids; the client needs one to send the result back.
          id: call.id ?? `toolu_${id}_${call.index}`,
          name: call.function?.name ?? '',
          input: {},
        },
      });
    }
    const fragment = call.function?.arguments;
    if (fragment)
      out.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: fragment },
      });
  }

  return {
    get usage() {
      return usage;
    },
    get stopReason() {
      return stopReason;
    },
    push(chunk) {
      if (ended) return [];
      const out: AnthropicStreamEvent[] = [];
      start(out, chunk.id);
      if (chunk.usage) usage = openAIUsageToAnthropic(chunk.usage);
      const choice = chunk.choices.find((c) => c.index === 0);
      if (!choice) return out;
      const text = (choice.delta.content ?? '') + (choice.delta.refusal ?? '');
      if (text !== '') appendText(out, text);
      for (const call of choice.delta.tool_calls ?? []) appendToolCall(out, call);
      if (choice.finish_reason) {
        stopReason = choice.delta.refusal ? 'refusal' : openAIFinishReasonToAnthropic(choice.finish_reason);
        closeOpen(out);
      }
      return out;
    },
    end() {
      if (ended) return [];
      ended = true;
      const out: AnthropicStreamEvent[] = [];
      start(out, 'stream');
      closeOpen(out);
      // Counters here are totals; the input side is included because message_start only had an estimate.
      out.push({
        type: 'message_delta',
        delta: { stop_reason: stopReason ?? 'end_turn', stop_sequence: null },
        usage: usage ? { ...usage } : { output_tokens: 0 },
      });
      out.push({ type: 'message_stop' });
      return out;
    },
  };
}
