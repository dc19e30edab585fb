/**
 * OpenAI Chat Completions client ⇄ Anthropic Messages upstream.
 *
 * Requests go OpenAI → Anthropic; responses and errors come back Anthropic → OpenAI (stream
 * events: `openai-to-anthropic.stream.ts`). Everything here is a pure function of its input, so
 * the provider adapter owns all I/O.
 */

import type {
  AnthropicErrorType,
  AnthropicImageBlock,
  AnthropicImageMediaType,
  AnthropicMessage,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicRequestBlock,
  AnthropicStopReason,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
  AnthropicUsage,
} from '../wire/anthropic.ts';
import { anthropicErrorTypeForStatus, isAnthropicErrorType } from '../wire/anthropic.ts';
import type {
  OpenAIAssistantMessage,
  OpenAIChatCompletion,
  OpenAIChatRequest,
  OpenAIErrorBody,
  OpenAIFinishReason,
  OpenAIMessage,
  OpenAITool,
  OpenAIToolCall,
  OpenAIToolChoice,
  OpenAIToolMessage,
  OpenAIUsage,
  OpenAIUserMessage,
} from '../wire/openai.ts';
import { TranslationError } from './errors.ts';
import { collapseContent, parseToolArguments, textOf } from './shared.ts';

/**
 * `max_tokens` is required by Anthropic and optional in OpenAI. 4096 is within the output limit of
 * every Claude model (the Claude 3 family caps output at 4096), so a request that names no limit
 * never fails for asking too much, whichever model serves it.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** Anthropic's temperature range is 0..1 where OpenAI's is 0..2. */
export const ANTHROPIC_MAX_TEMPERATURE = 1;

// ── request: OpenAI → Anthropic ────────────────────────────────────────────

export interface OpenAIToAnthropicRequestOptions {
  /**
   * Send `temperature` and `top_p` (default true). Anthropic API version 2026-10-21 (the one the
   * 1.x official client speaks) no longer has sampling parameters; an adapter that pins that
   * version turns this off, one that pins 2023-06-01 keeps it.
   */
  sampling?: boolean;
}

/**
 * Translate a chat completion request. Throws `TranslationError` (400) for anything Anthropic
 * cannot express rather than dropping it: `n > 1`, audio/file parts, custom or allowed-tools
 * choices, `response_format: json_object`, non-JSON tool arguments.
 *
 * - `system`/`developer` messages, wherever they appear, are collected in order into `system`:
 *   Anthropic has one system prompt, ahead of the conversation.
 * - Consecutive turns of one role are merged (Anthropic requires alternation); `tool` messages
 *   become `tool_result` blocks of a user turn, placed before any text the turn also holds, as the
 *   API requires.
 * - `temperature` is clamped to 0..1 rather than scaled: clients overwhelmingly send values in
 *   0..1, which then mean the same on both sides; only the rarely used 1..2 band is compressed.
 * - Sampling hints Anthropic lacks (`seed`, penalties, `logit_bias`) and image `detail` are dropped:
 *   they change how a reply is sampled, not what was asked.
 */
export function openAIRequestToAnthropic(
  req: OpenAIChatRequest,
  options: OpenAIToAnthropicRequestOptions = {},
): AnthropicMessagesRequest {
  if (req.n != null && req.n > 1) {
    throw new TranslationError(
      'n > 1 is not supported by Anthropic upstreams',
      'unsupported_parameter',
      400,
      'n',
    );
  }
  const system: AnthropicTextBlock[] = [];
  const turns: Turn[] = [];
  for (const [i, message] of req.messages.entries())
    translateMessage(message, `messages[${i}]`, system, turns);
  if (turns.length === 0) {
    throw new TranslationError(
      'at least one non-system message is required',
      'invalid_messages',
      400,
      'messages',
    );
  }

  const out: AnthropicMessagesRequest = {
    model: req.model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages: turns.map(finishTurn),
  };
  if (system.length > 0) out.system = system.length === 1 ? system[0]!.text : system;
  const stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (stop && stop.length > 0) out.stop_sequences = stop;
  if (options.sampling !== false) {
    if (req.temperature != null) {
      out.temperature = Math.min(ANTHROPIC_MAX_TEMPERATURE, Math.max(0, req.temperature));
    }
    if (req.top_p != null) out.top_p = req.top_p;
  }
  if (req.tools && req.tools.length > 0) out.tools = req.tools.map(translateTool);
  const toolChoice = translateToolChoice(req.tool_choice, req.parallel_tool_calls, out.tools !== undefined);
  if (toolChoice) out.tool_choice = toolChoice;
  if (req.user) out.metadata = { user_id: req.user };
  const format = translateResponseFormat(req);
  if (format) out.output_config = { format };
  if (req.stream) out.stream = true;
  return out;
}

