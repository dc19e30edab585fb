import { isUtf8 } from 'node:buffer';

/**
 * Every piece of text in a request body that an upstream may read: object keys, string values and
 * numbers (a card number sent as a JSON number), at any depth, in any field. The PII scan reads all of it rather than a list of known fields: the
 * gateway forwards fields it does not know (provider extensions, `user`, `metadata`, `prediction`),
 * and a message `name`, a tool's description or schema and an Anthropic `system` block are prompt
 * text all the same. A field the gateway strips before forwarding (`policy_id`) is read too: reading
 * more than is sent can only make a rule stricter.
 *
 * The payload of a media content part — an image, audio or file part at a message's content
 * position, where the provider decodes base64 into bytes — is read as written too (PII spelled in
 * base64 characters still leaves in the request), and, when it decodes to text (a `text/plain`
 * file, whatever type it declares), as decoded. What media shows or says — an image's pixels, a
 * PDF's compressed text, speech — is not read, nor is media the body only refers to (a URL, an
 * uploaded file's id), nor text a client encodes itself. The walk says whether the body held such
 * media, so that an operator can rate it (`routing.media_sensitivity`).
 *
 * The walk keeps its own stack rather than recursing: JSON.parse accepts nesting far deeper than the
 * call stack would survive. A parsed body has no cycles; so that a value built in code with one ends
 * the walk instead of looping, containers past the first few dozen are remembered and walked once.
 */

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where a media part keeps its payload: the object holding it, and the key. */
type PayloadSlots = Map<JsonObject, string>;

/**
 * What a content part carries when it is a media part of the OpenAI chat or Responses API or of
 * Anthropic's: the slot of an inline base64 payload, or `reference` when its content is elsewhere
 * (a URL, an uploaded file's id). Undefined for any other part, and for an Anthropic `document`
 * whose source is `text` or `content`: that is text, read like any other.
 */
function mediaPayload(part: JsonObject): readonly [JsonObject, string] | 'reference' | undefined {
  const { type } = part;
  if (type === 'image_url') {
    if (isObject(part.image_url)) return [part.image_url, 'url'];
    return typeof part.image_url === 'string' ? [part, 'image_url'] : 'reference';
  }
  if (type === 'input_image') return typeof part.image_url === 'string' ? [part, 'image_url'] : 'reference';
  if (type === 'input_audio') return isObject(part.input_audio) ? [part.input_audio, 'data'] : 'reference';
  if (type === 'file')
    return isObject(part.file) && 'file_data' in part.file ? [part.file, 'file_data'] : 'reference';
  if (type === 'input_file') return typeof part.file_data === 'string' ? [part, 'file_data'] : 'reference';
  if (type !== 'image' && type !== 'document') return undefined;
  const source = part.source;
  if (!isObject(source)) return 'reference';
  if (source.type === 'base64') return [source, 'data'];
  return type === 'document' && (source.type === 'text' || source.type === 'content')
    ? undefined
    : 'reference';
}

interface MediaParts {
  /** Inline payloads, to be decoded where the walk meets them; undefined when there are none. */
  slots: PayloadSlots | undefined;
  /** A media part whose content is not in the body at all (a URL, a file id). */
  referenced: boolean;
}

/**
 * The media parts at a message's content position: `messages[i].content[j]`, and one level into a
 * `tool_result`'s content, which holds parts too.
 */
function mediaParts(body: unknown): MediaParts {
  const found: MediaParts = { slots: undefined, referenced: false };
  if (!isObject(body) || !Array.isArray(body.messages)) return found;
  const add = (part: unknown) => {
    const payload = isObject(part) ? mediaPayload(part) : undefined;
    if (payload === 'reference') found.referenced = true;
    else if (payload !== undefined) found.slots = (found.slots ?? new Map()).set(payload[0], payload[1]);
  };
  for (const message of body.messages) {
    if (!isObject(message) || !Array.isArray(message.content)) continue;
    for (const part of message.content) {
      add(part);
      if (isObject(part) && part.type === 'tool_result' && Array.isArray(part.content))
        part.content.forEach(add);
    }
  }
  return found;
}

