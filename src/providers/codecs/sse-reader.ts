import { createSSEDecoder, type SSEMessage } from '../../translate/sse.ts';

/** Upstream bytes → complete SSE events, keeping a multi-byte character or event split across chunks. */
export interface SSEReader {
  push(chunk: Buffer): SSEMessage[];
  end(): SSEMessage[];
}

export function createSSEReader(): SSEReader {
  const text = new TextDecoder();
  const events = createSSEDecoder();
  return {
    push: (chunk) => events.push(text.decode(chunk, { stream: true })),
    end: () => {
      const rest = text.decode();
      return rest === '' ? events.end() : [...events.push(rest), ...events.end()];
    },
  };
}