interface Turn {
  role: 'user' | 'assistant';
  blocks: AnthropicRequestBlock[];
}

function translateMessage(
  message: OpenAIMessage,
  path: string,
  system: AnthropicTextBlock[],
  turns: Turn[],
): void {
  switch (message.role) {
    case 'system':
    case 'developer':
      system.push({ type: 'text', text: textOf(message.content) });
      return;
    case 'user':
      appendTurn(turns, 'user', userBlocks(message, path));
      return;
    case 'assistant': {
      const blocks = assistantBlocks(message, path);
      // An assistant turn with neither text nor tool calls carries nothing, and Anthropic rejects empty turns.
      if (blocks.length > 0) appendTurn(turns, 'assistant', blocks);
      return;
    }
    case 'tool':
      appendTurn(turns, 'user', [toolResultBlock(message)]);
      return;
    default:
      throw new TranslationError(
        `unsupported message role ${JSON.stringify((message as { role: unknown }).role)}`,
        'invalid_messages',
        400,
        `${path}.role`,
      );
  }
}

function appendTurn(turns: Turn[], role: Turn['role'], blocks: AnthropicRequestBlock[]): void {
  const last = turns.at(-1);
  if (last && last.role === role) last.blocks.push(...blocks);
  else turns.push({ role, blocks });
}

function finishTurn(turn: Turn): AnthropicMessageParam {
  // The API requires tool results to lead a user turn; a stable sort keeps each group's order.
  const blocks =
    turn.role === 'user'
      ? [...turn.blocks.filter(isToolResult), ...turn.blocks.filter((b) => !isToolResult(b))]
      : turn.blocks;
  return { role: turn.role, content: collapseContent(blocks) };
}

function isToolResult(block: AnthropicRequestBlock): boolean {
  return block.type === 'tool_result';
}

function userBlocks(message: OpenAIUserMessage, path: string): AnthropicRequestBlock[] {
  if (typeof message.content === 'string') return [{ type: 'text', text: message.content }];
  return message.content.map((part, j): AnthropicRequestBlock => {
    const partPath = `${path}.content[${j}]`;
    switch (part.type) {
      case 'text':
        return { type: 'text', text: part.text };
      case 'image_url':
        return imageBlock(part.image_url.url, `${partPath}.image_url.url`);
      default:
        throw new TranslationError(
          `content part type ${JSON.stringify(part.type)} is not supported by Anthropic upstreams`,
          'unsupported_content',
          400,
          `${partPath}.type`,
        );
    }
  });
}

const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** `data:` URLs become base64 sources; http(s) URLs are left for Anthropic to fetch. */
export function imageBlock(url: string, param = 'image_url.url'): AnthropicImageBlock {
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  const match = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!match) {
    throw new TranslationError(
      'image_url must be an http(s) URL or a base64 data: URL',
      'invalid_image_url',
      400,
      param,
    );
  }
  const mediaType = match[1]!.toLowerCase().replace('image/jpg', 'image/jpeg');
  const isBase64 = match[2]!.split(';').some((p) => p.toLowerCase() === 'base64');
  if (!isBase64)
    throw new TranslationError('data: image URLs must be base64 encoded', 'invalid_image_url', 400, param);
  if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
    throw new TranslationError(
      `image media type ${mediaType} is not supported (jpeg, png, gif or webp)`,
      'invalid_image_url',
      400,
      param,
    );
  }
  return {
    type: 'image',
    source: { type: 'base64', media_type: mediaType as AnthropicImageMediaType, data: match[3]! },
  };
}

