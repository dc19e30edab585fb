import { describe, expect, it } from 'vitest';
import type { OpenAIChunk } from '../wire/openai.ts';
import { createOpenAIToAnthropicStream } from './anthropic-to-openai.stream.ts';
import {
  accumulateAnthropic,
  accumulateOpenAI,
  decodeAnthropicSSE,
  decodeOpenAISSE,
} from './fixtures/accumulate.ts';
import * as AS from './fixtures/anthropic-sse.ts';
import * as OS from './fixtures/openai-sse.ts';
import { createAnthropicToOpenAIStream } from './openai-to-anthropic.stream.ts';

describe('createOpenAIToAnthropicStream', () => {
  const run = (chunks: OpenAIChunk[], inputTokens?: number) => {
    const stream = createOpenAIToAnthropicStream({ model: 'gpt-x', inputTokens });
    const events = [...chunks.flatMap((c) => stream.push(c)), ...stream.end()];
    return { stream, events };
  };

  it('emits the Anthropic event sequence for a text stream', () => {
    const { stream, events } = run(decodeOpenAISSE(OS.textStream), 1100);
    expect(events.map((e) => (e.type === 'content_block_delta' ? `${e.type}:${e.index}` : e.type))).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta:0',
      'content_block_delta:0',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]).toMatchObject({
      message: {
        id: 'msg_chatcmpl-123',
        model: 'gpt-x',
        content: [],
        usage: { input_tokens: 1100, output_tokens: 0 },
      },
    });
    expect(events.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: {
        input_tokens: 176,
        output_tokens: 3,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1024,
      },
    });
    expect(accumulateAnthropic(events).content).toEqual([{ type: 'text', text: 'Hello there!' }]);
    expect(stream.stopReason).toBe('end_turn');
    expect(stream.usage).toMatchObject({ input_tokens: 176, cache_read_input_tokens: 1024 });
  });

  it('opens one block per tool call and streams arguments as input_json_delta', () => {
    const { events } = run(decodeOpenAISSE(OS.toolStream));
    const message = accumulateAnthropic(events);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      {
        type: 'tool_use',
        id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
        name: 'get_current_weather',
        input: { location: 'Boston, MA' },
      },
      { type: 'tool_use', id: 'call_x2', name: 'get_current_weather', input: { location: 'Paris' } },
    ]);
    // Every block is started before its deltas and stopped exactly once.
    const starts = events.filter((e) => e.type === 'content_block_start').map((e) => e.index);
    const stops = events.filter((e) => e.type === 'content_block_stop').map((e) => e.index);
    expect(starts).toEqual([0, 1, 2]);
    expect(stops).toEqual([0, 1, 2]);
  });

  it('emits events as chunks arrive, not at the end', () => {
    const chunks = decodeOpenAISSE(OS.textStream);
    const stream = createOpenAIToAnthropicStream({ id: 'msg_fixed', model: 'gpt-x' });
    expect(stream.push(chunks[0]!).map((e) => e.type)).toEqual(['message_start']);
    expect(stream.push(chunks[1]!)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
    ]);
  });

  it('closes an empty stream properly and ignores input after end', () => {
    const stream = createOpenAIToAnthropicStream({ model: 'gpt-x' });
    expect(stream.end().map((e) => e.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(stream.end()).toEqual([]);
    expect(stream.push(decodeOpenAISSE(OS.textStream)[1]!)).toEqual([]);
  });

  it('invents a tool id when a compatible server omits it', () => {
    const chunk: OpenAIChunk = {
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: '{}' } }] },
          finish_reason: null,
        },
      ],
    };
    const { events } = run([chunk]);
    expect(accumulateAnthropic(events).content).toEqual([
      { type: 'tool_use', id: 'toolu_msg_c1_0', name: 'f', input: {} },
    ]);
  });
});

describe('streaming round trips', () => {
  it('Anthropic events → OpenAI chunks → Anthropic events keeps text, tool calls and stop reason', () => {
    const original = decodeAnthropicSSE(AS.toolStream);
    const toOpenAI = createAnthropicToOpenAIStream({ model: 'm', created: 1 });
    const toAnthropic = createOpenAIToAnthropicStream({ model: 'm' });
    const back = [
      ...original.flatMap((e) => toOpenAI.push(e)).flatMap((c) => toAnthropic.push(c)),
      ...toAnthropic.end(),
    ];
    const before = accumulateAnthropic(original);
    const after = accumulateAnthropic(back);
    expect(after.content).toEqual(before.content);
    expect(after.stop_reason).toBe(before.stop_reason);
    expect(after.usage).toMatchObject({ input_tokens: 472, output_tokens: 89 });
  });

  it('OpenAI chunks → Anthropic events → OpenAI chunks keeps text, tool calls and usage', () => {
    const original = decodeOpenAISSE(OS.toolStream);
    const toAnthropic = createOpenAIToAnthropicStream({ model: 'm' });
    const toOpenAI = createAnthropicToOpenAIStream({ model: 'm', created: 1 });
    const events = [...original.flatMap((c) => toAnthropic.push(c)), ...toAnthropic.end()];
    const back = events.flatMap((e) => toOpenAI.push(e));
    const before = accumulateOpenAI(original);
    const after = accumulateOpenAI(back);
    expect(after.content).toBe(before.content);
    expect(after.toolCalls).toEqual(before.toolCalls);
    expect(after.finishReason).toBe('tool_calls');
    expect(after.usage).toMatchObject({ prompt_tokens: 82, completion_tokens: 40, total_tokens: 122 });
  });
});
