/**
 * The client's body as an upstream should see it: the target's model, and none of the routing
 * fields clients add to steer Switchyard (DESIGN §2).
 */

import { sameAsParsed } from '../../inspect/raw-body.ts';
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
 * own bytes already say what the gateway read — the target's model, no routing fields, no key given
 * twice (`sameAsParsed`) — they go as they are, which spares re-serialising the body.
 * Otherwise the parsed body is re-encoded with the target's model and without routing fields.
 */
export function passthroughBody(request: CodecRequest, model: string): string | Buffer {
  const { body, raw } = request;
  if (raw !== undefined && body.model === model && !hasRoutingField(body) && sameAsParsed(raw, body)) {
    return raw;
  }
  return JSON.stringify(forwardBody(body, model));
}

function hasRoutingField(body: Readonly<JsonObject>): boolean {
  for (const field of ROUTING_FIELDS) if (Object.hasOwn(body, field)) return true;
  return false;
}
