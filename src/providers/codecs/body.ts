/**
 * The client's body as an upstream should see it: the target's model, and none of the routing
 * fields clients add to steer Switchyard (DESIGN §2).
 */
import type { CodecRequest } from './codec.ts';

export type JsonObject = Record<string, unknown>;

export const ROUTING_FIELDS = ['policy_id', 'revision', 'routing_preferences', 'routing_policy'] as const;

export function forwardBody(body: Readonly<JsonObject>, model: string): JsonObject {
  const out: JsonObject = {};
  for (const key in body) {
    if (!Object.hasOwn(body, key)) continue;
    if ((ROUTING_FIELDS as readonly string[]).includes(key)) continue;
    out[key] = body[key];
  }
  out.model = model;
  return out;
}

/**
 * The upstream body of a passthrough codec (the client's API is the provider's). When the client's
 * own bytes already say what the upstream must see, they go as they are: re-serialising a parsed
 * body costs more CPU than any other step of a plain proxied request (bench/CHANGES.md). Otherwise
 * the parsed body is re-encoded with the target's model and without routing fields.
 */
export function passthroughBody(request: CodecRequest, model: string): string | Buffer {
  const { body, raw } = request;
  if (raw !== undefined && rawMeansBody(body, raw, model)) return raw;
  return JSON.stringify(forwardBody(body, model));
}

const MODEL_KEY = '"model"';
const UNICODE_ESCAPE = '\\u';
const UTF8_BOM_FIRST_BYTE = 0xef;

/**
 * Whether `raw` tells any JSON parser what `body` tells us: the target's model, and no routing
 * field (a routing field in any spelling is in `body` too). Duplicate keys are where parsers
 * differ: ours keeps the last `model`, an upstream's may keep the first. So the bytes go only when
 * `"model"` occurs once, and hold no \u escape, the only other way to spell its letters.
 */
function rawMeansBody(body: Readonly<JsonObject>, raw: Buffer, model: string): boolean {
  if (body.model !== model) return false;
  for (const field of ROUTING_FIELDS) if (Object.hasOwn(body, field)) return false;
  // A byte order mark is dropped by our parser and refused by some others.
  if (raw[0] === UTF8_BOM_FIRST_BYTE) return false;
  const at = raw.indexOf(MODEL_KEY);
  return at !== -1 && raw.indexOf(MODEL_KEY, at + MODEL_KEY.length) === -1 && !raw.includes(UNICODE_ESCAPE);
}
