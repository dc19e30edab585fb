import { describe, expect, it } from 'vitest';
import type { AnthropicMessage } from '../wire/anthropic.ts';
import type { OpenAIChatRequest } from '../wire/openai.ts';
import { TranslationError } from './errors.ts';
import * as A from './fixtures/anthropic.ts';
import * as O from './fixtures/openai.ts';
import {
  anthropicErrorToOpenAI,
  anthropicResponseToOpenAI,
  anthropicStopReasonToOpenAI,
  DEFAULT_MAX_TOKENS,
  openAIRequestToAnthropic,
} from './openai-to-anthropic.ts';

function translationError(fn: () => unknown): TranslationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TranslationError) return err;
    throw err;
  }
  throw new Error('expected a TranslationError');
}

const user = (content: string) => ({ role: 'user' as const, content });

describe('openAIRequestToAnthropic', () => {
  it('moves a developer message into system and applies the default max_tokens', () => {
    expect(openAIRequestToAnthropic(O.basicRequest)).toEqual({
      model: 'gpt-4o',
      max_tokens: DEFAULT_MAX_TOKENS,
      system: 'You are a helpful assistant.',
      messages: [{ role: 'user', content: 'Hello!' }],
    });
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
  });

  it('collects every system message, merges consecutive turns and maps sampling options', () => {
    const out = openAIRequestToAnthropic(O.multiTurnRequest);
    expect(out.system).toEqual([
      { type: 'text', text: 'You are a helpful assistant.' },
      { type: 'text', text: 'Never mention the weather.' },
    ]);
    expect(out.messages).toEqual([
      { role: 'user', content: 'Who won the world series in 2020?' },
      { role: 'assistant', content: 'The Los Angeles Dodgers won the World Series in 2020.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Where was it played?' },
          { type: 'text', text: 'Answer in one sentence.' },
        ],
      },
    ]);
    expect(out.max_tokens).toBe(300); // max_completion_tokens wins over the deprecated max_tokens
    expect(out.temperature).toBe(1); // clamped from 1.6
    expect(out.top_p).toBe(0.9);
    expect(out.stop_sequences).toEqual(['\n\nHuman:']);
    expect(out.metadata).toEqual({ user_id: 'user-1234' });
    expect(out.stream).toBe(true);
    expect(out).not.toHaveProperty('seed');
  });

  it('keeps max_tokens, array stops and in-range temperatures as they are', () => {
    const out = openAIRequestToAnthropic({
      model: 'm',
      messages: [user('hi')],
      max_tokens: 50,
      stop: ['a', 'b'],
      temperature: 0.3,
    });
    expect(out).toMatchObject({ max_tokens: 50, stop_sequences: ['a', 'b'], temperature: 0.3 });
    expect(
      openAIRequestToAnthropic({ model: 'm', messages: [user('hi')], temperature: -1 }).temperature,
    ).toBe(0);
    const unsampled = openAIRequestToAnthropic(
      { model: 'm', messages: [user('hi')], temperature: 0.3, top_p: 0.5 },
      { sampling: false },
    );
    expect(unsampled).not.toHaveProperty('temperature');
    expect(unsampled).not.toHaveProperty('top_p');
  });

  it('turns http(s) image URLs into url sources and data: URLs into base64 sources', () => {
    const out = openAIRequestToAnthropic(O.visionRequest);
    expect(out.messages[0]!.content).toEqual([
      { type: 'text', text: 'What are in these images? Is there any difference between them?' },
      { type: 'image', source: { type: 'url', url: O.IMAGE_URL } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: O.PNG_BASE64 } },
    ]);
  });

  it('normalises image/jpg and rejects image URLs Anthropic cannot take', () => {
    const image = (url: string): OpenAIChatRequest => ({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }],
    });
    const jpg = openAIRequestToAnthropic(image('data:image/jpg;base64,AAAA'));
    expect(jpg.messages[0]!.content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } },
    ]);
    for (const url of [
      'ftp://example.com/a.png',
      'data:image/svg+xml;base64,AAAA',
      'data:image/png,rawbytes',
    ]) {
      const err = translationError(() => openAIRequestToAnthropic(image(url)));
      expect(err.code).toBe('invalid_image_url');
      expect(err.status).toBe(400);
      expect(err.param).toBe('messages[0].content[0].image_url.url');
    }
  });

  it('maps tools, assistant tool calls and tool results', () => {
    const out = openAIRequestToAnthropic(O.toolRoundTripRequest);
    expect(out.tools).toEqual([
      {
        name: 'get_current_weather',
        description: 'Get the current weather in a given location',
        input_schema: O.weatherParameters,
      },
      { name: 'get_time', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(out.tool_choice).toEqual({ type: 'auto' });
    expect(out.messages).toEqual([
      { role: 'user', content: "What's the weather like in Boston and Paris today?" },
      {
        role: 'assistant',
        content: [
          {
            type: 'tool_use',
            id: 'call_abc123',
            name: 'get_current_weather',
            input: { location: 'Boston, MA' },
          },
          {
            type: 'tool_use',
            id: 'call_def456',
            name: 'get_current_weather',
            input: { location: 'Paris, France', unit: 'celsius' },
          },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'call_abc123',
            content: '{"temperature": 22, "unit": "celsius"}',
          },
          {
            type: 'tool_result',
            tool_use_id: 'call_def456',
            content: [{ type: 'text', text: '{"temperature": 18}' }],
          },
          { type: 'text', text: 'Which one is warmer?' },
        ],
      },
    ]);
  });

  it('puts tool results ahead of text that came before them in a merged user turn', () => {
    const out = openAIRequestToAnthropic({
      model: 'm',
      messages: [
        user('q'),
        {
          role: 'assistant',
          content: 'calling',
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '' } }],
        },
        user('by the way'),
        { role: 'tool', tool_call_id: 't1', content: 'r' },
      ],
    });
    expect(out.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'calling' },
        { type: 'tool_use', id: 't1', name: 'f', input: {} },
      ],
    });
    expect(out.messages[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 't1', content: 'r' },
      { type: 'text', text: 'by the way' },
    ]);
  });

  it('maps every tool_choice and parallel_tool_calls: false', () => {
    const tools = O.toolRoundTripRequest.tools;
    const choice = (tool_choice: OpenAIChatRequest['tool_choice'], parallel_tool_calls?: boolean) =>
      openAIRequestToAnthropic({ model: 'm', messages: [user('x')], tools, tool_choice, parallel_tool_calls })
        .tool_choice;
    expect(choice('auto')).toEqual({ type: 'auto' });
    expect(choice('required')).toEqual({ type: 'any' });
    expect(choice('none')).toEqual({ type: 'none' });
    expect(choice({ type: 'function', function: { name: 'get_time' } })).toEqual({
      type: 'tool',
      name: 'get_time',
    });
    expect(choice('required', false)).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(choice(undefined, false)).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(choice(undefined)).toBeUndefined();
  });

  it('rejects tool arguments that are not a JSON object, naming the field', () => {
    for (const args of ['{"location": "Bos', '[1,2]', '42']) {
      const err = translationError(() =>
        openAIRequestToAnthropic({
          model: 'm',
          messages: [
            user('x'),
            {
              role: 'assistant',
              tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: args } }],
            },
          ],
        }),
      );
      expect(err).toMatchObject({ code: 'invalid_tool_arguments', status: 400 });
      expect(err.param).toBe('messages[1].tool_calls[0].function.arguments');
    }
  });

  it('rejects what Anthropic cannot express instead of dropping it', () => {
    const cases: Array<[OpenAIChatRequest, string]> = [
      [{ model: 'm', messages: [user('x')], n: 2 }, 'unsupported_parameter'],
      [
        {
          model: 'm',
          messages: [
            { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] },
          ],
        },
        'unsupported_content',
      ],
      [
        { model: 'm', messages: [user('x')], tools: [{ type: 'custom', custom: { name: 'grammar' } }] },
        'unsupported_parameter',
      ],
      [
        {
          model: 'm',
          messages: [user('x')],
          tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } },
        },
        'unsupported_parameter',
      ],
      [
        { model: 'm', messages: [user('x')], response_format: { type: 'json_object' } },
        'unsupported_parameter',
      ],
      [{ model: 'm', messages: [{ role: 'system', content: 'only a system prompt' }] }, 'invalid_messages'],
    ];
    for (const [req, code] of cases)
      expect(translationError(() => openAIRequestToAnthropic(req)).code).toBe(code);
  });

  it('maps a json_schema response_format to output_config and ignores the text format', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
    const out = openAIRequestToAnthropic({
      model: 'm',
      messages: [user('x')],
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema, strict: true } },
    });
    expect(out.output_config).toEqual({ format: { type: 'json_schema', schema } });
    const text = openAIRequestToAnthropic({
      model: 'm',
      messages: [user('x')],
      response_format: { type: 'text' },
    });
    expect(text).not.toHaveProperty('output_config');
  });

  it('drops an empty assistant turn so the user turns around it merge', () => {
    const out = openAIRequestToAnthropic({
      model: 'm',
      messages: [user('a'), { role: 'assistant', content: '' }, user('b')],
    });
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ]);
  });
});

