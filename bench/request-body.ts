import { randomUUID } from 'node:crypto';

/**
 * The one request every target receives: a ~1 KB chat completion, the size of a short real prompt,
 * so per-byte costs (reading, JSON parsing, re-encoding) show up as they would in production.
 * The model is `gpt-4o-mini` everywhere: the fake answers it directly, and the Switchyard configs
 * define it as an alias, so the bytes sent and the reply received are the same for every target.
 */
export const BENCH_MODEL = 'gpt-4o-mini';
export const CHAT_PATH = '/v1/chat/completions';
export const TARGET_BODY_BYTES = 1024;

const SYSTEM = 'You are a concise assistant for an internal analytics team. Answer in plain English.';
const FILLER =
  'Summarise the quarterly figures below and point out anything unusual in the regional breakdown. ';

function build(stream: boolean, content: string): string {
  return JSON.stringify({
    model: BENCH_MODEL,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content },
    ],
    temperature: 0.2,
    ...(stream ? { stream: true } : {}),
  });
}

/** Pads the user message until the non-streaming body is exactly TARGET_BODY_BYTES (ASCII only). */
function userContent(): string {
  const overhead = build(false, '').length;
  let content = '';
  while (content.length < TARGET_BODY_BYTES - overhead) content += FILLER;
  return content.slice(0, TARGET_BODY_BYTES - overhead);
}

const CONTENT = userContent();

export const CHAT_BODY = build(false, CONTENT);
export const STREAM_BODY = build(true, CONTENT);

/**
 * The body for a run; a scenario may add fields (e.g. `policy_id` for the full scenario), which
 * Switchyard strips before forwarding, so the upstream still sees the same request.
 */
export function bodyFor(stream: boolean, extra?: Readonly<Record<string, unknown>>): string {
  const base = stream ? STREAM_BODY : CHAT_BODY;
  if (!extra) return base;
  return JSON.stringify({ ...(JSON.parse(base) as Record<string, unknown>), ...extra });
}

export const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

/** What a load generator needs to know to address a target, besides its origin. */
export interface RequestShape {
  headers: Record<string, string>;
  bodyFields?: Readonly<Record<string, unknown>> | undefined;
  /**
   * A header that carries a new session id on every request, so that each one is a conversation's
   * first turn: nothing is pinned yet, the whole decision runs, and the served target is pinned.
   */
  sessionHeader?: string | undefined;
}

/** The headers of each request: the same ones every time, unless each opens a new session. */
export function headersFor(shape: RequestShape): () => Record<string, string> {
  const fixed = { ...JSON_HEADERS, ...shape.headers };
  const name = shape.sessionHeader;
  if (name === undefined) return () => fixed;
  return () => ({ ...fixed, [name]: randomUUID() });
}
