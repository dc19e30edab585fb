/**
 * A fake OpenAI-compatible upstream: tests script its failures, `switchyard demo` serves from it and
 * the benchmarks use it as the upstream, so the request path stays cheap: behaviours are compiled
 * when they are set, and the parts of a response that only depend on behaviour and model are
 * rendered once and cached; a request only adds its id, timestamp and usage.
 *
 * Order of checks for chat and embeddings: the behaviour is chosen (consuming a sequence step), then
 * `refuse`, latency, the before-headers faults, authentication, request validation, the error
 * `status`, and finally the response with any body or stream fault. So a scripted transport failure
 * happens whatever the request, while a scripted status only replaces a response that would succeed.
 * `GET /v1/models` only checks authentication: behaviours describe model calls.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSE_DONE, sseData } from './sse.ts';

export type FakeFault =
  | 'refuse'
  | 'reset-before-headers'
  | 'reset-mid-body'
  | 'reset-mid-stream'
  | 'hang-before-headers'
  | 'hang-mid-stream'
  | 'garbage'
  | 'truncated-json'
  | 'stream-without-done';

export interface FakeBehaviour {
  /** Delay before the response headers; a `[min, max]` pair draws uniformly per request. */
  latencyMs?: number | readonly [min: number, max: number];
  /** Answer with this status and an OpenAI error body `{error: {message, type, code}}`. */
  status?: number;
  errorMessage?: string;
  /** Sets `Retry-After` on error responses (meant for 429 and 503). */
  retryAfterSeconds?: number;
  /**
   * Transport and body faults. Mid-stream faults applied to a non-streaming response cut its body
   * half way instead; `stream-without-done` only affects streams.
   */
  fault?: FakeFault;
  /** Assistant content; default `Hello from <name> (<model>)`. */
  reply?: string;
  /** Streams: split the reply into this many content chunks (default: one per word). */
  chunks?: number;
  /** Streams: delay between chunks, to simulate a slow trickle. */
  chunkDelayMs?: number;
  /** Default true: include usage (and in streams honour `stream_options.include_usage`). */
  usage?: boolean;
  /**
   * Call these tools when the request offers tools (and `tool_choice` is not `none`): the reply
   * then has `tool_calls` and finish reason `tool_calls`, and content only if `reply` is set.
   * Streams send each call's `arguments` in fragments, as OpenAI does.
   */
  toolCalls?: readonly FakeToolCall[];
}

export interface FakeToolCall {
  name: string;
  /** The arguments as the model writes them: a JSON text. */
  arguments: string;
}

export interface RecordedRequest {
  method: string;
  /** The path without its query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, the raw text when it is not JSON, or undefined when there is none. */
  body: unknown;
  /** The body exactly as received. */
  text: string;
  receivedAt: number;
}

export interface FakeOpenAIOptions {
  name?: string;
  /** Require `Authorization: Bearer <apiKey>` (or `api-key: <apiKey>` on Azure paths). */
  apiKey?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The default for every model; `reset()` returns to it. */
  behaviour?: FakeBehaviour;
  /** What `GET /v1/models` lists. */
  models?: string[];
  /** Default true. Benchmarks turn it off so memory stays flat; `countFor` still counts. */
  record?: boolean;
}

export interface FakeOpenAI {
  /** The OpenAI base URL, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** Scheme, host and port without a path: the endpoint an Azure OpenAI client expects. */
  readonly origin: string;
  readonly port: number;
  readonly name: string;
  /** Every request received, in order (unless `record: false`). */
  readonly requests: RecordedRequest[];
  /** Requests received that named this model (or Azure deployment), whatever their outcome. */
  countFor(model: string): number;
  /** `'*'` sets the default for all models. The most specific behaviour wins whole; none are merged. */
  setBehaviour(model: string | '*', behaviour: FakeBehaviour): void;
  /** Consumed one per request to `model`, then `setBehaviour`'s apply again. */
  setSequence(model: string, behaviours: FakeBehaviour[]): void;
  /** Clears requests, counts, behaviours and sequences, back to the start options. */
  reset(): void;
  /** Closes the server and destroys open sockets, hung ones included. */
  close(): Promise<void>;
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const fake = new FakeOpenAIServer(options);
  await fake.listen(options.port ?? 0);
  return fake;
}