describe('anthropicResponseToOpenAI', () => {
  it('translates a text message', () => {
    expect(anthropicResponseToOpenAI(A.textResponse, { created: 1700000000 })).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi! My name is Claude.', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 2095,
        completion_tokens: 503,
        total_tokens: 2598,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      },
    });
  });

  it('turns tool_use blocks into tool calls with JSON-string arguments', () => {
    const out = anthropicResponseToOpenAI(A.toolUseResponse, {
      created: 1,
      id: 'chatcmpl-x',
      model: 'claude',
    });
    expect(out.id).toBe('chatcmpl-x');
    expect(out.model).toBe('claude');
    expect(out.choices[0]!.finish_reason).toBe('tool_calls');
    expect(out.choices[0]!.message.content).toBe("I'll check the current weather in San Francisco for you.");
    expect(out.choices[0]!.message.tool_calls).toEqual([
      {
        id: 'toolu_01A09q90qw90lq917835lq9',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
      },
    ]);
  });

  it('reports null content when the turn is only tool calls', () => {
    const toolOnly: AnthropicMessage = { ...A.toolUseResponse, content: [A.toolUseResponse.content[1]!] };
    expect(anthropicResponseToOpenAI(toolOnly, { created: 1 }).choices[0]!.message.content).toBeNull();
  });

  it('adds cache reads and writes back into prompt_tokens', () => {
    const out = anthropicResponseToOpenAI(A.cachedResponse, { created: 1 });
    expect(out.usage).toEqual({
      prompt_tokens: 21 + 248 + 1800,
      completion_tokens: 393,
      total_tokens: 21 + 248 + 1800 + 393,
      prompt_tokens_details: { cached_tokens: 1800, cache_write_tokens: 248 },
    });
    expect(out.choices[0]!.finish_reason).toBe('stop');
  });

  it('maps every stop reason', () => {
    expect(anthropicResponseToOpenAI(A.maxTokensResponse, { created: 1 }).choices[0]!.finish_reason).toBe(
      'length',
    );
    expect(anthropicStopReasonToOpenAI('end_turn')).toBe('stop');
    expect(anthropicStopReasonToOpenAI('stop_sequence')).toBe('stop');
    expect(anthropicStopReasonToOpenAI('max_tokens')).toBe('length');
    expect(anthropicStopReasonToOpenAI('model_context_window_exceeded')).toBe('length');
    expect(anthropicStopReasonToOpenAI('tool_use')).toBe('tool_calls');
    expect(anthropicStopReasonToOpenAI('refusal')).toBe('content_filter');
    expect(anthropicStopReasonToOpenAI('pause_turn')).toBe('stop');
    expect(anthropicStopReasonToOpenAI(null)).toBe('stop');
  });
});

