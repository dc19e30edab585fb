/**
 * OpenAI Chat Completions wire format: the subset Switchyard reads, writes or translates.
 *
 * Field names and optionality follow the public API reference (and the official `openai` client's
 * type definitions). Fields the gateway only passes through are typed loosely on purpose; fields a
 * translator reads are typed exactly, so a mistake in a mapping is a compile error.
 */

// ── request ────────────────────────────────────────────────────────────────

export interface OpenAITextPart {
  type: 'text';
  text: string;
}

export interface OpenAIImagePart {
  type: 'image_url';
  image_url: {
    /** An `https://` URL or a `data:image/<type>;base64,<data>` URL. */
    url: string;
    detail?: 'auto' | 'low' | 'high';
  };
}

export interface OpenAIAudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: 'wav' | 'mp3' };
}

export interface OpenAIFilePart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
}

export interface OpenAIRefusalPart {
  type: 'refusal';
  refusal: string;
}

export type OpenAIUserContentPart = OpenAITextPart | OpenAIImagePart | OpenAIAudioPart | OpenAIFilePart;

export interface OpenAISystemMessage {
  role: 'system' | 'developer';
  content: string | OpenAITextPart[];
  name?: string;
}

export interface OpenAIUserMessage {
  role: 'user';
  content: string | OpenAIUserContentPart[];
  name?: string;
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: {
    name: string;
    /** JSON text produced by the model; not guaranteed to be valid JSON. */
    arguments: string;
  };
}

export interface OpenAIAssistantMessage {
  role: 'assistant';
  content?: string | Array<OpenAITextPart | OpenAIRefusalPart> | null;
  name?: string;
  refusal?: string | null;
  tool_calls?: OpenAIToolCall[];
}

export interface OpenAIToolMessage {
  role: 'tool';
  content: string | OpenAITextPart[];
  tool_call_id: string;
}

export type OpenAIMessage =
  | OpenAISystemMessage
  | OpenAIUserMessage
  | OpenAIAssistantMessage
  | OpenAIToolMessage;

/** JSON Schema object; kept opaque because the gateway never interprets it. */
export type JSONSchema = Record<string, unknown>;

export interface OpenAIFunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: JSONSchema;
    strict?: boolean | null;
  };
}

/** Grammar-constrained "custom" tools exist in the API; they have no Anthropic equivalent. */
export interface OpenAICustomTool {
  type: 'custom';
  custom: { name: string; description?: string; format?: unknown };
}

export type OpenAITool = OpenAIFunctionTool | OpenAICustomTool;

export interface OpenAINamedToolChoice {
  type: 'function';
  function: { name: string };
}

export interface OpenAIAllowedToolsChoice {
  type: 'allowed_tools';
  allowed_tools: { mode: 'auto' | 'required'; tools: Array<Record<string, unknown>> };
}

export type OpenAIToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | OpenAINamedToolChoice
  | OpenAIAllowedToolsChoice;

export type OpenAIResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: JSONSchema; strict?: boolean | null };
    };

export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIMessage[];
  /** Deprecated by OpenAI in favour of `max_completion_tokens`, still what most compatible servers read. */
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  tools?: OpenAITool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: OpenAIResponseFormat;
  user?: string;
  seed?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  metadata?: Record<string, string> | null;
}

// ── response ───────────────────────────────────────────────────────────────

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: {
    /** Prompt tokens served from the provider's prompt cache (a subset of `prompt_tokens`). */
    cached_tokens?: number;
    /** Prompt tokens written to the cache (a subset of `prompt_tokens`); not every provider reports it. */
    cache_write_tokens?: number;
    audio_tokens?: number;
  };
  completion_tokens_details?: {
    reasoning_tokens?: number;
    audio_tokens?: number;
    accepted_prediction_tokens?: number;
    rejected_prediction_tokens?: number;
  };
}

export interface OpenAIResponseMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  tool_calls?: OpenAIToolCall[];
}

export interface OpenAIChoice {
  index: number;
  message: OpenAIResponseMessage;
  finish_reason: OpenAIFinishReason;
  logprobs: null;
}

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: OpenAIChoice[];
  usage?: OpenAIUsage;
  system_fingerprint?: string;
}

// ── streaming ──────────────────────────────────────────────────────────────

export interface OpenAIToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface OpenAIDelta {
  role?: 'assistant';
  content?: string | null;
  refusal?: string | null;
  tool_calls?: OpenAIToolCallDelta[];
}

export interface OpenAIChunkChoice {
  index: number;
  delta: OpenAIDelta;
  finish_reason: OpenAIFinishReason | null;
  logprobs?: null;
}

/**
 * One `data:` payload of a streamed completion. With `stream_options.include_usage` the last chunk
 * has `choices: []` and the usage; every other chunk has `usage: null` or none.
 */
export interface OpenAIChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: OpenAIChunkChoice[];
  usage?: OpenAIUsage | null;
  system_fingerprint?: string;
}

// ── errors ─────────────────────────────────────────────────────────────────

export interface OpenAIErrorBody {
  error: {
    message: string;
    type: string;
    code: string | null;
    param: string | null;
  };
}