const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];
const EMBEDDING_DIMENSIONS = 8;
/** Rendered replies cached per behaviour; past this many models a benchmark's random names render per request. */
const RENDER_CACHE_LIMIT = 256;
const GARBAGE = '<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>\n';
const JSON_TYPE = 'application/json';
const STREAM_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const FAULTS: ReadonlySet<string> = new Set<FakeFault>([
  'refuse',
  'reset-before-headers',
  'reset-mid-body',
  'reset-mid-stream',
  'hang-before-headers',
  'hang-mid-stream',
  'garbage',
  'truncated-json',
  'stream-without-done',
]);

/** A behaviour checked and prepared once, when it is set. */
interface Plan {
  readonly latency: readonly [number, number] | null;
  readonly status: number | null;
  readonly errorBody: string;
  readonly retryAfter: string | null;
  readonly fault: FakeFault | null;
  readonly reply: string | null;
  readonly chunks: number | null;
  readonly chunkDelayMs: number;
  readonly usage: boolean;
  readonly toolCalls: readonly FakeToolCall[] | null;
  readonly rendered: Map<string, Rendered>;
}

/** The model-dependent JSON of a reply, without the per-request id, created and usage. */
interface Rendered {
  /** `,"model":…`: also the start of each fragment below. */
  readonly modelField: string;
  /** What follows `created` in a chat.completion, up to (not including) usage. */
  readonly completion: string;
  /** What follows `created` in each stream chunk: the role chunk, the content chunks, the finish chunk. */
  readonly frames: readonly string[];
  readonly completionTokens: number;
}

interface Route {
  readonly kind: 'chat' | 'embeddings' | 'models';
  /** Azure paths name the model in the URL and authenticate with `api-key`. */
  readonly deployment: string | null;
}

const CHAT_ROUTE: Route = { kind: 'chat', deployment: null };
const EMBEDDINGS_ROUTE: Route = { kind: 'embeddings', deployment: null };
const MODELS_ROUTE: Route = { kind: 'models', deployment: null };
const AZURE_PATH = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;

interface ChatRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  promptTokens: number;
  /** Tools are offered and `tool_choice` allows calling them. */
  toolsOffered: boolean;
}

interface EmbeddingsRequest {
  model: string;
  /** Each input as text; token-array inputs are joined with commas, which is enough to hash them. */
  inputs: string[];
  base64: boolean;
  promptTokens: number;
}

class FakeOpenAIServer implements FakeOpenAI {
  readonly name: string;
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #record: boolean;
  readonly #apiKey: string | null;
  readonly #bearer: string | null;
  readonly #initial: Plan;
  readonly #behaviours = new Map<string, Plan>();
  readonly #sequences = new Map<string, Plan[]>();
  readonly #counts = new Map<string, number>();
  readonly #modelsBody: string;
  readonly #unauthorisedBody: string;
  // A random prefix keeps ids distinct across fakes in one test run; the counter keeps them cheap.
  readonly #idPrefix = randomBytes(4).toString('hex');
  #nextId = 0;
  #port = 0;
  #closing: Promise<void> | null = null;