function assistantBlocks(message: OpenAIAssistantMessage, path: string): AnthropicRequestBlock[] {
  const blocks: AnthropicRequestBlock[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    // A refusal in history is what the assistant said; it stays in the conversation as text.
    for (const part of content)
      blocks.push({ type: 'text', text: part.type === 'text' ? part.text : part.refusal });
  }
  for (const [k, call] of (message.tool_calls ?? []).entries())
    blocks.push(toolUseBlock(call, `${path}.tool_calls[${k}]`));
  return blocks;
}

function toolUseBlock(call: OpenAIToolCall, path: string): AnthropicToolUseBlock {
  if (call.type !== 'function') {
    throw new TranslationError(
      'only function tool calls are supported',
      'unsupported_content',
      400,
      `${path}.type`,
    );
  }
  const input = parseToolArguments(call.function.arguments, `${path}.function.arguments`, 400);
  return { type: 'tool_use', id: call.id, name: call.function.name, input };
}

function toolResultBlock(message: OpenAIToolMessage): AnthropicToolResultBlock {
  const content =
    typeof message.content === 'string'
      ? message.content
      : message.content.map((part): AnthropicTextBlock => ({ type: 'text', text: part.text }));
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content };
}

function translateTool(tool: OpenAITool, i: number): AnthropicTool {
  if (tool.type !== 'function') {
    throw new TranslationError(
      `tool type ${JSON.stringify(tool.type)} is not supported by Anthropic upstreams`,
      'unsupported_parameter',
      400,
      `tools[${i}].type`,
    );
  }
  const fn = tool.function;
  // Anthropic requires an object schema; OpenAI lets a tool without parameters omit it.
  const out: AnthropicTool = {
    name: fn.name,
    input_schema: fn.parameters ?? { type: 'object', properties: {} },
  };
  if (fn.description !== undefined) out.description = fn.description;
  if (fn.strict) out.strict = true;
  return out;
}

function translateToolChoice(
  choice: OpenAIToolChoice | undefined,
  parallel: boolean | undefined,
  hasTools: boolean,
): AnthropicToolChoice | undefined {
  const serial = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return hasTools && parallel === false ? { type: 'auto', ...serial } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...serial };
  if (choice === 'required') return { type: 'any', ...serial };
  if (choice.type === 'function') return { type: 'tool', name: choice.function.name, ...serial };
  throw new TranslationError(
    `tool_choice type ${JSON.stringify(choice.type)} is not supported by Anthropic upstreams`,
    'unsupported_parameter',
    400,
    'tool_choice',
  );
}

function translateResponseFormat(
  req: OpenAIChatRequest,
): { type: 'json_schema'; schema: Record<string, unknown> } | undefined {
  const format = req.response_format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_schema' && format.json_schema.schema) {
    return { type: 'json_schema', schema: format.json_schema.schema };
  }
  // JSON mode without a schema has no Anthropic equivalent; guessing a schema would change the request.
  throw new TranslationError(
    `response_format ${format.type} without a schema is not supported by Anthropic upstreams`,
    'unsupported_parameter',
    400,
    'response_format',
  );
}

// ── response: Anthropic → OpenAI ───────────────────────────────────────────

export interface CompletionOptions {
  /** Unix seconds; passed in so the translation stays pure. */
  created: number;
  /** Defaults to the Anthropic message id. */
  id?: string;
  /** Defaults to the model the upstream reports. */
  model?: string;
}

