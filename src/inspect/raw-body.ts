import { isUtf8 } from 'node:buffer';

/**
 * Whether a JSON request's bytes can be forwarded as they are instead of the gateway's re-encoding
 * of what it parsed: whether they carry nothing a parser could read differently from `JSON.parse`
 * that re-encoding would have removed.
 *
 * That is a key given twice in one object. `JSON.parse` keeps the last copy, other parsers keep
 * the first or refuse the body; a client could put a sensitive first copy of `messages` past every
 * check made on the last. So the bytes qualify only when they hold as many keys as the parsed tree
 * does: a repeated key, at any depth and however it is spelled (escapes included), leaves the tree
 * with fewer. Besides that, the bytes must be valid UTF-8 (the gateway decoded invalid bytes as
 * U+FFFD and checked those) and carry no byte order mark (our parser skips it, others refuse it).
 * Keys that differ only in case pass, as they do in a re-encoded body: a parser that folds case
 * (Go's encoding/json) reads them as one key either way.
 *
 * `raw` must be the text `parsed` came from, and `JSON.parse` must have accepted it.
 */
export function sameAsParsed(raw: Buffer, parsed: unknown): boolean {
  if (raw[0] === UTF8_BOM_FIRST_BYTE || !isUtf8(raw)) return false;
  return keysInText(raw) === keysInTree(parsed);
}

const UTF8_BOM_FIRST_BYTE = 0xef;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * The keys written in a JSON text: its strings followed by a colon. In valid JSON a quote outside
 * a string always opens one, so the scan jumps from string to string; a quote inside a string is
 * escaped, i.e. preceded by an odd number of backslashes.
 */
function keysInText(text: Buffer): number {
  let keys = 0;
  let from = 0;
  for (;;) {
    const open = text.indexOf(QUOTE, from);
    if (open === -1) return keys;
    let close = text.indexOf(QUOTE, open + 1);
    while (close !== -1 && isEscaped(text, close)) close = text.indexOf(QUOTE, close + 1);
    // Unreachable for text JSON.parse accepted; counted as a mismatch rather than trusted.
    if (close === -1) return -1;
    let next = close + 1;
    while (isJsonWhitespace(text[next])) next++;
    if (text[next] === COLON) keys++;
    from = close + 1;
  }
}

function isEscaped(text: Buffer, quote: number): boolean {
  let backslashes = 0;
  for (let i = quote - 1; text[i] === BACKSLASH; i--) backslashes++;
  return backslashes % 2 === 1;
}

function isJsonWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Own keys of every object in a parsed JSON value; iterative, as JSON may nest deeper than the stack. */
function keysInTree(value: unknown): number {
  let keys = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) {
      for (const element of item) pending.push(element);
    } else {
      // Own keys only: `for...in` would also count anything enumerable added to Object.prototype.
      for (const key of Object.keys(item)) {
        keys++;
        pending.push((item as Record<string, unknown>)[key]);
      }
    }
  }
  return keys;
}