/** Containers walked before the walk starts remembering them (see the module comment). */
const UNREMEMBERED_CONTAINERS = 64;

/** The longest `data:` URL header (media type and parameters) looked at. */
const MAX_DATA_URL_HEADER = 512;
/** A `base64` parameter in a `data:` URL header. */
const BASE64_PARAMETER = /;\s*base64\s*(?:;|$)/i;
/** The base64 and base64url alphabets, padding and line breaks: what lenient decoders accept. */
const BASE64_TEXT = /^[A-Za-z0-9+/_=\s-]*$/;
/** U+FEFF, read as a 16-bit number in either byte order, marks UTF-16 text and its order. */
const BYTE_ORDER_MARK = 0xfeff;

/** What follows the header of a base64 `data:` URL; undefined when `value` is not one. */
function base64DataUrlPayload(value: string): string | undefined {
  if (value.slice(0, 5).toLowerCase() !== 'data:') return undefined;
  const comma = value.indexOf(',');
  if (comma === -1 || comma > MAX_DATA_URL_HEADER) return undefined;
  return BASE64_PARAMETER.test(value.slice(5, comma)) ? value.slice(comma + 1) : undefined;
}

/**
 * The text a media payload decodes to, when it is base64 of UTF-8 or BOM-marked UTF-16 text;
 * undefined for anything else (an image, a PDF, a payload that is not base64). Decoded as leniently
 * as decoders upstream do: line breaks, missing padding and the URL-safe alphabet are accepted.
 */
function decodedPayloadText(value: string): string | undefined {
  const payload = base64DataUrlPayload(value) ?? value;
  if (!BASE64_TEXT.test(payload)) return undefined;
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.length >= 2 && bytes.readUInt16LE(0) === BYTE_ORDER_MARK) return bytes.toString('utf16le', 2);
  if (bytes.length >= 2 && bytes.readUInt16BE(0) === BYTE_ORDER_MARK) {
    return bytes
      .subarray(0, bytes.length - (bytes.length % 2))
      .swap16()
      .toString('utf16le', 2);
  }
  if (!isUtf8(bytes)) return undefined;
  // ASCII written as UTF-16 without a byte-order mark is valid UTF-8 with a NUL beside every
  // character, which no detector would see through.
  const text = bytes.toString('utf8');
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

/**
 * Calls `visit` with every key, every string value and every number (as written in decimal) of
 * `body`. Returns whether the body holds media whose content was not read: a media part whose
 * payload is not base64 of text (an image, audio, a PDF), or is not in the body (a URL, a file id).
 */
export function visitBodyText(body: unknown, visit: (text: string) => void): boolean {
  const media = mediaParts(body);
  const slots = media.slots;
  // Only containers wait on the stack; strings are visited where they are met, so a body of a
  // million short strings does not grow the stack to a million entries.
  const stack: object[] = [];
  let containers = 0;
  let seen: Set<object> | undefined;
  let unreadMedia = media.referenced;
  const meet = (value: unknown, holder: JsonObject | undefined, key: string | undefined) => {
    if (typeof value === 'string') {
      visit(value);
      if (holder !== undefined && slots?.get(holder) === key) {
        const decoded = decodedPayloadText(value);
        if (decoded !== undefined) visit(decoded);
        else unreadMedia = true;
      }
    } else if (typeof value === 'number') {
      // A card number sent as a JSON number is still a card number.
      visit(String(value));
    } else if (typeof value === 'object' && value !== null) {
      // A boolean or null is not text.
      containers++;
      if (containers > UNREMEMBERED_CONTAINERS) {
        seen ??= new Set();
        if (seen.has(value)) return;
        seen.add(value);
      }
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
  return unreadMedia;
}