/** Translate a Messages response. Text blocks are joined; thinking blocks have no OpenAI field and are dropped. */
export function anthropicResponseToOpenAI(
  message: AnthropicMessage,
  options: CompletionOptions,
): OpenAIChatCompletion {
  const text = message.content
    .filter((b): b is AnthropicTextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('');
  const toolCalls = message.content
    .filter((b): b is AnthropicToolUseBlock => b.type === 'tool_use')
    .map(
      (b): OpenAIToolCall => ({
        id: b.id,
        type: 'function',
        function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
      }),
    );
  return {
    id: options.id ?? message.id,
    object: 'chat.completion',
    created: options.created,
    model: options.model ?? message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // OpenAI reports `null` content when a turn is only tool calls.
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: anthropicStopReasonToOpenAI(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: anthropicUsageToOpenAI(message.usage),
  };
}

export function anthropicStopReasonToOpenAI(reason: AnthropicStopReason | null): OpenAIFinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn (a server-tool turn that ended early) and null.
      return 'stop';
  }
}

/**
 * OpenAI's `prompt_tokens` is the whole prompt; Anthropic splits it into uncached input, cache
 * reads and cache writes, so the three are added back together.
 */
export function anthropicUsageToOpenAI(usage: AnthropicUsage): OpenAIUsage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const prompt = usage.input_tokens + cacheRead + cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output_tokens,
    total_tokens: prompt + usage.output_tokens,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
}

// ── errors: Anthropic → OpenAI ─────────────────────────────────────────────

export interface MappedOpenAIError {
  status: number;
  body: OpenAIErrorBody;
}

/**
 * Status and OpenAI `type`/`code` for each Anthropic error type.
 *
 * `overloaded_error` (Anthropic's non-standard 529) becomes 503: OpenAI clients, proxies and load
 * balancers know 503 as "temporarily unavailable, retry", while 529 is unknown to most of them.
 * The `code` keeps `overloaded` so the cause is not lost.
 */
const OPENAI_ERROR_FOR: Readonly<
  Record<AnthropicErrorType, { status: number; type: string; code: string | null }>
> = {
  invalid_request_error: { status: 400, type: 'invalid_request_error', code: null },
  authentication_error: { status: 401, type: 'authentication_error', code: 'invalid_api_key' },
  billing_error: { status: 402, type: 'insufficient_quota', code: 'insufficient_quota' },
  permission_error: { status: 403, type: 'permission_error', code: null },
  not_found_error: { status: 404, type: 'not_found_error', code: null },
  request_too_large: { status: 413, type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit_error: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  api_error: { status: 500, type: 'server_error', code: null },
  timeout_error: { status: 504, type: 'timeout_error', code: 'timeout' },
  overloaded_error: { status: 503, type: 'server_error', code: 'overloaded' },
};

/**
 * Map an Anthropic error response (any body: JSON error, other JSON, text, nothing) to an OpenAI
 * error and status. The error type decides the status when known; otherwise the upstream status
 * is kept, and anything that is not an HTTP error status becomes 502.
 */
export function anthropicErrorToOpenAI(status: number, body: unknown): MappedOpenAIError {
  const { type, message } = readAnthropicError(body);
  const errorType = type ?? (status >= 400 ? anthropicErrorTypeForStatus(status) : 'api_error');
  if (isAnthropicErrorType(errorType)) {
    const m = OPENAI_ERROR_FOR[errorType];
    return {
      status: m.status,
      body: {
        error: {
          message: message ?? `Upstream error (${errorType})`,
          type: m.type,
          code: m.code,
          param: null,
        },
      },
    };
  }
  // A type this gateway does not know yet: keep it and the upstream's status.
  return {
    status: status >= 400 && status <= 599 ? status : 502,
    body: {
      error: {
        message: message ?? `Upstream error (${errorType})`,
        type: errorType,
        code: null,
        param: null,
      },
    },
  };
}

function readAnthropicError(body: unknown): { type: string | undefined; message: string | undefined } {
  if (typeof body !== 'object' || body === null) return { type: undefined, message: undefined };
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return { type: undefined, message: undefined };
  const { type, message } = error as { type?: unknown; message?: unknown };
  return {
    type: typeof type === 'string' ? type : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}
