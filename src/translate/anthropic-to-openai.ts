/**
 * Anthropic Messages client ⇄ OpenAI-compatible upstream (the `POST /v1/messages` ingress served
 * by an OpenAI Chat Completions provider).
 *
 * Requests go Anthropic → OpenAI; responses and errors come back OpenAI → Anthropic (stream
 * chunks: `anthropic-to-openai.stream.ts`). Pure functions; the provider adapter owns all I/O.
 */

import type {
  AnthropicErrorBody,
  AnthropicErrorType,
  AnthropicMessage,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicRequestBlock,
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicSystemMessageParam,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  AnthropicUsage,
} from '../wire/anthropic.ts';
import { ANTHROPIC_ERROR_STATUS } from '../wire/anthropic.ts';
import type {
  OpenAIChatCompletion,
  OpenAIChatRequest,
  OpenAIFinishReason,
  OpenAIFunctionTool,
  OpenAIMessage,
  OpenAITextPart,
  OpenAIToolCall,
  OpenAIToolChoice,
  OpenAIUsage,
  OpenAIUserContentPart,
} from '../wire/openai.ts';
import { TranslationError } from './errors.ts';
import { parseToolArguments, textOf } from './shared.ts';

// ── request: Anthropic → OpenAI ────────────────────────────────────────────

export interface AnthropicToOpenAIRequestOptions {
  /**
   * Where to put `max_tokens`. OpenAI's own reasoning models accept only `max_completion_tokens`;
   * most OpenAI-compatible servers (vLLM, Ollama, ...) read only `max_tokens`. Default `max_tokens`.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

/**
 * Translate a Messages request. Throws `TranslationError` (400) for what an OpenAI-compatible
 * upstream cannot take: documents, server tools, images inside tool results.
 *
 * - `system` becomes the first message (text blocks joined by blank lines, as one string, the form
 *   every OpenAI-compatible server accepts).
 * - A user turn's `tool_result` blocks become `tool` messages ahead of the rest of the turn.
 * - Thinking blocks in earlier assistant turns are dropped: they are the upstream model's private
 *   reasoning, and OpenAI-compatible servers reject them.
 * - `top_k` and `thinking` have no Chat Completions equivalent and are dropped (sampling hints).
 * - Streaming asks for `stream_options.include_usage` so the final `message_delta` can carry usage.
 */
export function anthropicRequestToOpenAI(
  req: AnthropicMessagesRequest,
  options: AnthropicToOpenAIRequestOptions = {},
): OpenAIChatRequest {
  const messages: OpenAIMessage[] = [];
  if (req.system !== undefined) {
    const text = typeof req.system === 'string' ? req.system : req.system.map((b) => b.text).join('\n\n');
    if (text !== '') messages.push({ role: 'system', content: text });
  }
  for (const [i, message] of req.messages.entries())
    messages.push(...translateMessage(message, `messages[${i}]`));

  const out: OpenAIChatRequest = { model: req.model, messages };
  out[options.maxTokensField ?? 'max_tokens'] = req.max_tokens;
  if (req.stop_sequences && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.tools && req.tools.length > 0) out.tools = req.tools.map(translateTool);
  if (req.tool_choice) {
    out.tool_choice = translateToolChoice(req.tool_choice);
    if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use) {
      out.parallel_tool_calls = false;
    }
  }
  if (req.metadata?.user_id) out.user = req.metadata.user_id;
  const format = req.output_config?.format;
  if (format) {
    out.response_format = {
      type: 'json_schema',
      json_schema: { name: 'output', schema: format.schema, strict: true },
    };
  }
  if (req.stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

function translateMessage(
  message: AnthropicMessageParam | AnthropicSystemMessageParam,
  path: string,
): OpenAIMessage[] {
  if (message.role === 'system') return [{ role: 'system', content: textOf(message.content) }];
  if (typeof message.content === 'string') return [{ role: message.role, content: message.content }];
  return message.role === 'user'
    ? userMessages(message.content, path)
    : assistantMessages(message.content, path);
}

function userMessages(blocks: AnthropicRequestBlock[], path: string): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  const parts: OpenAIUserContentPart[] = [];
  blocks.forEach((block, j) => {
    const blockPath = `${path}.content[${j}]`;
    switch (block.type) {
      case 'tool_result':
        out.push({
          role: 'tool',
          tool_call_id: block.tool_use_id,
          content: toolResultContent(block, blockPath),
        });
        return;
      case 'text':
        parts.push({ type: 'text', text: block.text });
        return;
      case 'image':
        parts.push({ type: 'image_url', image_url: { url: imageURL(block.source) } });
        return;
      default:
        throw unsupportedBlock(block.type, blockPath);
    }
  });
  if (parts.length === 0) return out;
  const only = parts.length === 1 ? parts[0] : undefined;
  out.push({ role: 'user', content: only?.type === 'text' ? only.text : parts });
  return out;
}

function imageURL(
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string },
): string {
  return source.type === 'url' ? source.url : `data:${source.media_type};base64,${source.data}`;
}

