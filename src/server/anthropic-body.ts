import { errors } from '../errors.ts';
import { caseVariantField, intendedName } from '../inspect/case-variant-fields.ts';
import { asObject, type JsonObject } from './openai-body.ts';

/**
 * Structural checks on Anthropic Messages bodies, in the API's own `field: problem` style: enough
 * that a request we forward (or translate) is well-formed, without re-validating what the upstream
 * checks itself. Unknown fields pass through to Anthropic upstreams.
 */
export interface MessagesBody extends JsonObject {
  model?: string;
  max_tokens: number;
  messages: unknown[];
  stream?: boolean;
}

/** `system` turns inside `messages` exist from API version 2026-10-21 on (the 1.x SDKs' version). */
const ROLES: ReadonlySet<unknown> = new Set(['user', 'assistant', 'system']);

function invalid(message: string): never {
  throw errors.invalidRequest(message, 'invalid_request');
}

/** Refuses a key that spells a field the gateway reads in another letter case (see case-variant-fields.ts). */
function checkCaseVariants(body: JsonObject): void {
  const path = caseVariantField(body);
  if (path === null) return;
  invalid(
    `${path.join('.')}: differs from \`${intendedName(path)}\` only in letter case; send the field once, spelled \`${intendedName(path)}\``,
  );
}

function checkModel(body: JsonObject): void {
  if (body.model !== undefined && (typeof body.model !== 'string' || body.model === '')) {
    invalid('model: Input should be a non-empty string');
  }
}

function checkMessages(messages: unknown): void {
  if (!Array.isArray(messages)) invalid('messages: Field required');
  if (messages.length === 0) invalid('messages: at least one message is required');
  messages.forEach((message: unknown, i) => {
    const m = message as { role?: unknown; content?: unknown } | null;
    if (m === null || typeof m !== 'object' || Array.isArray(m))
      invalid(`messages.${i}: Input should be an object`);
    if (!ROLES.has(m.role)) invalid(`messages.${i}.role: Input should be 'user', 'assistant' or 'system'`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) {
      invalid(`messages.${i}.content: Input should be a string or a list of content blocks`);
    }
    if (Array.isArray(m.content)) {
      m.content.forEach((block: unknown, j) => {
        const b = block as { type?: unknown } | null;
        if (b === null || typeof b !== 'object' || typeof b.type !== 'string') {
          invalid(`messages.${i}.content.${j}: Input should be a content block with a string \`type\``);
        }
      });
    }
  });
}

function checkCommon(body: JsonObject): void {
  const { system, tools } = body;
  if (system !== undefined && typeof system !== 'string' && !Array.isArray(system)) {
    invalid('system: Input should be a string or a list of text blocks');
  }
  if (tools !== undefined) {
    if (!Array.isArray(tools)) invalid('tools: Input should be a list');
    tools.forEach((tool: unknown, i) => {
      const t = tool as { name?: unknown } | null;
      if (t === null || typeof t !== 'object' || typeof t.name !== 'string')
        invalid(`tools.${i}.name: Field required`);
    });
  }
}

export function parseMessagesBody(raw: unknown): MessagesBody {
  const body = asObject(raw);
  checkCaseVariants(body);
  checkModel(body);
  const { max_tokens: maxTokens, stream, temperature } = body;
  if (maxTokens === undefined) invalid('max_tokens: Field required');
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) {
    invalid('max_tokens: Input should be an integer greater than or equal to 1');
  }
  checkMessages(body.messages);
  checkCommon(body);
  if (stream !== undefined && typeof stream !== 'boolean') invalid('stream: Input should be a valid boolean');
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 1)) {
    invalid('temperature: Input should be a number between 0 and 1');
  }
  return body as MessagesBody;
}

/** `count_tokens` takes the prompt side of a Messages request: no `max_tokens`, no `stream`. */
export function parseCountTokensBody(raw: unknown): JsonObject & { model?: string; messages: unknown[] } {
  const body = asObject(raw);
  checkCaseVariants(body);
  checkModel(body);
  checkMessages(body.messages);
  checkCommon(body);
  return body as JsonObject & { model?: string; messages: unknown[] };
}
