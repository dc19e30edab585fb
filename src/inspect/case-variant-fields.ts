/**
 * Keys that name a field the gateway reads, spelled in another letter case (`Messages`, `CONTENT`,
 * `meſſages`). To the gateway, as to JSON, they are other fields: it neither inspects nor routes on
 * them. Some upstreams do not see it so: Go's encoding/json (behind Ollama, among others) matches
 * keys case-insensitively and keeps the last match, so a second `MODEL` would choose the model
 * behind the routing decision's back, and `{"messages": [short], "Messages": [long]}` would be
 * counted, translated and logged as one conversation and answered as another. (The PII scan reads
 * every key and value of the body, so it sees both copies.) Such a body is refused rather than
 * repaired: which copy the client meant is not ours to guess.
 *
 * Only the objects whose fields the gateway reads are checked — the body, its messages, their
 * content parts and tool calls, and Anthropic `system` blocks. Tool inputs and schemas are
 * arbitrary JSON the gateway passes on whole (tool inputs are scanned whole), and may
 * legitimately hold keys that differ only in case.
 */

/** One step of the path to a field: an object key or an array position. */
export type FieldPath = readonly (string | number)[];

type Names = readonly string[];

const BODY: Names = ['model', 'messages', 'system', 'input', 'stream', 'tools'];
const MESSAGE: Names = ['role', 'content', 'tool_calls'];
/** Content parts of both APIs, Anthropic `system` blocks, `tool_use` and `tool_result` blocks. */
const PART: Names = ['type', 'text', 'thinking', 'content', 'name', 'input'];
const TOOL_CALL: Names = ['type', 'function'];
const TOOL_FUNCTION: Names = ['name', 'arguments'];

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const OUTSIDE_PRINTABLE_ASCII = /[^\x20-\x7e]/;

/**
 * Whether `key`, not being `names`' own spelling, folds to one of them. Lower-casing folds ASCII
 * and the Kelvin sign (K → k); going through upper case first also folds the long s (ſ → S → s),
 * the one other letter whose case-fold reaches ASCII. It also folds a few keys Go would not
 * (dotless ı → I → i, ß → SS, ligatures such as ﬅ → ST), which only refuses names no real field has.
 */
function isCaseVariant(key: string, names: Names): boolean {
  if (names.includes(key)) return false;
  if (names.includes(key.toLowerCase())) return true;
  return OUTSIDE_PRINTABLE_ASCII.test(key) && names.includes(key.toUpperCase().toLowerCase());
}

/** The first key of `object` that spells one of `names` in another letter case. */
export function variantIn(object: JsonObject, names: Names): string | undefined {
  for (const key of Object.keys(object)) {
    if (isCaseVariant(key, names)) return key;
  }
  return undefined;
}

/**
 * `nested` is true inside a `tool_result`, whose content is parts too; the gateway reads no deeper
 * (see message-content.ts), so neither does this.
 */
function variantInParts(parts: unknown, path: FieldPath, nested: boolean): FieldPath | null {
  if (!Array.isArray(parts)) return null;
  for (let i = 0; i < parts.length; i++) {
    const part: unknown = parts[i];
    if (!isObject(part)) continue;
    const key = variantIn(part, PART);
    if (key !== undefined) return [...path, i, key];
    if (!nested) {
      const inner = variantInParts(part.content, [...path, i, 'content'], true);
      if (inner) return inner;
    }
  }
  return null;
}

function variantInToolCalls(calls: unknown, path: FieldPath): FieldPath | null {
  if (!Array.isArray(calls)) return null;
  for (let i = 0; i < calls.length; i++) {
    const call: unknown = calls[i];
    if (!isObject(call)) continue;
    const key = variantIn(call, TOOL_CALL);
    if (key !== undefined) return [...path, i, key];
    if (isObject(call.function)) {
      const inner = variantIn(call.function, TOOL_FUNCTION);
      if (inner !== undefined) return [...path, i, 'function', inner];
    }
  }
  return null;
}

function variantInMessages(messages: unknown): FieldPath | null {
  if (!Array.isArray(messages)) return null;
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (!isObject(message)) continue;
    const key = variantIn(message, MESSAGE);
    if (key !== undefined) return ['messages', i, key];
    const inParts = variantInParts(message.content, ['messages', i, 'content'], false);
    if (inParts) return inParts;
    const inCalls = variantInToolCalls(message.tool_calls, ['messages', i, 'tool_calls']);
    if (inCalls) return inCalls;
  }
  return null;
}

/**
 * The path of the first key in a request body that spells a field the gateway reads in another
 * letter case, or null when there is none.
 */
export function caseVariantField(body: JsonObject): FieldPath | null {
  const key = variantIn(body, BODY);
  if (key !== undefined) return [key];
  return variantInMessages(body.messages) ?? variantInParts(body.system, ['system'], false);
}

/** The field `path` ends in, as the gateway spells it: what the error tells the client to send. */
export function intendedName(path: FieldPath): string {
  return String(path.at(-1)).toUpperCase().toLowerCase();
}