/** Tool messages carry text only; an image in a tool result has nowhere to go. */
function toolResultContent(block: AnthropicToolResultBlock, path: string): string | OpenAITextPart[] {
  const content = block.content ?? '';
  if (typeof content === 'string') return content;
  const parts = content.map((item, k): OpenAITextPart => {
    if (item.type !== 'text') {
      throw new TranslationError(
        'images inside tool_result are not supported by OpenAI-compatible upstreams',
        'unsupported_content',
        400,
        `${path}.content[${k}]`,
      );
    }
    return { type: 'text', text: item.text };
  });
  return parts.length === 1 ? parts[0]!.text : parts;
}

function assistantMessages(blocks: AnthropicRequestBlock[], path: string): OpenAIMessage[] {
  let text = '';
  const toolCalls: OpenAIToolCall[] = [];
  blocks.forEach((block, j) => {
    switch (block.type) {
      case 'text':
        text += block.text;
        return;
      case 'tool_use':
        toolCalls.push({
          id: block.id,
          type: 'function',
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        return;
      case 'thinking':
      case 'redacted_thinking':
        return;
      default:
        throw unsupportedBlock(block.type, `${path}.content[${j}]`);
    }
  });
  if (text === '' && toolCalls.length === 0) return [];
  if (toolCalls.length === 0) return [{ role: 'assistant', content: text }];
  return [{ role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls }];
}

function unsupportedBlock(type: string, path: string): TranslationError {
  return new TranslationError(
    `content block type ${JSON.stringify(type)} is not supported by OpenAI-compatible upstreams`,
    'unsupported_content',
    400,
    `${path}.type`,
  );
}

function translateTool(tool: AnthropicTool, i: number): OpenAIFunctionTool {
  // Server tools (web search, code execution, ...) run inside Anthropic; an OpenAI upstream cannot run them.
  if (tool.type != null && tool.type !== 'custom') {
    throw new TranslationError(
      `tool type ${JSON.stringify(tool.type)} is not supported by OpenAI-compatible upstreams`,
      'unsupported_parameter',
      400,
      `tools[${i}].type`,
    );
  }
  const fn: OpenAIFunctionTool['function'] = { name: tool.name, parameters: tool.input_schema };
  if (tool.description !== undefined) fn.description = tool.description;
  if (tool.strict) fn.strict = true;
  return { type: 'function', function: fn };
}

function translateToolChoice(choice: AnthropicToolChoice): OpenAIToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
  }
}

// ── response: OpenAI → Anthropic ───────────────────────────────────────────

export interface MessageOptions {
  /** Defaults to `msg_` + the completion id. */
  id?: string;
  /** Defaults to the model the upstream reports. */
  model?: string;
}

/**
 * Translate a chat completion (its first choice). Tool-call arguments that are not a JSON object
 * are the upstream model's fault and raise a `TranslationError` with status 502.
 */
