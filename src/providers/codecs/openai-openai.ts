import { passthroughBody } from './body.ts';
import { INCOMPLETE_STREAM, openAIClientError, openAIStreamError, parseErrorBody } from './client-errors.ts';
import { type Codec, type CodecRequest, EMPTY, type StreamRelay, type Usage } from './codec.ts';
import { SseTail } from './openai-sse-tail.ts';
import { openAIUsage } from './usage.ts';

/**
 * OpenAI client → OpenAI-compatible provider: bodies and streams pass through byte for byte. The
 * stream relay only watches the tail, to see `[DONE]` and the final usage.
 */
export function openAIPassthrough(request: CodecRequest): Codec {
  return {
    client: 'openai',
    upstream: 'openai',
    encodeRequest: (model) => passthroughBody(request, model),
    decodeResponse: (json, raw) => ({
      body: raw,
      usage: openAIUsage((json as { usage?: unknown } | null)?.usage),
    }),
    decodeError: (status, body) => openAIClientError(status, parseErrorBody(body)),
    openStream: openAIPassthroughStream,
  };
}

export function openAIPassthroughStream(): StreamRelay {
  const tail = new SseTail();
  let usage: Usage | undefined;
  let error: string | undefined;
  return {
    get usage() {
      return usage;
    },
    get error() {
      return error;
    },
    push(chunk) {
      tail.push(chunk);
      return chunk;
    },
    end() {
      usage = tail.usage();
      if (tail.sawDone) return EMPTY;
      error = INCOMPLETE_STREAM;
      return openAIStreamError(error);
    },
    fail(message) {
      error ??= message;
      return openAIStreamError(message);
    },
  };
}
