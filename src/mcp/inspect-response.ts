import type { JsonRpcId } from '../errors.ts';
import type { ToolCall, ToolCallOutcome } from './audit.ts';
import { eventData, SseSplitter, withData } from './sse-events.ts';

/**
 * Looks at the JSON-RPC messages a server sends back — in a JSON body or event by event in a
 * stream — to do two things: remove from tools/list results the tools the caller may not use, and
 * note how each tool call ended (for the audit line). Messages it has no business with pass
 * through unchanged, byte for byte.
 */
export interface InspectorOptions {
  /** Whether the caller may see a tool; null when the server hides nothing. */
  readonly toolVisible: ((name: string) => boolean) | null;
  /**
   * Ids of the tools/list requests being answered; `any` on a GET stream, which may replay answers
   * (after a reconnect with Last-Event-ID) to requests the gateway did not see on this exchange.
   */
  readonly toolListIds: ReadonlySet<JsonRpcId> | 'any';
  /** Tool calls waiting for their answer, by request id. */
  readonly calls: ReadonlyMap<JsonRpcId, ToolCall>;
  onCallEnded(call: ToolCall, outcome: ToolCallOutcome): void;
}

export class ResponseInspector {
  readonly #options: InspectorOptions;
  readonly #pending: Map<JsonRpcId, ToolCall>;

  constructor(options: InspectorOptions) {
    this.#options = options;
    this.#pending = new Map(options.calls);
  }

  /** Whether any message could still need a look. */
  get active(): boolean {
    return this.#options.toolVisible !== null || this.#pending.size > 0;
  }

  /** The message to send instead of `message`, or undefined to send it unchanged. */
  inspect(message: unknown): unknown {
    if (Array.isArray(message)) return this.#inspectBatch(message);
    if (!isObject(message) || !('id' in message)) return undefined;
    const id = message.id as JsonRpcId;
    const result = message.result;
    const call = this.#pending.get(id);
    if (call !== undefined) {
      this.#pending.delete(id);
      this.#options.onCallEnded(call, callOutcome(message));
    }
    if (!isObject(result) || !Array.isArray(result.tools)) return undefined;
    return this.#filterTools(id, message, result, result.tools);
  }

  /** The exchange is over: calls still waiting never got their answer. */
  finish(outcome: ToolCallOutcome): void {
    for (const call of this.#pending.values()) this.#options.onCallEnded(call, outcome);
    this.#pending.clear();
  }

  #inspectBatch(messages: unknown[]): unknown {
    let changed = false;
    const out = messages.map((message) => {
      const replaced = this.inspect(message);
      if (replaced === undefined) return message;
      changed = true;
      return replaced;
    });
    return changed ? out : undefined;
  }

  #filterTools(
    id: JsonRpcId,
    message: Record<string, unknown>,
    result: Record<string, unknown>,
    tools: unknown[],
  ) {
    const { toolVisible, toolListIds } = this.#options;
    if (toolVisible === null) return undefined;
    if (toolListIds !== 'any' && !toolListIds.has(id)) return undefined;
    // A tool without a usable name cannot be called through the gateway either: drop it too.
    const visible = tools.filter(
      (tool) => isObject(tool) && typeof tool.name === 'string' && toolVisible(tool.name),
    );
    if (visible.length === tools.length) return undefined;
    return { ...message, result: { ...result, tools: visible } };
  }
}

function callOutcome(message: Record<string, unknown>): ToolCallOutcome {
  if ('error' in message) return 'error';
  const result = message.result;
  return isObject(result) && result.isError === true ? 'tool_error' : 'ok';
}

/** A JSON body: parsed, inspected, serialized again only if something changed. */
export function inspectJsonBody(text: string, inspector: ResponseInspector): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  const replaced = inspector.inspect(parsed);
  return replaced === undefined ? text : JSON.stringify(replaced);
}

/**
 * An event stream, relayed event by event as each one completes (never buffered whole). Events
 * whose data is not a message the inspector changes are relayed as they came.
 */
export async function* inspectSseStream(
  body: AsyncIterable<Uint8Array>,
  inspector: ResponseInspector,
): AsyncGenerator<Buffer> {
  const splitter = new SseSplitter();
  for await (const chunk of body) {
    const events = splitter.push(chunk);
    if (events.length === 0) continue;
    yield Buffer.from(events.map((event) => inspectEvent(event, inspector)).join(''));
  }
  const rest = splitter.end();
  if (rest !== '') yield Buffer.from(rest);
}

function inspectEvent(event: string, inspector: ResponseInspector): string {
  if (!inspector.active) return event;
  const data = eventData(event);
  if (data === null || data === '') return event;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return event;
  }
  const replaced = inspector.inspect(parsed);
  return replaced === undefined ? event : withData(event, JSON.stringify(replaced));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
