import type { Usage } from './codec.ts';
import { openAIUsage } from './usage.ts';

/**
 * Watches the last bytes of a relayed OpenAI SSE stream without buffering it: enough to tell whether
 * the upstream finished properly (`data: [DONE]`) and to read the usage it reported at the end.
 */
const KEEP_BYTES = 4096;

export class SseTail {
  #tail = '';

  push(chunk: Buffer): void {
    const text =
      chunk.length > KEEP_BYTES
        ? chunk.subarray(chunk.length - KEEP_BYTES).toString('utf8')
        : chunk.toString('utf8');
    this.#tail = (this.#tail + text).slice(-KEEP_BYTES);
  }

  get sawDone(): boolean {
    return this.#tail.includes('data: [DONE]');
  }

  /** Usage from the last event that carried it, if still in the tail. */
  usage(): Usage | undefined {
    const at = this.#tail.lastIndexOf('"usage"');
    if (at === -1) return undefined;
    const lineStart = this.#tail.lastIndexOf('data: ', at);
    const lineEnd = this.#tail.indexOf('\n', at);
    if (lineStart === -1 || lineEnd === -1) return undefined;
    try {
      const event = JSON.parse(this.#tail.slice(lineStart + 6, lineEnd)) as { usage?: unknown };
      return openAIUsage(event.usage);
    } catch {
      return undefined;
    }
  }
}
