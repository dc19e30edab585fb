/**
 * Reads the router model's answer. Small models wrap the JSON in code fences, use single quotes or
 * add a sentence around it, so the reading is lenient about the form; it is strict about the
 * content: only a name from the routes offered is ever accepted.
 */
export type RouterAnswer =
  | { readonly kind: 'route'; readonly name: string }
  /** `{"route": "other"}`, an empty or null route: no route fits. */
  | { readonly kind: 'none' }
  /** A route name that is not one of the routes offered. */
  | { readonly kind: 'unknown'; readonly name: string }
  | { readonly kind: 'malformed' };

const NONE: RouterAnswer = { kind: 'none' };
const MALFORMED: RouterAnswer = { kind: 'malformed' };
const NO_ROUTE = 'other';
/** Answers are a few tokens; anything longer is read only this far. */
const MAX_ANSWER_CHARS = 4096;
const FENCE = /```[A-Za-z]*\s*([\s\S]*?)\s*```/;
const ROUTE_FIELD = /["']?route["']?\s*[:=]\s*(?:"([^"]*)"|'([^']*)'|(null))/i;

export function parseRouterAnswer(raw: string, routeNames: readonly string[]): RouterAnswer {
  let text = raw.slice(0, MAX_ANSWER_CHARS).trim();
  const fenced = FENCE.exec(text);
  if (fenced) text = (fenced[1] ?? '').trim();
  if (text === '') return NONE;

  const value = routeValue(text);
  if (value === undefined) {
    // A bare name is accepted only when it is exactly one of the routes (or "other").
    const bare = text.replace(/^["'`]|["'`.]$/g, '').trim();
    return bare.toLowerCase() === NO_ROUTE || routeNames.includes(bare)
      ? classify(bare, routeNames)
      : MALFORMED;
  }
  return classify(value, routeNames);
}

/** The `route` value of the first object in the text; null when it is null; undefined when none. */
function routeValue(text: string): string | null | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start !== -1 && end > start) {
    const object = text.slice(start, end + 1);
    const parsed = parseObject(object) ?? parseObject(object.replaceAll("'", '"'));
    if (parsed && 'route' in parsed) {
      const { route } = parsed;
      if (route === null) return null;
      if (typeof route === 'string') return route;
      return undefined;
    }
  }
  const field = ROUTE_FIELD.exec(text);
  if (!field) return undefined;
  if (field[3] !== undefined) return null;
  return field[1] ?? field[2];
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function classify(value: string | null, routeNames: readonly string[]): RouterAnswer {
  const name = value?.trim() ?? '';
  if (name === '' || name.toLowerCase() === NO_ROUTE) return NONE;
  if (routeNames.includes(name)) return { kind: 'route', name };
  // A model that changes the case still means a route; only a unique match is taken.
  const folded = routeNames.filter((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (folded.length === 1) return { kind: 'route', name: folded[0] as string };
  return { kind: 'unknown', name: name.slice(0, 128) };
}
