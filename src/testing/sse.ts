/**
 * Server-sent events as the OpenAI streaming APIs use them: each event is `data: <json>` followed by
 * a blank line, and the stream ends with `data: [DONE]`. The writers are used by the fake upstream;
 * the readers let tests look at a raw stream without pulling in a client SDK.
 */

export const SSE_DONE_PAYLOAD = '[DONE]';
export const SSE_DONE = `data: ${SSE_DONE_PAYLOAD}\n\n`;

export function sseData(payload: string): string {
  return `data: ${payload}\n\n`;
}

/**
 * The `data` payloads of the complete events in `text`, in order. A multi-line `data` field is joined
 * with `\n` as the SSE spec says; comments, other fields and a trailing incomplete event are skipped,
 * so a stream cut off mid-event yields only what was whole.
 */
export function parseSseData(text: string): string[] {
  const payloads: string[] = [];
  const events = text.replace(/\r\n?/g, '\n').split('\n\n');
  // The last piece is either '' (the text ended on a boundary) or an unterminated event.
  events.pop();
  for (const event of events) {
    const data = dataOf(event);
    if (data !== null) payloads.push(data);
  }
  return payloads;
}

function dataOf(event: string): string | null {
  let data: string | null = null;
  for (const line of event.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

/**
 * Yields each event's `data` payload as it arrives from a fetch body. Errors of the underlying stream
 * (a reset, an abort) propagate to the caller, which is what fault tests look for.
 */
export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  // A CR at the end of a read may be half of a CRLF: hold it back until the next read decides.
  let heldCr = '';
  for await (const bytes of body) {
    const text = heldCr + decoder.decode(bytes, { stream: true });
    heldCr = text.endsWith('\r') ? '\r' : '';
    buffered += (heldCr ? text.slice(0, -1) : text).replace(/\r\n?/g, '\n');
    let boundary = buffered.indexOf('\n\n');
    while (boundary !== -1) {
      const data = dataOf(buffered.slice(0, boundary));
      buffered = buffered.slice(boundary + 2);
      if (data !== null) yield data;
      boundary = buffered.indexOf('\n\n');
    }
  }
}
