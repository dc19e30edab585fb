/**
 * A fake Anthropic Messages upstream for tests: plain `node:http`, real wire format.
 *
 * It checks the headers the real API requires, answers `POST /v1/messages` (JSON or SSE with the
 * real event order, including streamed tool use) and `POST /v1/messages/count_tokens`, and can be
 * told per model to fail, stall, or break mid-stream. Every request is recorded for assertions.
 * Replies are deterministic: one "token" is one whitespace-separated word.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatAnthropicEvent } from '../translate/sse.ts';
import type {
  AnthropicErrorBody,
  AnthropicErrorType,
  AnthropicMessage,
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicUsage,
} from '../wire/anthropic.ts';
import { ANTHROPIC_ERROR_STATUS, anthropicErrorTypeForStatus } from '../wire/anthropic.ts';

export interface FakeAnthropicBehaviour {
  /** Text of the reply; default `Hello from fake-anthropic (<model>)`. */
  reply?: string;
  /** Call this tool, when the request offers tools (and `tool_choice` is not `none`). */
  toolUse?: { name: string; input: Record<string, unknown> };
  /** Fail with this status (the error type follows from it unless `errorType` is given). */
  status?: number;
  /** Fail with this error type (the status follows from it unless `status` is given). */
  errorType?: AnthropicErrorType;
  errorMessage?: string;
  /** Wait this long before answering. */
  latencyMs?: number;
  /** Wait this long between stream events. */
  chunkDelayMs?: number;
  /** Streaming: send `event: error` (overloaded_error) after the first text delta. Plain: answer 529. */
  streamError?: boolean;
  /** Override usage counters, e.g. to simulate prompt-cache hits. */
  usage?: Partial<AnthropicUsage>;
}

export interface FakeAnthropicOptions {
  /** Required API key (`x-api-key` or `Authorization: Bearer`); when absent any key (or none) is accepted. */
  apiKey?: string;
  /** Accepted `anthropic-version` values; default: any `YYYY-MM-DD` date. */
  anthropicVersions?: readonly string[];
  /** Behaviour for models without their own. */
  defaultBehaviour?: FakeAnthropicBehaviour;
  /** Serve `/v1/messages/count_tokens` (default true). */
  countTokens?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it is not JSON. */
  body: unknown;
  /** The body exactly as received. */
  text: string;
}

export interface FakeAnthropic {
  /** Base URL without `/v1`, as the official client's `baseURL` expects. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  setBehaviour(model: string, behaviour: FakeAnthropicBehaviour): void;
  close(): Promise<void>;
}

interface MessagesBody {
  model: string;
  max_tokens: number;
  messages: unknown[];
  system?: unknown;
  tools?: unknown[];
  tool_choice?: { type?: string };
  stop_sequences?: string[];
  stream?: boolean;
  temperature?: number;
}

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const behaviours = new Map<string, FakeAnthropicBehaviour>();
  const requests: RecordedRequest[] = [];
  let counter = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'api_error', `fake-anthropic: ${String(err)}`);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const body = parseJSON(text);
    requests.push({
      method: req.method ?? 'GET',
      path,
      headers: flattenHeaders(req),
      body: body ?? (text || undefined),
      text,
    });
    res.setHeader('request-id', `req_fake_${++counter}`);

    const route =
      path === '/v1/messages' ? 'messages' : path === '/v1/messages/count_tokens' ? 'count' : null;
    if (!route || (route === 'count' && options.countTokens === false)) {
      return sendError(res, 404, 'not_found_error', `Not found: ${path}`);
    }
    if (req.method !== 'POST')
      return sendError(res, 405, 'invalid_request_error', `Method ${req.method} not allowed`);
    const headerProblem = checkHeaders(req, options);
    if (headerProblem) return sendError(res, headerProblem.status, headerProblem.type, headerProblem.message);
    if (body === undefined)
      return sendError(res, 400, 'invalid_request_error', 'The request body is not valid JSON');
    const invalid = validate(body, route);
    if (invalid) return sendError(res, 400, 'invalid_request_error', invalid);
    const request = body as MessagesBody;

    if (route === 'count') {
      return sendJSON(res, 200, { input_tokens: estimateInputTokens(request) });
    }
    const behaviour = behaviours.get(request.model) ?? options.defaultBehaviour ?? {};
    if (behaviour.latencyMs) await sleep(behaviour.latencyMs);
    if (res.destroyed) return;
    if (behaviour.status !== undefined || behaviour.errorType !== undefined) {
      const status = behaviour.status ?? ANTHROPIC_ERROR_STATUS[behaviour.errorType!];
      const type = behaviour.errorType ?? anthropicErrorTypeForStatus(status);
      return sendError(res, status, type, behaviour.errorMessage ?? `fake-anthropic: simulated ${type}`);
    }
    const message = compose(request, behaviour, `msg_fake_${counter}`, `toolu_fake_${counter}`);
    if (!request.stream) {
      if (behaviour.streamError) return sendError(res, 529, 'overloaded_error', 'Overloaded');
      return sendJSON(res, 200, message);
    }
    await stream(res, message, behaviour);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setBehaviour: (model, behaviour) => behaviours.set(model, behaviour),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ── request checks ─────────────────────────────────────────────────────────

function checkHeaders(
  req: IncomingMessage,
  options: FakeAnthropicOptions,
): { status: number; type: AnthropicErrorType; message: string } | null {
  if (options.apiKey !== undefined) {
    const key = apiKeyOf(req);
    if (!key) return { status: 401, type: 'authentication_error', message: 'x-api-key header is required' };
    if (key !== options.apiKey)
      return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
  }
  const version = req.headers['anthropic-version'];
  if (typeof version !== 'string' || version === '') {
    return { status: 400, type: 'invalid_request_error', message: 'anthropic-version: header is required' };
  }
  const known = options.anthropicVersions
    ? options.anthropicVersions.includes(version)
    : /^\d{4}-\d{2}-\d{2}$/.test(version);
  if (!known)
    return {
      status: 400,
      type: 'invalid_request_error',
      message: `anthropic-version: invalid version ${version}`,
    };
  return null;
}

/**
 * The key from `x-api-key`, or from `Authorization: Bearer`: the official client sends API keys
 * as a bearer token since API version 2026-10-21 (SDK 1.x), older clients and curl use `x-api-key`.
 */
function apiKeyOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return bearer?.[1];
}

