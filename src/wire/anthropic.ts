/**
 * Anthropic Messages wire format: the subset Switchyard reads, writes or translates.
 *
 * Field names and optionality follow the public API reference (and the official
 * `@anthropic-ai/sdk` type definitions). Server tools, documents, citations and other features
 * the translators do not map are typed only as far as needed to recognise and reject them.
 */

import type { JSONSchema } from './openai.ts';

// ── content blocks ─────────────────────────────────────────────────────────

export interface AnthropicCacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl | null;
  citations?: unknown[] | null;
}

export type AnthropicImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

export interface AnthropicBase64ImageSource {
  type: 'base64';
  media_type: AnthropicImageMediaType;
  data: string;
}

export interface AnthropicURLImageSource {
  type: 'url';
  url: string;
}

export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicBase64ImageSource | AnthropicURLImageSource;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  /** The tool's arguments; the API requires a JSON object. */
  input: Record<string, unknown>;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock>;
  is_error?: boolean;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface AnthropicRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

/** Block types the API defines but the translators do not map (documents, server tools, ...). */
export interface AnthropicOtherBlock {
  type:
    | 'document'
    | 'search_result'
    | 'server_tool_use'
    | 'web_search_tool_result'
    | 'web_fetch_tool_result'
    | 'code_execution_tool_result'
    | 'container_upload';
  [key: string]: unknown;
}

export type AnthropicRequestBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock
  | AnthropicOtherBlock;

/** Blocks of a response (`Message.content`) that the translators understand. */
export type AnthropicResponseBlock =
  | AnthropicTextBlock
  | AnthropicToolUseBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

// ── request ────────────────────────────────────────────────────────────────

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicRequestBlock[];
}

/** Newer API versions also accept `role: 'system'` turns inside `messages`. */
export interface AnthropicSystemMessageParam {
  role: 'system';
  content: string | AnthropicTextBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: JSONSchema;
  /** Absent or `custom` for client tools; server tools carry a versioned type such as `web_search_20250305`. */
  type?: string | null;
  /** Constrain the tool input to the schema (structured outputs). */
  strict?: boolean;
  cache_control?: AnthropicCacheControl | null;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  messages: Array<AnthropicMessageParam | AnthropicSystemMessageParam>;
  system?: string | AnthropicTextBlock[];
  stop_sequences?: string[];
  stream?: boolean;
  /** 0..1 (OpenAI allows 0..2). */
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string | null };
  /** Structured output (JSON schema constrained decoding). */
  output_config?: { format?: { type: 'json_schema'; schema: JSONSchema } | null };
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' };
}

export interface AnthropicCountTokensRequest {
  model: string;
  messages: AnthropicMessagesRequest['messages'];
  system?: AnthropicMessagesRequest['system'];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
}

export interface AnthropicCountTokensResponse {
  input_tokens: number;
}

// ── response ───────────────────────────────────────────────────────────────

export type AnthropicStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

/**
 * Token usage. `input_tokens` counts only uncached prompt tokens: the whole prompt is
 * `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`.
 */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

// ── streaming (SSE) ────────────────────────────────────────────────────────

export interface AnthropicMessageStartEvent {
  type: 'message_start';
  /** The message with empty content; usage holds the prompt side (and a provisional output count). */
  message: AnthropicMessage;
}

export interface AnthropicContentBlockStartEvent {
  type: 'content_block_start';
  index: number;
  /** Text starts as `{type:'text', text:''}`; tool use as `{..., input: {}}`, filled by input_json_delta. */
  content_block: AnthropicResponseBlock;
}

export type AnthropicBlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'citations_delta'; citation: unknown };

export interface AnthropicContentBlockDeltaEvent {
  type: 'content_block_delta';
  index: number;
  delta: AnthropicBlockDelta;
}

export interface AnthropicContentBlockStopEvent {
  type: 'content_block_stop';
  index: number;
}

/** Usage counters in `message_delta` are cumulative totals; input-side fields appear when known. */
export interface AnthropicDeltaUsage {
  output_tokens: number;
  input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export interface AnthropicMessageDeltaEvent {
  type: 'message_delta';
  delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null };
  usage: AnthropicDeltaUsage;
}

export interface AnthropicMessageStopEvent {
  type: 'message_stop';
}

export interface AnthropicPingEvent {
  type: 'ping';
}

/** Sent as `event: error` mid-stream (e.g. `overloaded_error`); same shape as an error body. */
export type AnthropicErrorEvent = AnthropicErrorBody;

export type AnthropicStreamEvent =
  | AnthropicMessageStartEvent
  | AnthropicContentBlockStartEvent
  | AnthropicContentBlockDeltaEvent
  | AnthropicContentBlockStopEvent
  | AnthropicMessageDeltaEvent
  | AnthropicMessageStopEvent
  | AnthropicPingEvent
  | AnthropicErrorEvent;

// ── errors ─────────────────────────────────────────────────────────────────

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string | null;
}

/** The HTTP status the API documents for each error type (529 is Anthropic's own "overloaded"). */
export const ANTHROPIC_ERROR_STATUS: Readonly<Record<AnthropicErrorType, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function isAnthropicErrorType(value: unknown): value is AnthropicErrorType {
  return typeof value === 'string' && Object.hasOwn(ANTHROPIC_ERROR_STATUS, value);
}

/** The error type the API would use for a status, for upstream bodies that lack one. */
export function anthropicErrorTypeForStatus(status: number): AnthropicErrorType {
  for (const [type, code] of Object.entries(ANTHROPIC_ERROR_STATUS)) {
    if (code === status) return type as AnthropicErrorType;
  }
  if (status === 503) return 'overloaded_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}