export function openAIResponseToAnthropic(
  completion: OpenAIChatCompletion,
  options: MessageOptions = {},
): AnthropicMessage {
  const choice = completion.choices.find((c) => c.index === 0) ?? completion.choices[0];
  if (!choice) {
    throw new TranslationError(
      'upstream completion has no choices',
      'invalid_upstream_response',
      502,
      'choices',
    );
  }
  const content: AnthropicResponseBlock[] = [];
  const text = choice.message.content ?? '';
  if (text !== '') content.push({ type: 'text', text });
  if (choice.message.refusal) content.push({ type: 'text', text: choice.message.refusal });
  choice.message.tool_calls?.forEach((call, k) => {
    const input = parseToolArguments(
      call.function.arguments,
      `choices[0].message.tool_calls[${k}].function.arguments`,
      502,
    );
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
  });
  return {
    id: options.id ?? `msg_${completion.id}`,
    type: 'message',
    role: 'assistant',
    model: options.model ?? completion.model,
    content,
    stop_reason: choice.message.refusal ? 'refusal' : openAIFinishReasonToAnthropic(choice.finish_reason),
    // OpenAI does not say which stop sequence matched, so a stop is reported as end_turn.
    stop_sequence: null,
    usage: openAIUsageToAnthropic(completion.usage),
  };
}

export function openAIFinishReasonToAnthropic(reason: OpenAIFinishReason | null): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/**
 * Anthropic's `input_tokens` excludes cached tokens; OpenAI's `prompt_tokens` includes them. The
 * cache reads and (where reported) cache writes are split back out.
 */
export function openAIUsageToAnthropic(usage: OpenAIUsage | null | undefined): AnthropicUsage {
  if (!usage) return { input_tokens: 0, output_tokens: 0 };
  const cacheRead = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.prompt_tokens - cacheRead - cacheWrite),
    output_tokens: usage.completion_tokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

// ── errors: OpenAI → Anthropic ─────────────────────────────────────────────

export interface MappedAnthropicError {
  status: number;
  body: AnthropicErrorBody;
}

/**
 * Map an OpenAI-style error response (or a mid-stream `{error}` payload, with the status unknown:
 * pass 0) to an Anthropic error body and status. OpenAI-compatible servers disagree on `type`, so
 * the status decides, refined by the two codes OpenAI documents for 429. A 503 becomes Anthropic's
 * `overloaded_error` with its own 529, so Anthropic clients see the overload they know how to retry.
 */
export function openAIErrorToAnthropic(status: number, body: unknown): MappedAnthropicError {
  const { message, type, code } = readOpenAIError(body);
  const errorType = anthropicTypeFor(status, type, code);
  return {
    status: ANTHROPIC_ERROR_STATUS[errorType],
    body: {
      type: 'error',
      error: { type: errorType, message: message ?? `Upstream error${status ? ` (HTTP ${status})` : ''}` },
    },
  };
}

function anthropicTypeFor(
  status: number,
  type: string | undefined,
  code: string | undefined,
): AnthropicErrorType {
  if (code === 'insufficient_quota' || type === 'insufficient_quota') return 'billing_error';
  if (
    code === 'rate_limit_exceeded' ||
    type === 'rate_limit_error' ||
    type === 'tokens' ||
    type === 'requests'
  ) {
    return 'rate_limit_error';
  }
  switch (status) {
    case 400:
    case 409:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 408:
    case 504:
      return 'timeout_error';
    case 503:
    case 529:
      return 'overloaded_error';
  }
  if (status >= 500) return 'api_error';
  if (status >= 400) return 'invalid_request_error';
  return type === 'invalid_request_error' ? 'invalid_request_error' : 'api_error';
}

function readOpenAIError(body: unknown): { message?: string; type?: string; code?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  // Some compatible servers send `{"error": "text"}` or a bare `{"message": ...}`.
  if (typeof error === 'string') return { message: error };
  const source = typeof error === 'object' && error !== null ? error : body;
  const { message, type, code } = source as { message?: unknown; type?: unknown; code?: unknown };
  const out: { message?: string; type?: string; code?: string } = {};
  if (typeof message === 'string') out.message = message;
  if (typeof type === 'string') out.type = type;
  if (typeof code === 'string') out.code = code;
  return out;
}
