import { errors } from '../errors.ts';
import { caseVariantField, intendedName } from '../inspect/case-variant-fields.ts';

/**
 * Structural checks on OpenAI request bodies: enough that a request we forward is well-formed,
 * without re-validating what the upstream validates itself. Unknown fields pass through, since
 * providers add new ones all the time.
 */
export type JsonObject = Record<string, unknown>;

/** Body fields that steer Switchyard and are removed before forwarding (DESIGN §2). */
export { ROUTING_FIELDS } from '../providers/codecs/body.ts';

export interface ChatBody extends JsonObject {
  model?: string;
  messages: unknown[];
  stream?: boolean;
}

export function asObject(body: unknown): JsonObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.invalidRequest('The request body must be a JSON object', 'invalid_body');
  }
  return body as JsonObject;
}

/** `messages[0].content`: the OpenAI API's way of naming a field in its errors. */
function openAiPath(path: readonly (string | number)[]): string {
  return path
    .map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`))
    .join('');
}

/** Refuses a key that spells a field the gateway reads in another letter case (see case-variant-fields.ts). */
function checkCaseVariants(body: JsonObject): void {
  const path = caseVariantField(body);
  if (path === null) return;
  throw errors.invalidRequest(
    `\`${openAiPath(path)}\` differs from \`${intendedName(path)}\` only in letter case; send the field once, spelled \`${intendedName(path)}\``,
    'ambiguous_field',
  );
}

function checkModel(body: JsonObject): void {
  if (body.model !== undefined && typeof body.model !== 'string') {
    throw errors.invalidRequest('`model` must be a string', 'invalid_model');
  }
}

export function parseChatBody(raw: unknown): ChatBody {
  const body = asObject(raw);
  checkCaseVariants(body);
  checkModel(body);
  const { messages, stream } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw errors.invalidRequest('`messages` must be a non-empty array', 'invalid_messages');
  }
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as { role?: unknown } | null;
    if (message === null || typeof message !== 'object' || typeof message.role !== 'string') {
      throw errors.invalidRequest(
        `messages[${i}] must be an object with a string \`role\``,
        'invalid_messages',
      );
    }
  }
  if (stream !== undefined && typeof stream !== 'boolean') {
    throw errors.invalidRequest('`stream` must be a boolean', 'invalid_stream');
  }
  return body as ChatBody;
}

export function parseEmbeddingsBody(raw: unknown): JsonObject & { model?: string } {
  const body = asObject(raw);
  checkCaseVariants(body);
  checkModel(body);
  const { input } = body;
  // OpenAI's shapes: a string, strings, token ids, or non-empty lists of token ids, never mixed.
  // Anything else would reach the upstream as content the PII scan has no reading of.
  const valid =
    typeof input === 'string' ||
    (Array.isArray(input) &&
      input.length > 0 &&
      (input.every((item) => typeof item === 'string') ||
        input.every(isTokenId) ||
        input.every((item) => Array.isArray(item) && item.length > 0 && item.every(isTokenId))));
  if (!valid) {
    throw errors.invalidRequest(
      '`input` must be a string, an array of strings, an array of token ids, or an array of token-id arrays',
      'invalid_input',
    );
  }
  return body as JsonObject & { model?: string };
}

function isTokenId(item: unknown): boolean {
  return Number.isSafeInteger(item) && (item as number) >= 0;
}

/** The body as the upstream should see it: its model, and none of the routing fields. */
export { forwardBody as upstreamBody } from '../providers/codecs/body.ts';