  constructor(options: FakeOpenAIOptions) {
    this.name = options.name ?? 'fake';
    this.#record = options.record ?? true;
    this.#apiKey = options.apiKey ?? null;
    this.#bearer = options.apiKey === undefined ? null : `Bearer ${options.apiKey}`;
    this.#initial = this.#compile(options.behaviour ?? {});
    const created = nowSeconds();
    const data = (options.models ?? DEFAULT_MODELS).map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: this.name,
    }));
    this.#modelsBody = JSON.stringify({ object: 'list', data });
    this.#unauthorisedBody = errorBody(401, 'Incorrect API key provided.');
    this.#server = createServer((req, res) => {
      // A client that goes away mid-request makes reading or writing throw; there is no one to tell.
      this.#handle(req, res).catch(() => res.destroy());
    });
  }

  get port(): number {
    return this.#port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get url(): string {
    return `${this.origin}/v1`;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  countFor(model: string): number {
    return this.#counts.get(model) ?? 0;
  }

  setBehaviour(model: string, behaviour: FakeBehaviour): void {
    this.#behaviours.set(model, this.#compile(behaviour));
  }

  setSequence(model: string, behaviours: FakeBehaviour[]): void {
    this.#sequences.set(
      model,
      behaviours.map((behaviour) => this.#compile(behaviour)),
    );
  }

  reset(): void {
    // In place: tests may hold on to `requests`.
    this.requests.length = 0;
    this.#counts.clear();
    this.#behaviours.clear();
    this.#sequences.clear();
  }

  close(): Promise<void> {
    this.#closing ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
      // Hung requests would otherwise keep close() waiting for ever.
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    const search = queryAt === -1 ? '' : target.slice(queryAt + 1);
    const route = matchRoute(req.method ?? '', path);
    const text = await readText(req);
    const body = parseJson(text);
    const model = route?.deployment ?? modelOf(body);
    this.#note(req, path, search, text, body !== undefined || text === '' ? body : text, model);

    if (route === null) {
      sendError(res, 404, errorBody(404, `Unknown request URL: ${req.method} ${path}`, 'not_found'));
      return;
    }
    if (route.kind === 'models') {
      if (!this.#authorised(req, route)) sendError(res, 401, this.#unauthorisedBody);
      else sendText(res, 200, JSON_TYPE, this.#modelsBody);
      return;
    }

    const plan = this.#planFor(model);
    if (plan.fault === 'refuse') {
      req.socket.destroy();
      return;
    }
    if (plan.latency !== null && !(await pause(res, sample(plan.latency)))) return;
    if (plan.fault === 'reset-before-headers') {
      req.socket.destroy();
      return;
    }
    if (plan.fault === 'hang-before-headers') return;
    if (!this.#authorised(req, route)) {
      sendError(res, 401, this.#unauthorisedBody);
      return;
    }

    const request =
      route.kind === 'chat' ? readChat(body, route, search) : readEmbeddings(body, route, search);
    if (typeof request === 'string') {
      sendError(res, 400, errorBody(400, request));
      return;
    }
    if (plan.status !== null) {
      sendError(res, plan.status, plan.errorBody, plan.retryAfter);
      return;
    }
    if ('inputs' in request) this.#embeddings(res, plan, request);
    else if (request.stream) await this.#stream(res, plan, request);
    else this.#completion(res, plan, request);
  }

  #note(
    req: IncomingMessage,
    path: string,
    search: string,
    text: string,
    body: unknown,
    model: string | undefined,
  ): void {
    if (model !== undefined) this.#counts.set(model, (this.#counts.get(model) ?? 0) + 1);
    if (!this.#record) return;
    const query = search === '' ? {} : Object.fromEntries(new URLSearchParams(search));
    this.requests.push({
      method: req.method ?? '',
      path,
      query,
      headers: req.headers,
      body,
      text,
      receivedAt: Date.now(),
    });
  }

  #authorised(req: IncomingMessage, route: Route): boolean {
    if (this.#apiKey === null) return true;
    if (route.deployment !== null) return req.headers['api-key'] === this.#apiKey;
    return req.headers.authorization === this.#bearer;
  }

  #planFor(model: string | undefined): Plan {
    if (model !== undefined) {
      const step = this.#sequences.get(model)?.shift();
      if (step !== undefined) return step;
      const own = this.#behaviours.get(model);
      if (own !== undefined) return own;
    }
    return this.#behaviours.get('*') ?? this.#initial;
  }

  #newId(): string {
    this.#nextId += 1;
    return `${this.#idPrefix}${this.#nextId.toString(36)}`;
  }

  #rendered(plan: Plan, request: ChatRequest): Rendered {
    const { model } = request;
    const calls = request.toolsOffered ? plan.toolCalls : null;
    const key = calls ? `${model}\u0000tools` : model;
    const cached = plan.rendered.get(key);
    if (cached !== undefined) return cached;
    const rendered = calls
      ? renderToolCalls(plan.reply ?? '', calls, model)
      : renderReply(plan.reply ?? `Hello from ${this.name} (${model})`, model, plan.chunks);
    if (plan.rendered.size < RENDER_CACHE_LIMIT) plan.rendered.set(key, rendered);
    return rendered;
  }

  #completion(res: ServerResponse, plan: Plan, request: ChatRequest): void {
    const rendered = this.#rendered(plan, request);
    const usage = plan.usage ? `,"usage":${usageJson(request.promptTokens, rendered.completionTokens)}` : '';
    const head = `{"id":"chatcmpl-${this.#newId()}","object":"chat.completion","created":${nowSeconds()}`;
    sendPayload(res, `${head}${rendered.completion}${usage}}`, plan.fault);
  }

  async #stream(res: ServerResponse, plan: Plan, request: ChatRequest): Promise<void> {
    const rendered = this.#rendered(plan, request);
    const head = `{"id":"chatcmpl-${this.#newId()}","object":"chat.completion.chunk","created":${nowSeconds()}`;
    res.writeHead(200, STREAM_HEADERS);
    if (plan.fault === 'garbage') {
      res.end(sseData(GARBAGE));
      return;
    }
    const frames = rendered.frames.map((fragment) => sseData(head + fragment));
    const [roleFrame = '', firstContent = ''] = frames;
    switch (plan.fault) {
      case 'truncated-json':
        // Cut inside the JSON but end the event, so a client parses half a document.
        res.end(`${roleFrame}${firstContent.slice(0, firstContent.length >> 1)}\n\n`);
        return;
      case 'reset-mid-body':
      case 'reset-mid-stream':
      case 'hang-mid-stream': {
        // The role chunk and half the content chunks (never the finish chunk) go out first.
        const contentCount = frames.length - 2;
        const sent = frames.slice(0, 1 + Math.ceil(contentCount / 2));
        const open = await trickle(res, sent, plan.chunkDelayMs);
        if (open && plan.fault !== 'hang-mid-stream') res.socket?.destroy();
        return;
      }
      case 'stream-without-done':
        frames.pop();
        break;
      default:
        if (plan.usage && request.includeUsage) {
          const usage = usageJson(request.promptTokens, rendered.completionTokens);
          frames.push(sseData(`${head}${rendered.modelField},"choices":[],"usage":${usage}}`));
        }
        frames.push(SSE_DONE);
    }
    if (plan.chunkDelayMs <= 0) res.end(frames.join(''));
    else if (await trickle(res, frames, plan.chunkDelayMs)) res.end();
  }

  #embeddings(res: ServerResponse, plan: Plan, request: EmbeddingsRequest): void {
    const data = request.inputs.map((input, index) => {
      const vector = embed(input);
      return { object: 'embedding', index, embedding: request.base64 ? toBase64(vector) : vector };
    });
    const usage = plan.usage
      ? { prompt_tokens: request.promptTokens, total_tokens: request.promptTokens }
      : undefined;
    sendPayload(res, JSON.stringify({ object: 'list', data, model: request.model, usage }), plan.fault);
  }

  #compile(behaviour: FakeBehaviour): Plan {
    const { latencyMs, status, fault, chunks, chunkDelayMs = 0, retryAfterSeconds } = behaviour;
    const latency: readonly [number, number] | null =
      latencyMs === undefined ? null : typeof latencyMs === 'number' ? [latencyMs, latencyMs] : latencyMs;
    check(
      latency === null || (latency[0] >= 0 && latency[0] <= latency[1]),
      'latencyMs must be >= 0 and min <= max',
    );
    check(status === undefined || (Number.isInteger(status) && status >= 100 && status <= 599), 'bad status');
    check(fault === undefined || FAULTS.has(fault), `unknown fault ${fault}`);
    check(
      chunks === undefined || (Number.isInteger(chunks) && chunks >= 1),
      'chunks must be an integer >= 1',
    );
    check(chunkDelayMs >= 0, 'chunkDelayMs must be >= 0');
    check(retryAfterSeconds === undefined || retryAfterSeconds >= 0, 'retryAfterSeconds must be >= 0');
    const code = status ?? 500;
    return {
      latency: latency === null || latency[1] === 0 ? null : [latency[0], latency[1]],
      status: status ?? null,
      errorBody: errorBody(
        code,
        behaviour.errorMessage ?? `${STATUS_CODES[code] ?? 'Error'} (fake ${this.name})`,
      ),
      retryAfter: retryAfterSeconds === undefined ? null : String(retryAfterSeconds),
      fault: fault ?? null,
      reply: behaviour.reply ?? null,
      chunks: chunks ?? null,
      chunkDelayMs,
      usage: behaviour.usage ?? true,
      toolCalls: behaviour.toolCalls && behaviour.toolCalls.length > 0 ? behaviour.toolCalls : null,
      rendered: new Map(),
    };
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new RangeError(`FakeBehaviour: ${message}`);
}