describe('anthropicErrorToOpenAI', () => {
  it('maps each documented error type to its status', () => {
    const expected: Array<[string, number, string, string | null]> = [
      ['invalid_request_error', 400, 'invalid_request_error', null],
      ['authentication_error', 401, 'authentication_error', 'invalid_api_key'],
      ['permission_error', 403, 'permission_error', null],
      ['not_found_error', 404, 'not_found_error', null],
      ['request_too_large', 413, 'invalid_request_error', 'request_too_large'],
      ['rate_limit_error', 429, 'rate_limit_error', 'rate_limit_exceeded'],
      ['api_error', 500, 'server_error', null],
      ['overloaded_error', 503, 'server_error', 'overloaded'],
    ];
    for (const [anthropicType, status, type, code] of expected) {
      const out = anthropicErrorToOpenAI(500, {
        type: 'error',
        error: { type: anthropicType, message: 'm' },
      });
      expect(out).toEqual({ status, body: { error: { message: 'm', type, code, param: null } } });
    }
  });

  it('keeps the message of a fixture error and turns 529 into 503', () => {
    expect(anthropicErrorToOpenAI(529, A.overloadedError).status).toBe(503);
    expect(anthropicErrorToOpenAI(400, A.invalidRequestError).body.error.message).toBe(
      'messages: roles must alternate between "user" and "assistant"',
    );
  });

  it('falls back to the status when the body is not an Anthropic error', () => {
    expect(anthropicErrorToOpenAI(429, '<html>busy</html>')).toEqual({
      status: 429,
      body: {
        error: {
          message: 'Upstream error (rate_limit_error)',
          type: 'rate_limit_error',
          code: 'rate_limit_exceeded',
          param: null,
        },
      },
    });
    expect(anthropicErrorToOpenAI(502, null).status).toBe(500);
    expect(anthropicErrorToOpenAI(200, {}).status).toBe(500);
  });

  it('keeps an unknown error type and the upstream status', () => {
    const out = anthropicErrorToOpenAI(409, {
      type: 'error',
      error: { type: 'conflict_error', message: 'busy' },
    });
    expect(out).toEqual({
      status: 409,
      body: { error: { message: 'busy', type: 'conflict_error', code: null, param: null } },
    });
  });
});
