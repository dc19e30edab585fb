/**
 * Splits an event stream into whole events, keeping each event's text exactly as it came (its
 * `id:` lines matter to MCP clients that resume a stream), so an event the gateway does not
 * change is relayed byte for byte. Lines end in LF, CRLF or CR; a blank line ends an event.
 */
export class SseSplitter {
  readonly #decoder = new TextDecoder();
  #buffer = '';
  /** Where scanning resumes, and where the current line starts, within `#buffer`. */
  #scan = 0;
  #lineStart = 0;

  /** Returns the events completed by this chunk, each ending with its blank line. */
  push(chunk: Uint8Array): string[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    const text = this.#buffer;
    const events: string[] = [];
    let eventStart = 0;
    let lineStart = this.#lineStart;
    let i = this.#scan;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) {
        i++;
        continue;
      }
      // A CR at the end of the input may be the first half of a CRLF: wait for more.
      if (c === 13 && i + 1 === text.length) break;
      const next = c === 13 && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      if (i === lineStart) {
        events.push(text.slice(eventStart, next));
        eventStart = next;
      }
      lineStart = next;
      i = next;
    }
    this.#buffer = text.slice(eventStart);
    this.#scan = i - eventStart;
    this.#lineStart = lineStart - eventStart;
    return events;
  }

  /** Whatever is left when the stream ends: an unterminated event, relayed as it is. */
  end(): string {
    const rest = this.#buffer + this.#decoder.decode();
    this.#buffer = '';
    this.#scan = 0;
    this.#lineStart = 0;
    return rest;
  }
}

/** The `data:` lines of an event joined by `\n`, or null when it has none (a comment, a ping). */
export function eventData(event: string): string | null {
  const data: string[] = [];
  let found = false;
  for (const line of event.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data')) continue;
    if (line.length > 4 && line[4] !== ':') continue;
    const value = line.slice(5);
    data.push(value.startsWith(' ') ? value.slice(1) : value);
    found = true;
  }
  return found ? data.join('\n') : null;
}

/** The event with its data replaced by `data` (one line), every other field kept in place. */
export function withData(event: string, data: string): string {
  const out: string[] = [];
  let written = false;
  for (const line of event.split(/\r\n|\r|\n/)) {
    if (line === '') continue;
    const isData = line.startsWith('data') && (line.length === 4 || line[4] === ':');
    if (!isData) {
      out.push(line);
      continue;
    }
    if (written) continue;
    out.push(`data: ${data}`);
    written = true;
  }
  return `${out.join('\n')}\n\n`;
}