function matchRoute(method: string, path: string): Route | null {
  if (method === 'GET') return path === '/v1/models' ? MODELS_ROUTE : null;
  if (method !== 'POST') return null;
  if (path === '/v1/chat/completions') return CHAT_ROUTE;
  if (path === '/v1/embeddings') return EMBEDDINGS_ROUTE;
  const azure = AZURE_PATH.exec(path);
  if (azure === null) return null;
  return {
    kind: azure[2] === 'embeddings' ? 'embeddings' : 'chat',
    deployment: decodePathSegment(azure[1]!),
  };
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  // String decoding in the stream keeps multi-byte characters split across packets intact.
  req.setEncoding('utf8');
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

/** The parsed body, or undefined when it is empty or not JSON. */
function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function modelOf(body: unknown): string | undefined {
  return isRecord(body) && typeof body.model === 'string' ? body.model : undefined;
}

interface Target {
  model: string;
  fields: Record<string, unknown>;
}

/**
 * The checks shared by chat and embeddings, as the real APIs make them (so an adapter bug shows up
 * as a 400 rather than a passing test): returns the complaint, or the model and body fields.
 */
function readTarget(body: unknown, route: Route, search: string): Target | string {
  if (!isRecord(body)) return 'We could not parse the JSON body of your request.';
  if (route.deployment !== null) {
    if (!new URLSearchParams(search).has('api-version'))
      return "Missing required query parameter 'api-version'.";
    return { model: route.deployment, fields: body };
  }
  if (typeof body.model !== 'string' || body.model === '') return "Missing required parameter: 'model'.";
  return { model: body.model, fields: body };
}

function readChat(body: unknown, route: Route, search: string): ChatRequest | string {
  const target = readTarget(body, route, search);
  if (typeof target === 'string') return target;
  const { model, fields } = target;
  if (!Array.isArray(fields.messages) || fields.messages.length === 0)
    return "Missing required parameter: 'messages'.";
  const streamOptions = fields.stream_options;
  return {
    model,
    stream: fields.stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
    promptTokens: estimateTokens(messageChars(fields.messages)),
    toolsOffered: Array.isArray(fields.tools) && fields.tools.length > 0 && fields.tool_choice !== 'none',
  };
}

function readEmbeddings(body: unknown, route: Route, search: string): EmbeddingsRequest | string {
  const target = readTarget(body, route, search);
  if (typeof target === 'string') return target;
  const { model, fields } = target;
  const inputs = embeddingInputs(fields.input);
  if (inputs === null) return "'input' must be a string, an array of strings or an array of token arrays.";
  let chars = 0;
  for (const input of inputs) chars += input.length;
  return { model, inputs, base64: fields.encoding_format === 'base64', promptTokens: estimateTokens(chars) };
}

function embeddingInputs(input: unknown): string[] | null {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((item) => typeof item === 'string')) return input;
  if (input.every((item) => typeof item === 'number')) return [input.join(',')];
  if (input.every((item) => Array.isArray(item) && item.every((token) => typeof token === 'number'))) {
    return input.map((item: number[]) => item.join(','));
  }
  return null;
}

