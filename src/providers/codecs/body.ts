/**
 * The client's body as an upstream should see it: the target's model, and none of the routing
 * fields clients add to steer Switchyard (DESIGN §2).
 */
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
