/**
 * Walks the prompt content of chat messages as sent by clients: OpenAI chat messages (`content`
 * as a string or an array of parts, assistant `tool_calls`) and Anthropic messages (content
 * blocks, `tool_use` input, `tool_result` content). Bodies arrive as parsed JSON of unknown shape,
 * so anything unexpected is skipped rather than trusted or thrown on.
 */

export type ContentPiece = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'image' };

const IMAGE: ContentPiece = { kind: 'image' };
const IMAGE_PART_TYPES: ReadonlySet<unknown> = new Set(['image_url', 'image', 'input_image']);

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The messages of a request, or none when `messages` is not an array. */
export function messageList(messages: unknown): readonly unknown[] {
  return Array.isArray(messages) ? messages : [];
}

function text(value: string): ContentPiece {
  return { kind: 'text', text: value };
}

/** Tool input is an object the model wrote; it is part of the prompt all the same. */
function jsonText(value: unknown): ContentPiece | undefined {
  try {
    const json = JSON.stringify(value);
    return typeof json === 'string' ? text(json) : undefined;
  } catch {
    // Cycles or BigInt cannot come from a parsed body; skip them if a caller built one.
    return undefined;
  }
}

/**
 * `nested` is true inside a `tool_result`: its content may hold text and images, but not another
 * tool result, and stopping there keeps a hostile, deeply nested body from recursing deeply.
 */
function* contentPieces(content: unknown, nested: boolean): Generator<ContentPiece> {
  if (typeof content === 'string') {
    yield text(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (typeof part === 'string') {
      yield text(part);
      continue;
    }
    if (!isObject(part)) continue;
    // `text` parts of both APIs, the Responses-style `input_text` / `output_text`, and whatever
    // other part carries a `text` too: it is read whatever the part's type says, and so is what
    // that type carries besides (a `tool_result` with a harmless `text` still has its `content`
    // scanned), since an upstream or a translator may read either.
    if (typeof part.text === 'string') yield text(part.text);
    // Anthropic thinking blocks go back to the model on the next turn.
    if (typeof part.thinking === 'string') yield text(part.thinking);
    if (IMAGE_PART_TYPES.has(part.type)) {
      yield IMAGE;
    } else if (part.type === 'tool_result' && !nested) {
      yield* contentPieces(part.content, true);
    } else if (part.type === 'tool_use') {
      if (typeof part.name === 'string') yield text(part.name);
      const input = jsonText(part.input);
      if (input !== undefined) yield input;
    }
  }
}

function* toolCallPieces(toolCalls: unknown): Generator<ContentPiece> {
  if (!Array.isArray(toolCalls)) return;
  for (const call of toolCalls) {
    if (!isObject(call) || !isObject(call.function)) continue;
    if (typeof call.function.name === 'string') yield text(call.function.name);
    if (typeof call.function.arguments === 'string') yield text(call.function.arguments);
  }
}

/** The text and image pieces of one message, in order; nothing for a malformed message. */
export function* messagePieces(message: unknown): Generator<ContentPiece> {
  if (!isObject(message)) return;
  yield* contentPieces(message.content, false);
  yield* toolCallPieces(message.tool_calls);
}
