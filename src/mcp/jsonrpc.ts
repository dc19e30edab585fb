import { type JsonRpcId, mcpErrors } from '../errors.ts';
import { variantIn } from '../inspect/case-variant-fields.ts';
import { sameAsParsed } from '../inspect/raw-body.ts';

/**
 * Parses and checks the JSON-RPC body of an MCP POST before anything is forwarded: malformed JSON
 * is a parse error (-32700), a message that is not JSON-RPC 2.0 is an invalid request (-32600).
 * Pure: no HTTP types.
 */
export type Params = Readonly<Record<string, unknown>>;

export type ClientMessage =
  | {
      readonly kind: 'request';
      readonly id: JsonRpcId;
      readonly method: string;
      readonly params: Params | undefined;
    }
  | { readonly kind: 'notification'; readonly method: string; readonly params: Params | undefined }
  /** The client's answer to a request the server sent it (sampling, elicitation, roots). */
  | { readonly kind: 'response'; readonly id: JsonRpcId };

export interface ParsedBody {
  readonly batch: boolean;
  readonly messages: readonly ClientMessage[];
}

/*
 * Batches were part of MCP 2025-03-26 and removed in 2025-06-18. A client that sends no
 * MCP-Protocol-Version header is taken to speak 2025-03-26, as the specification says.
 */
const FIRST_VERSION_WITHOUT_BATCHES = '2025-06-18';

export function parseJsonRpcBody(body: Buffer | undefined, protocolVersion: string | undefined): ParsedBody {
  if (body === undefined || body.length === 0) throw mcpErrors.parseError('the body is empty');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw mcpErrors.parseError(error instanceof Error ? oneLine(error.message) : 'malformed JSON');
  }
  // The body goes to the server as it came. A key given twice would be checked here as its last
  // copy and may be read there as its first; invalid UTF-8 was checked here as U+FFFD.
  if (!sameAsParsed(body, value)) {
    throw mcpErrors.invalidRequest('the body repeats a key in one object, or is not valid UTF-8');
  }
  if (!Array.isArray(value)) return { batch: false, messages: [checkMessage(value, '')] };

  if (protocolVersion !== undefined && protocolVersion >= FIRST_VERSION_WITHOUT_BATCHES) {
    throw mcpErrors.batchNotSupported(protocolVersion);
  }
  if (value.length === 0) throw mcpErrors.invalidRequest('an empty batch');
  const messages = value.map((item, index) => checkMessage(item, `batch[${index}]: `));
  if (messages.some((message) => message.kind === 'request' && message.method === 'initialize')) {
    throw mcpErrors.invalidRequest('initialize must not be part of a batch');
  }
  // Answers are matched to requests by id, so two requests of one batch may not share one.
  const ids = messages.flatMap((message) => (message.kind === 'request' ? [message.id] : []));
  if (new Set(ids).size !== ids.length)
    throw mcpErrors.invalidRequest('two requests in the batch share an id');
  return { batch: true, messages };
}

/*
 * Fields the gateway reads to choose a message's policy chain, and what a server would act on.
 * A server decoding with Go's encoding/json reads `"Name"` as `name` (the last copy wins), so a
 * tools/call could name one tool to the gateway's policy and another to the server (see
 * case-variant-fields.ts).
 */
const MESSAGE_FIELDS = ['jsonrpc', 'id', 'method', 'params', 'result', 'error'];
const PARAMS_FIELDS = ['name', 'arguments', 'uri'];

function checkMessage(value: unknown, where: string): ClientMessage {
  if (!isObject(value)) throw mcpErrors.invalidRequest(`${where}a message must be a JSON object`);
  const id = validId(value.id);
  const fail = (problem: string) => mcpErrors.invalidRequest(`${where}${problem}`, where === '' ? id : null);
  const variant = variantIn(value, MESSAGE_FIELDS);
  const paramsVariant = isObject(value.params) ? variantIn(value.params, PARAMS_FIELDS) : undefined;
  if (variant !== undefined) throw fail(`"${variant}" differs from a JSON-RPC field only in letter case`);
  if (paramsVariant !== undefined)
    throw fail(`"params.${paramsVariant}" differs from a field the gateway reads only in letter case`);
  if (value.jsonrpc !== '2.0') throw fail('"jsonrpc" must be "2.0"');
  if ('id' in value && id === null) throw fail('"id" must be a string or a number');

  if ('method' in value) {
    if (typeof value.method !== 'string' || value.method === '')
      throw fail('"method" must be a non-empty string');
    if (value.params !== undefined && !isObject(value.params)) throw fail('"params" must be an object');
    const params = value.params as Params | undefined;
    if (id === null) {
      // A tool call is always a request; as a notification it would skip the tool's policy chain.
      if (value.method === 'tools/call') throw fail('tools/call must be a request with an "id"');
      return { kind: 'notification', method: value.method, params };
    }
    return { kind: 'request', id, method: value.method, params };
  }
  if (id !== null && 'result' in value !== 'error' in value) return { kind: 'response', id };
  throw fail('a message needs "method", or "id" with one of "result" or "error"');
}

function validId(id: unknown): JsonRpcId | null {
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON.parse messages may quote the body; keep them short and on one line. */
function oneLine(message: string): string {
  return message.replace(/[\r\n]+/g, ' ').slice(0, 200);
}
