import { describe, expect, it } from 'vitest';
import type { AnthropicMessagesRequest } from '../wire/anthropic.ts';
import type { OpenAIChatCompletion } from '../wire/openai.ts';
import {
  anthropicRequestToOpenAI,
  openAIErrorToAnthropic,
  openAIFinishReasonToAnthropic,
  openAIResponseToAnthropic,
} from './anthropic-to-openai.ts';
import { TranslationError } from './errors.ts';
import * as A from './fixtures/anthropic.ts';
import * as O from './fixtures/openai.ts';
import { anthropicResponseToOpenAI, openAIRequestToAnthropic } from './openai-to-anthropic.ts';

function translationError(fn: () => unknown): TranslationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TranslationError) return err;
    throw err;
  }
  throw new Error('expected a TranslationError');
}

const base = { model: 'claude-x', max_tokens: 100 } as const;

describe('anthropicRequestToOpenAI', () => {
  it('puts the system prompt first and maps sampling options', () => {
    expect(anthropicRequestToOpenAI(A.basicRequest)).toEqual({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.\n\nAnswer briefly.' },
        { role: 'user', content: 'Hello, Claude' },
      ],
      max_tokens: 1024,
      stop: ['\n\nHuman:'],
      temperature: 0.5,
      user: 'user-1234',
    });
  });

  it('can send the limit as max_completion_tokens', () => {
    const out = anthropicRequestToOpenAI(A.basicRequest, { maxTokensField: 'max_completion_tokens' });
    expect(out.max_completion_tokens).toBe(1024);
    expect(out).not.toHaveProperty('max_tokens');
  });

  it('turns base64 images into data: URLs and keeps URL images', () => {
    expect(anthropicRequestToOpenAI(A.visionRequest).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${O.PNG_BASE64}` } },
          {
            type: 'image_url',
            image_url: {
              url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg',
            },
          },
          { type: 'text', text: 'Describe these images.' },
        ],
      },
    ]);
  });

  it('maps tools, tool use, tool results and streaming', () => {
    const out = anthropicRequestToOpenAI(A.toolRoundTripRequest);
    expect(out.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Get the current weather in a given location',
          parameters: A.weatherSchema,
        },
      },
    ]);
    expect(out.tool_choice).toBe('required');
    expect(out.parallel_tool_calls).toBe(false);
    expect(out.stream).toBe(true);
    expect(out.stream_options).toEqual({ include_usage: true });
    expect(out.messages).toEqual([
      { role: 'user', content: 'What is the weather like in San Francisco?' },
      {
        role: 'assistant',
        content: "I'll check the current weather in San Francisco for you.",
        tool_calls: [
          {
            id: 'toolu_01A09q90qw90lq917835lq9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
      { role: 'user', content: 'Is that warm?' },
    ]);
  });

  it('maps every tool_choice', () => {
    const choice = (tool_choice: AnthropicMessagesRequest['tool_choice']) =>
      anthropicRequestToOpenAI({ ...base, messages: [{ role: 'user', content: 'x' }], tool_choice })
        .tool_choice;
    expect(choice({ type: 'auto' })).toBe('auto');
    expect(choice({ type: 'any' })).toBe('required');
    expect(choice({ type: 'none' })).toBe('none');
    expect(choice({ type: 'tool', name: 'get_weather' })).toEqual({
      type: 'function',
      function: { name: 'get_weather' },
    });
  });

  it('keeps multi-block tool results as text parts, tool-only assistant turns as null content, system turns in place', () => {
    const out = anthropicRequestToOpenAI({
      ...base,
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              is_error: true,
              content: [
                { type: 'text', text: 'a' },
                { type: 'text', text: 'b' },
              ],
            },
          ],
        },
        { role: 'system', content: 'Be brief from now on.' },
      ],
    });
    expect(out.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      {
        role: 'tool',
        tool_call_id: 't1',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      { role: 'system', content: 'Be brief from now on.' },
    ]);
  });

  it('maps structured output to a json_schema response_format', () => {
    const schema = { type: 'object', properties: {}, additionalProperties: false };
    const out = anthropicRequestToOpenAI({
      ...base,
      messages: [{ role: 'user', content: 'x' }],
      output_config: { format: { type: 'json_schema', schema } },
    });
    expect(out.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: true },
    });
  });

  it('rejects documents, server tools and images inside tool results', () => {
    const doc = translationError(() =>
      anthropicRequestToOpenAI({
        ...base,
        messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x' } }] }],
      }),
    );
    expect(doc).toMatchObject({
      code: 'unsupported_content',
      status: 400,
      param: 'messages[0].content[0].type',
    });
    const tool = translationError(() =>
      anthropicRequestToOpenAI({
        ...base,
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'web_search_20250305', name: 'web_search', input_schema: {} }],
      }),
    );
    expect(tool).toMatchObject({ code: 'unsupported_parameter', param: 'tools[0].type' });
    const image = translationError(() =>
      anthropicRequestToOpenAI({
        ...base,
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't',
                content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA' } }],
              },
            ],
          },
        ],
      }),
    );
    expect(image.code).toBe('unsupported_content');
  });
});

describe('openAIResponseToAnthropic', () => {
  it('splits cached tokens out of prompt_tokens', () => {
    expect(openAIResponseToAnthropic(O.chatCompletion)).toEqual({
      id: 'msg_chatcmpl-123',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-mini',
      content: [{ type: 'text', text: '\n\nHello there, how may I assist you today?' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 86,
        output_tokens: 12,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1920,
      },
    });
  });

  it('parses tool call arguments into tool_use input', () => {
    const out = openAIResponseToAnthropic(O.toolCallCompletion, { id: 'msg_1', model: 'm' });
    expect(out).toMatchObject({ id: 'msg_1', model: 'm', stop_reason: 'tool_use' });
    expect(out.content).toEqual([
      { type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } },
    ]);
  });

  it('maps finish reasons', () => {
    expect(openAIResponseToAnthropic(O.lengthCompletion).stop_reason).toBe('max_tokens');
    expect(openAIFinishReasonToAnthropic('stop')).toBe('end_turn');
    expect(openAIFinishReasonToAnthropic('length')).toBe('max_tokens');
    expect(openAIFinishReasonToAnthropic('tool_calls')).toBe('tool_use');
    expect(openAIFinishReasonToAnthropic('function_call')).toBe('tool_use');
    expect(openAIFinishReasonToAnthropic('content_filter')).toBe('refusal');
    expect(openAIFinishReasonToAnthropic(null)).toBe('end_turn');
  });

  it('reports a refusal as text with the refusal stop reason', () => {
    const refused: OpenAIChatCompletion = {
      ...O.lengthCompletion,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: 'I cannot help.' },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
    };
    expect(openAIResponseToAnthropic(refused)).toMatchObject({
      content: [{ type: 'text', text: 'I cannot help.' }],
      stop_reason: 'refusal',
    });
  });

  it('blames the upstream (502) for broken tool arguments or a missing choice', () => {
    const broken: OpenAIChatCompletion = structuredClone(O.toolCallCompletion);
    broken.choices[0]!.message.tool_calls![0]!.function.arguments = '{"location": ';
    expect(translationError(() => openAIResponseToAnthropic(broken))).toMatchObject({
      code: 'invalid_tool_arguments',
      status: 502,
    });
    expect(
      translationError(() => openAIResponseToAnthropic({ ...O.chatCompletion, choices: [] })),
    ).toMatchObject({
      code: 'invalid_upstream_response',
      status: 502,
    });
  });
});

describe('non-streaming round trip', () => {
  it('non-streaming requests and responses survive a round trip', () => {
    const req = openAIRequestToAnthropic(anthropicRequestToOpenAI(A.toolRoundTripRequest));
    // Thinking is dropped on the way to OpenAI and `top_k`-style extras never return; the rest does.
    expect(req.messages.slice(2)).toEqual(A.toolRoundTripRequest.messages.slice(2));
    expect(req.tool_choice).toEqual(A.toolRoundTripRequest.tool_choice);
    expect(req.tools).toEqual(A.toolRoundTripRequest.tools);
    const msg = openAIResponseToAnthropic(anthropicResponseToOpenAI(A.cachedResponse, { created: 1 }));
    expect(msg.usage).toEqual(A.cachedResponse.usage);
    expect(msg.content).toEqual(A.cachedResponse.content);
  });
});

describe('openAIErrorToAnthropic', () => {
  it('maps documented OpenAI errors by status and code', () => {
    expect(openAIErrorToAnthropic(401, O.invalidKeyError)).toEqual({
      status: 401,
      body: {
        type: 'error',
        error: { type: 'authentication_error', message: O.invalidKeyError.error.message },
      },
    });
    expect(openAIErrorToAnthropic(429, O.rateLimitError).body.error.type).toBe('rate_limit_error');
    expect(openAIErrorToAnthropic(429, O.quotaError)).toMatchObject({
      status: 402,
      body: { error: { type: 'billing_error' } },
    });
  });

  it('maps server-side statuses, keeping overload retryable for Anthropic clients', () => {
    const cases: Array<[number, string, number]> = [
      [400, 'invalid_request_error', 400],
      [403, 'permission_error', 403],
      [404, 'not_found_error', 404],
      [413, 'request_too_large', 413],
      [422, 'invalid_request_error', 400],
      [500, 'api_error', 500],
      [502, 'api_error', 500],
      [503, 'overloaded_error', 529],
      [504, 'timeout_error', 504],
    ];
    for (const [status, type, outStatus] of cases) {
      expect(openAIErrorToAnthropic(status, { error: { message: 'x', type: 'whatever' } })).toEqual({
        status: outStatus,
        body: { type: 'error', error: { type, message: 'x' } },
      });
    }
  });

  it('copes with the error shapes compatible servers send', () => {
    expect(openAIErrorToAnthropic(500, { error: 'model crashed' }).body.error.message).toBe('model crashed');
    expect(openAIErrorToAnthropic(404, { message: 'model "x" not found' }).body.error.message).toBe(
      'model "x" not found',
    );
    expect(openAIErrorToAnthropic(502, 'Bad Gateway').body.error.message).toBe('Upstream error (HTTP 502)');
    // A mid-stream `{error}` payload has no status of its own.
    expect(openAIErrorToAnthropic(0, { error: { message: 'boom', type: 'server_error' } })).toEqual({
      status: 500,
      body: { type: 'error', error: { type: 'api_error', message: 'boom' } },
    });
  });
});
