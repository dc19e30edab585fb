import { describe, expect, it } from 'vitest';
import type { AnthropicStreamEvent } from '../wire/anthropic.ts';
import type { OpenAIChunk } from '../wire/openai.ts';
import { accumulateOpenAI, decodeAnthropicSSE } from './fixtures/accumulate.ts';
import * as AS from './fixtures/anthropic-sse.ts';
import { AnthropicStreamError, createAnthropicToOpenAIStream } from './openai-to-anthropic.stream.ts';

describe('createAnthropicToOpenAIStream', () => {
  const pushAll = (events: AnthropicStreamEvent[], includeUsage?: boolean) => {
    const stream = createAnthropicToOpenAIStream({ model: 'claude-x', created: 42, includeUsage });
    return { stream, chunks: events.flatMap((e) => stream.push(e)) };
  };

  it('emits each piece as its event arrives', () => {
    const stream = createAnthropicToOpenAIStream({ id: 'chatcmpl-1', model: 'claude-x', created: 42 });
    const [start, blockStart, ping, hello] = decodeAnthropicSSE(AS.textStream);
    expect(stream.push(start!)).toEqual([
      {
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: 42,
        model: 'claude-x',
        choices: [
          { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null },
        ],
      },
    ]);
    expect(stream.push(blockStart!)).toEqual([]);
    expect(stream.push(ping!)).toEqual([]);
    expect(stream.push(hello!).map((c) => c.choices[0]!.delta)).toEqual([{ content: 'Hello' }]);
  });

  it('reassembles the text, finish reason and cache-aware usage of a text stream', () => {
    const { stream, chunks } = pushAll(decodeAnthropicSSE(AS.textStream));
    const folded = accumulateOpenAI(chunks);
    expect(folded).toMatchObject({
      role: 'assistant',
      content: 'Hello!',
      toolCalls: [],
      finishReason: 'stop',
    });
    expect(folded.ids).toEqual(new Set(['msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY']));
    const usage = { prompt_tokens: 1025, completion_tokens: 15, total_tokens: 1040 };
    expect(folded.usage).toMatchObject({ ...usage, prompt_tokens_details: { cached_tokens: 1000 } });
    expect(stream.usage).toMatchObject(usage);
    expect(stream.finishReason).toBe('stop');
    // OpenAI's usage chunk has no choices; it comes last.
    expect(chunks.at(-1)!.choices).toEqual([]);
  });

  it('reassembles text and a tool call whose arguments arrive in fragments', () => {
    const { chunks } = pushAll(decodeAnthropicSSE(AS.toolStream));
    const folded = accumulateOpenAI(chunks);
    expect(folded.content).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect(folded.finishReason).toBe('tool_calls');
    expect(folded.toolCalls).toHaveLength(1);
    expect(folded.toolCalls[0]).toMatchObject({
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      function: { name: 'get_weather' },
    });
    expect(JSON.parse(folded.toolCalls[0]!.function.arguments)).toEqual({
      location: 'San Francisco, CA',
      unit: 'fahrenheit',
    });
    // The tool call is OpenAI's index 0 although it is Anthropic's block 1.
    const toolChunks = chunks.filter((c) => c.choices[0]?.delta.tool_calls);
    expect(new Set(toolChunks.map((c) => c.choices[0]!.delta.tool_calls![0]!.index))).toEqual(new Set([0]));
  });

  it('can leave out the usage chunk while still tracking usage', () => {
    const { stream, chunks } = pushAll(decodeAnthropicSSE(AS.textStream), false);
    expect(chunks.every((c: OpenAIChunk) => c.choices.length === 1)).toBe(true);
    expect(stream.usage?.completion_tokens).toBe(15);
  });

  it('throws an OpenAI-shaped error for a mid-stream error event', () => {
    const events = decodeAnthropicSSE(AS.errorStream);
    const stream = createAnthropicToOpenAIStream({ model: 'claude-x', created: 1 });
    const before = events.slice(0, -1).flatMap((e) => stream.push(e));
    expect(accumulateOpenAI(before).content).toBe('Partial');
    let caught: unknown;
    try {
      stream.push(events.at(-1)!);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AnthropicStreamError);
    expect(caught).toMatchObject({
      status: 503,
      body: { error: { message: 'Overloaded', type: 'server_error', code: 'overloaded', param: null } },
    });
  });
});