function messageChars(messages: unknown[]): number {
  let chars = 0;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content)
        if (isRecord(part) && typeof part.text === 'string') chars += part.text.length;
    }
  }
  return chars;
}

/** About four characters a token: plausible numbers for cost and usage accounting, not a tokenizer. */
function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

function usageJson(promptTokens: number, completionTokens: number): string {
  return `{"prompt_tokens":${promptTokens},"completion_tokens":${completionTokens},"total_tokens":${promptTokens + completionTokens}}`;
}

function renderReply(reply: string, model: string, chunks: number | null): Rendered {
  const modelField = `,"model":${JSON.stringify(model)}`;
  const message = JSON.stringify({ role: 'assistant', content: reply });
  const choice = (delta: string, finish: string) =>
    `${modelField},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}`;
  return {
    modelField,
    completion: `${modelField},"choices":[{"index":0,"message":${message},"logprobs":null,"finish_reason":"stop"}]`,
    frames: [
      choice('{"role":"assistant","content":""}', 'null'),
      ...splitReply(reply, chunks).map((piece) => choice(`{"content":${JSON.stringify(piece)}}`, 'null')),
      choice('{}', '"stop"'),
    ],
    completionTokens: reply === '' ? 0 : estimateTokens(reply.length),
  };
}

/** A reply that calls tools; content comes first when there is any, as models write it. */
function renderToolCalls(reply: string, calls: readonly FakeToolCall[], model: string): Rendered {
  const modelField = `,"model":${JSON.stringify(model)}`;
  const toolCalls = calls.map((call, index) => ({
    id: `call_fake_${index}`,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  const message = JSON.stringify({
    role: 'assistant',
    content: reply === '' ? null : reply,
    tool_calls: toolCalls,
  });
  const choice = (delta: string, finish: string) =>
    `${modelField},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}`;
  const frames = [choice(`{"role":"assistant","content":${reply === '' ? 'null' : '""'}}`, 'null')];
  for (const piece of splitReply(reply, null))
    frames.push(choice(`{"content":${JSON.stringify(piece)}}`, 'null'));
  calls.forEach((call, index) => {
    const opening = {
      index,
      id: `call_fake_${index}`,
      type: 'function',
      function: { name: call.name, arguments: '' },
    };
    frames.push(choice(JSON.stringify({ tool_calls: [opening] }), 'null'));
    // Fragments that are not JSON on their own, as the real API sends them.
    const half = call.arguments.length >> 1;
    for (const fragment of [call.arguments.slice(0, half), call.arguments.slice(half)]) {
      if (fragment !== '')
        frames.push(
          choice(JSON.stringify({ tool_calls: [{ index, function: { arguments: fragment } }] }), 'null'),
        );
    }
  });
  frames.push(choice('{}', '"tool_calls"'));
  const argumentChars = calls.reduce((sum, call) => sum + call.name.length + call.arguments.length, 0);
  return {
    modelField,
    completion: `${modelField},"choices":[{"index":0,"message":${message},"logprobs":null,"finish_reason":"tool_calls"}]`,
    frames,
    completionTokens: estimateTokens(reply.length + argumentChars),
  };
}

/** Pieces that join back to exactly `reply`: one per word (with its leading space), or `chunks` near-equal parts. */
function splitReply(reply: string, chunks: number | null): string[] {
  if (reply === '') return [];
  if (chunks === null) return reply.match(/\s*\S+|\s+$/g) ?? [reply];
  // Code points, so a chunk boundary never splits a surrogate pair.
  const points = Array.from(reply);
  const count = Math.min(chunks, points.length);
  const pieces: string[] = [];
  for (let i = 0; i < count; i += 1) {
    pieces.push(
      points
        .slice(Math.floor((i * points.length) / count), Math.floor(((i + 1) * points.length) / count))
        .join(''),
    );
  }
  return pieces;
}

/** A unit vector derived from the text (FNV-1a seeding mulberry32), exact in float32 so both encodings agree. */
function embed(text: string): number[] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193);
  const vector: number[] = [];
  let norm = 0;
  for (let i = 0; i < EMBEDDING_DIMENSIONS; i += 1) {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const value = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    vector.push(value);
    norm += value * value;
  }
  const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
  return vector.map((value) => Math.fround(value * scale));
}

/** The API's `encoding_format: 'base64'`: little-endian float32s. */
function toBase64(vector: number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i += 1) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}

