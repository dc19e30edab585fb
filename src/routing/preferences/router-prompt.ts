import { estimateTextTokens } from '../../inspect/index.ts';

/**
 * The prompt a router model reads, in the format the Arch-Router model card documents
 * (katanemo/Arch-Router-1.5B; the same text katanemo's own gateway sends): the routes as a JSON
 * list of `{name, description}` inside `<routes>`, the conversation as a JSON list of
 * `{role, content}` inside `<conversation>`, and the answer asked for as `{"route": "<name>"}`,
 * with `other` for none. The wording, typos included, is what the model was trained on, so it is
 * kept word for word; any OpenAI-compatible model follows it as well.
 */
export interface RouteDescription {
  readonly name: string;
  readonly description: string;
}

export interface RouterTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

const PROMPT_HEAD = `
You are a helpful assistant designed to find the best suited route.
You are provided with route description within <routes></routes> XML tags:
<routes>
`;
const PROMPT_MIDDLE = `
</routes>

<conversation>
`;
const PROMPT_TAIL = `
</conversation>

Your task is to decide which route is best suit with user intent on the conversation in <conversation></conversation> XML tags.  Follow the instruction:
1. If the latest intent from user is irrelevant or user intent is full filled, response with other route {"route": "other"}.
2. You must analyze the route descriptions and find the best match route for user latest intent.
3. You only response the name of the route that best matches the user's request, use the exact name in the <routes></routes>.

Based on your analysis, provide your response in the following JSON formats if you decide to match any route:
{"route": "route_name"}
`;

export function buildRouterPrompt(routes: readonly RouteDescription[], turns: readonly RouterTurn[]): string {
  const routeJson = JSON.stringify(
    routes.map((route) => ({ name: route.name, description: route.description })),
  );
  const conversationJson = JSON.stringify(turns.map((turn) => ({ role: turn.role, content: turn.content })));
  // Concatenated, not String.replace: a `$&` in a description or message must stay literal.
  return PROMPT_HEAD + routeJson + PROMPT_MIDDLE + conversationJson + PROMPT_TAIL;
}

/** Chat framing per message (start, role, separator, end), as in the prompt token estimate. */
const TOKENS_PER_TURN = 4;
/** A message that does not fit is still trimmed into the budget when at least this much is left. */
const MIN_TRIMMED_TOKENS = 64;
const ELISION = ' […] ';

/**
 * The turns the router sees: user and assistant text only (system prompts, tool calls and results,
 * and empty messages say nothing about the user's intent), the newest kept within `tokenBudget`
 * estimated tokens. The newest message is always kept, trimmed in the middle if it alone is over
 * budget; an older one that does not fit is trimmed into what is left, and older turns are dropped.
 * Returns no turns when there is no user text at all.
 */
export function selectConversation(messages: unknown, tokenBudget: number): RouterTurn[] {
  const candidates = textTurns(messages);
  const kept: RouterTurn[] = [];
  let left = tokenBudget;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const turn = candidates[i] as RouterTurn;
    const cost = estimateTextTokens(turn.content) + TOKENS_PER_TURN;
    if (cost <= left) {
      kept.push(turn);
      left -= cost;
      continue;
    }
    const room = left - TOKENS_PER_TURN;
    if (kept.length === 0 || room >= MIN_TRIMMED_TOKENS) {
      kept.push({ role: turn.role, content: trimMiddle(turn.content, Math.max(room, 1)) });
    }
    break;
  }
  kept.reverse();
  return kept.some((turn) => turn.role === 'user') ? kept : [];
}

/** User and assistant messages with their text, in order; OpenAI and Anthropic shapes. */
function textTurns(messages: unknown): RouterTurn[] {
  if (!Array.isArray(messages)) return [];
  const turns: RouterTurn[] = [];
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (role !== 'user' && role !== 'assistant') continue;
    const text = textOf(content).trim();
    if (text !== '') turns.push({ role, content: text });
  }
  return turns;
}

/** The text parts of a message's content; images, tool use and tool results are left out. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') parts.push(part);
    else if (isTextPart(part)) parts.push(part.text);
  }
  return parts.join('\n');
}

function isTextPart(part: unknown): part is { text: string } {
  if (part === null || typeof part !== 'object') return false;
  const { type, text } = part as { type?: unknown; text?: unknown };
  return typeof text === 'string' && (type === undefined || type === 'text' || type === 'input_text');
}

/**
 * Cuts the middle out of `text` so its estimate fits `maxTokens`: the start of a long message
 * usually states the task and the end the latest ask, while the middle is pasted material.
 */
export function trimMiddle(text: string, maxTokens: number): string {
  const estimate = estimateTextTokens(text);
  if (estimate <= maxTokens) return text;
  // The estimate is close to linear in length, so scale, then shrink until it fits.
  let keep = Math.floor(text.length * (maxTokens / estimate));
  for (;;) {
    const half = Math.max(0, Math.floor(keep / 2));
    const head = text.slice(0, safeCut(text, half));
    const tail = text.slice(safeCut(text, text.length - half));
    const trimmed = head + ELISION + tail;
    if (keep <= 0 || estimateTextTokens(trimmed) <= maxTokens) return trimmed;
    keep = Math.floor(keep * 0.9) - 1;
  }
}

/** Moves a cut off the second half of a surrogate pair, so no emoji is split in two. */
function safeCut(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return index > 0 && code >= 0xdc00 && code <= 0xdfff ? index - 1 : index;
}
