import { isUtf8 } from 'node:buffer';

/**
 * Every piece of text in a request body that an upstream may read: object keys and string values,
 * at any depth, in any field. The PII scan reads all of it rather than a list of known fields: the
 * gateway forwards fields it does not know (provider extensions, `user`, `metadata`, `prediction`),
 * and a message `name`, a tool's description or schema and an Anthropic `system` block are prompt
 * text all the same. A field the gateway strips before forwarding (`policy_id`) is read too: reading
 * more than is sent can only make a rule stricter.
 *
 * The one exception is the payload of a media content part — an image, audio or file part of a
 * message, where the provider decodes base64 into bytes. There, a payload that is strict base64 is
 * decoded: UTF-8 text (a `text/plain` file) is read as decoded, anything else (an image, a PDF) is
 * not text and is skipped, since megabytes of base64 would cost time and turn up checksummed
 * look-alikes (an IBAN's mod-97 check passes by chance). Only parts at a message's content position
 * qualify — the same shape inside a tool input or `metadata` is text the model reads as written —
 * and a payload that is not strict base64 is read as written.
 *
 * The walk keeps its own stack rather than recursing: JSON.parse accepts nesting far deeper than the
 * call stack would survive. It visits each object or array once, so a value built in code with a
 * cycle (a parsed body has none) ends the walk instead of looping.
 */

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where a media part keeps its payload: the object holding it, and the key. */
type PayloadSlots = Map<JsonObject, string>;

/** Records the payload slot of `part` when it is a media part of either API. */
function addPayloadSlot(part: JsonObject, slots: PayloadSlots): void {
  const { type } = part;
  if (type === 'image_url' && isObject(part.image_url)) slots.set(part.image_url, 'url');
  else if (type === 'input_image' && typeof part.image_url === 'string') slots.set(part, 'image_url');
  else if (type === 'input_audio' && isObject(part.input_audio)) slots.set(part.input_audio, 'data');
  else if (type === 'file' && isObject(part.file)) slots.set(part.file, 'file_data');
  else if (
    (type === 'image' || type === 'document') &&
    isObject(part.source) &&
    part.source.type === 'base64'
  )
    slots.set(part.source, 'data');
}

/**
 * The payload slots of the media parts at a message's content position: `messages[i].content[j]`,
 * and one level into a `tool_result`'s content, which holds parts too.
 */
function payloadSlots(body: unknown): PayloadSlots {
  const slots: PayloadSlots = new Map();
  if (!isObject(body) || !Array.isArray(body.messages)) return slots;
  for (const message of body.messages) {
    if (!isObject(message) || !Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (!isObject(part)) continue;
      addPayloadSlot(part, slots);
      if (part.type !== 'tool_result' || !Array.isArray(part.content)) continue;
      for (const inner of part.content) if (isObject(inner)) addPayloadSlot(inner, slots);
    }
  }
  return slots;
}

/** A `data:` URL's header up to the comma, when it says the data is base64. */
const BASE64_DATA_URL = /^data:[^,]{0,256};base64,/i;
/** Strict base64: the standard alphabet, padding only at the end, nothing else (no whitespace). */
const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Where one padded base64 run ends and another begins (`aGk=c3Nu…`). */
const AFTER_PADDING = /(?<==)(?=[^=])/;

/**
 * The bytes of a base64 payload, or undefined when it is not base64. Runs that were padded and then
 * concatenated are decoded one by one, as a decoder that goes on past the padding reads them
 * (Node's stops at the first `=`, and would hide whatever follows from the scan).
 */
function base64Bytes(payload: string): Buffer | undefined {
  const runs = payload.split(AFTER_PADDING);
  if (!runs.every((run) => run.length % 4 === 0 && STRICT_BASE64.test(run))) return undefined;
  return runs.length === 1
    ? Buffer.from(payload, 'base64')
    : Buffer.concat(runs.map((run) => Buffer.from(run, 'base64')));
}

/**
 * What the model reads of a media payload: its decoded text, or nothing when it decodes to bytes
 * that are not UTF-8 text. A payload that is not strict base64 is read as written.
 */
function payloadText(value: string): string | undefined {
  const header = BASE64_DATA_URL.exec(value);
  const bytes = base64Bytes(header ? value.slice(header[0].length) : value);
  if (bytes === undefined) return value;
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/** Calls `visit` with every key and every readable string value of `body`. */
export function visitBodyText(body: unknown, visit: (text: string) => void): void {
  const slots = payloadSlots(body);
  // Only containers wait on the stack; strings are visited where they are met, so a body of a
  // million short strings does not grow the stack to a million entries.
  const stack: object[] = [];
  const seen = new Set<object>();
  const meet = (value: unknown, holder: JsonObject | undefined, key: string | undefined) => {
    if (typeof value === 'string') {
      const text = holder !== undefined && slots.get(holder) === key ? payloadText(value) : value;
      if (text !== undefined) visit(text);
    } else if (typeof value === 'object' && value !== null && !seen.has(value)) {
      // A container already met is not walked again; a number, boolean or null is not text.
      seen.add(value);
      stack.push(value);
    }
  };
  meet(body, undefined, undefined);
  for (let container = stack.pop(); container !== undefined; container = stack.pop()) {
    if (Array.isArray(container)) {
      // An array item is no object's field: a media payload is a field's own string.
      for (const item of container) meet(item, undefined, undefined);
      continue;
    }
    const object = container as JsonObject;
    for (const field of Object.keys(object)) {
      visit(field);
      meet(object[field], object, field);
    }
  }
}
