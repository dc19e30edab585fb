/**
 * Every piece of text in a request body that an upstream may read: object keys and string values,
 * at any depth, in any field. The PII scan reads all of it rather than a list of known fields: the
 * gateway forwards fields it does not know (provider extensions, `user`, `metadata`, `prediction`),
 * and a message `name`, a tool's description or schema and an Anthropic `system` block are prompt
 * text all the same. A field the gateway strips before forwarding (`policy_id`) is read too: reading
 * more than is sent can only make a rule stricter.
 *
 * Base64 payloads are decoded when they declare a textual media type (`data:text/plain;base64,…`, an
 * Anthropic `source` of type `base64` with `media_type: text/plain`): the model reads the decoded
 * text. Other binary payloads — images, audio, PDFs — are skipped: they are not text the scan can
 * read, and megabytes of base64 would cost time and turn up checksummed look-alikes (an IBAN's
 * mod-97 check passes by chance).
 *
 * The walk keeps its own stack rather than recursing: JSON.parse accepts nesting far deeper than the
 * call stack would survive. It visits each object or array once, so a value built in code with a
 * cycle (a parsed body has none) ends the walk instead of looping.
 */

type JsonObject = { readonly [key: string]: unknown };

/** Called with each piece of text; returning true stops the walk (nothing more can change the answer). */
export type TextVisitor = (text: string) => boolean;

/** `data:<media type>[;params];base64,` — the media type captured. */
const BASE64_DATA_URL = /^data:([^,;]{0,127})(?:;[^,;]{0,127}){0,8};base64,/i;
const TEXTUAL_MEDIA_TYPE = /^(?:text\/|application\/(?:json|xml|[\w.+-]*\+(?:json|xml))\b)/i;

function decodedText(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}

/**
 * What the model reads of a string value: the string itself, its decoded text (a textual base64
 * payload), or nothing (a binary one). `holder` is the object the string is a field of, under `key`;
 * `holderKey` is the key the holder itself sits under.
 */
function readableText(
  value: string,
  key: string | undefined,
  holder: JsonObject | undefined,
  holderKey: string | undefined,
): string | undefined {
  const dataUrl = BASE64_DATA_URL.exec(value);
  if (dataUrl) {
    const mediaType = dataUrl[1] ?? '';
    return TEXTUAL_MEDIA_TYPE.test(mediaType) ? decodedText(value.slice(dataUrl[0].length)) : undefined;
  }
  if (key === 'data' && holder) {
    // OpenAI audio input: base64 sound.
    if (holderKey === 'input_audio') return undefined;
    // An Anthropic content source: `{type: 'base64', media_type, data}`.
    if (holder.type === 'base64') {
      const mediaType = typeof holder.media_type === 'string' ? holder.media_type : '';
      return TEXTUAL_MEDIA_TYPE.test(mediaType) ? decodedText(value) : undefined;
    }
  }
  return value;
}

/** Visits every key and readable string value of `body`; true when the visitor stopped the walk. */
export function visitBodyText(body: unknown, visit: TextVisitor): boolean {
  // Parallel stacks: a value, the object it is a field of, its key there, and that object's own key.
  const values: unknown[] = [body];
  const holders: (JsonObject | undefined)[] = [undefined];
  const keys: (string | undefined)[] = [undefined];
  const holderKeys: (string | undefined)[] = [undefined];
  const seen = new Set<object>();
  while (values.length > 0) {
    const value = values.pop();
    const holder = holders.pop();
    const key = keys.pop();
    const holderKey = holderKeys.pop();
    if (typeof value === 'string') {
      const text = readableText(value, key, holder, holderKey);
      if (text !== undefined && visit(text)) return true;
      continue;
    }
    // A number, boolean or null is not text; a container already walked is not walked again.
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      // An array item is no object's field: a base64 payload is a field's own string, never an item.
      for (const item of value) {
        values.push(item);
        holders.push(undefined);
        keys.push(undefined);
        holderKeys.push(undefined);
      }
      continue;
    }
    const object = value as JsonObject;
    for (const field of Object.keys(object)) {
      if (visit(field)) return true;
      values.push(object[field]);
      holders.push(object);
      keys.push(field);
      holderKeys.push(key);
    }
  }
  return false;
}