/** The field errors the real API reports most often, in its `field: problem` style. */
function validate(body: unknown, route: 'messages' | 'count'): string | null {
  if (typeof body !== 'object' || body === null) return 'body: Input should be an object';
  const b = body as Partial<MessagesBody>;
  if (typeof b.model !== 'string') return 'model: Field required';
  if (!Array.isArray(b.messages)) return 'messages: Field required';
  if (route === 'count') return null;
  if (b.messages.length === 0) return 'messages: at least one message is required';
  if (typeof b.max_tokens !== 'number' || b.max_tokens < 1) return 'max_tokens: Field required';
  if (b.temperature !== undefined && (b.temperature < 0 || b.temperature > 1)) {
    return 'temperature: Input should be between 0 and 1';
  }
  return null;
}

// ── composing the reply ────────────────────────────────────────────────────

function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function estimateInputTokens(body: MessagesBody): number {
  const text = JSON.stringify([body.system ?? null, body.messages, body.tools ?? null]);
  return Math.max(1, Math.ceil(text.length / 4));
}

function compose(
  body: MessagesBody,
  behaviour: FakeAnthropicBehaviour,
  id: string,
  toolId: string,
): AnthropicMessage {
  const toolOffered = (body.tools?.length ?? 0) > 0 && body.tool_choice?.type !== 'none';
  const useTool = behaviour.toolUse && toolOffered ? behaviour.toolUse : undefined;
  // With a tool call, text comes only when asked for: a model often calls the tool straight away.
  let text =
    useTool && behaviour.reply === undefined
      ? ''
      : (behaviour.reply ?? `Hello from fake-anthropic (${body.model})`);
  let stopReason: AnthropicStopReason = useTool ? 'tool_use' : 'end_turn';
  let stopSequence: string | null = null;

  const hit = (body.stop_sequences ?? [])
    .map((seq) => ({ seq, at: text.indexOf(seq) }))
    .filter((h) => h.at >= 0)
    .sort((a, b) => a.at - b.at)[0];
  if (hit && !useTool) {
    text = text.slice(0, hit.at);
    stopReason = 'stop_sequence';
    stopSequence = hit.seq;
  }
  let tokens = words(text);
  if (tokens.length > body.max_tokens) {
    tokens = tokens.slice(0, body.max_tokens);
    text = tokens.join('');
    stopReason = 'max_tokens';
  }

  const content: AnthropicResponseBlock[] = [];
  if (text !== '') content.push({ type: 'text', text });
  if (useTool && stopReason === 'tool_use')
    content.push({ type: 'tool_use', id: toolId, name: useTool.name, input: useTool.input });
  const toolTokens = useTool ? Math.ceil(JSON.stringify(useTool.input).length / 4) : 0;
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage: {
      input_tokens: estimateInputTokens(body),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: tokens.length + toolTokens,
      ...behaviour.usage,
    },
  };
}

// ── streaming ──────────────────────────────────────────────────────────────

/** The event order of the real API: start, per block start/deltas/stop (a ping after the first start), delta, stop. */
export function messageToEvents(message: AnthropicMessage): AnthropicStreamEvent[] {
  const events: AnthropicStreamEvent[] = [
    {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...message.usage, output_tokens: 1 },
      },
    },
  ];
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) events.push({ type: 'ping' });
      for (const word of words(block.text)) {
        events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: word } });
      }
    } else if (block.type === 'tool_use') {
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
      if (index === 0) events.push({ type: 'ping' });
      // Like the real API: an empty first fragment, then pieces that are not JSON on their own.
      const json = JSON.stringify(block.input);
      const cut = [0, Math.floor(json.length / 3), Math.floor((2 * json.length) / 3), json.length];
      events.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: '' },
      });
      for (let i = 0; i < 3; i++) {
        const partial = json.slice(cut[i], cut[i + 1]);
        if (partial)
          events.push({
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: partial },
          });
      }
    }
    events.push({ type: 'content_block_stop', index });
  });
  if (message.content.length === 0) events.push({ type: 'ping' });
  events.push({
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
    usage: { output_tokens: message.usage.output_tokens },
  });
  events.push({ type: 'message_stop' });
  return events;
}

async function stream(
  res: ServerResponse,
  message: AnthropicMessage,
  behaviour: FakeAnthropicBehaviour,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  let events = messageToEvents(message);
  if (behaviour.streamError) {
    const firstDelta = events.findIndex((e) => e.type === 'content_block_delta');
    const overloaded: AnthropicErrorBody = {
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    };
    events = [...events.slice(0, firstDelta === -1 ? 1 : firstDelta + 1), overloaded];
  }
  for (const event of events) {
    if (res.destroyed) return;
    res.write(formatAnthropicEvent(event));
    if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
  }
  res.end();
}

// ── plumbing ───────────────────────────────────────────────────────────────

function sendJSON(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, type: AnthropicErrorType, message: string): void {
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type, message },
    request_id: String(res.getHeader('request-id') ?? ''),
  };
  sendJSON(res, status, body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJSON(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