function errorBody(status: number, message: string, code?: string): string {
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return JSON.stringify({ error: { message, type, code: code ?? ERROR_CODES[status] ?? type } });
}

const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  403: 'forbidden',
  404: 'model_not_found',
  408: 'timeout',
  413: 'request_too_large',
  429: 'rate_limit_exceeded',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

function sendText(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(
  res: ServerResponse,
  status: number,
  body: string,
  retryAfter: string | null = null,
): void {
  if (retryAfter !== null) res.setHeader('retry-after', retryAfter);
  sendText(res, status, JSON_TYPE, body);
}

/** A 200 JSON response, or the body fault the plan asks for. */
function sendPayload(res: ServerResponse, body: string, fault: FakeFault | null): void {
  switch (fault) {
    case 'garbage':
      sendText(res, 200, JSON_TYPE, GARBAGE);
      return;
    case 'truncated-json':
      // A complete HTTP message whose JSON stops half way.
      sendText(res, 200, JSON_TYPE, body.slice(0, body.length >> 1));
      return;
    case 'reset-mid-body':
    case 'reset-mid-stream':
    case 'hang-mid-stream':
      // Promise the whole body, send half; reset only once that half has reached the socket.
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) });
      if (fault === 'hang-mid-stream') res.write(body.slice(0, body.length >> 1));
      else res.write(body.slice(0, body.length >> 1), () => res.socket?.destroy());
      return;
    default:
      sendText(res, 200, JSON_TYPE, body);
  }
}

/** Writes frames `delayMs` apart, each handed to the socket before the next; false once the client is gone. */
async function trickle(res: ServerResponse, frames: readonly string[], delayMs: number): Promise<boolean> {
  if (delayMs <= 0) return written(res, frames.join(''));
  for (let i = 0; i < frames.length; i += 1) {
    if (i > 0 && !(await pause(res, delayMs))) return false;
    if (!(await written(res, frames[i]!))) return false;
  }
  return true;
}

function written(res: ServerResponse, text: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    res.write(text, (error) => resolve(!error && !res.destroyed));
  });
}

/** Waits `ms` unless the connection closes first (client gone or close()), so no timer outlives it. */
function pause(res: ServerResponse, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!res.destroyed);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
}

function sample([min, max]: readonly [number, number]): number {
  return min === max ? min : min + Math.random() * (max - min);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
