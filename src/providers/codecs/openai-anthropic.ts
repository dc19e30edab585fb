import type { ProviderRuntime } from '../../config/snapshot.ts';
import {
  AnthropicStreamError,
  createAnthropicToOpenAIStream,
} from '../../translate/openai-to-anthropic.stream.ts';
import {
  anthropicErrorToOpenAI,
  anthropicResponseToOpenAI,
  openAIRequestToAnthropic,
} from '../../translate/openai-to-anthropic.ts';
import {
  formatOpenAIChunk,
  formatOpenAIStreamError,
  OPENAI_STREAM_DONE,
  type SSEMessage,
} from '../../translate/sse.ts';
import type { AnthropicMessage, AnthropicStreamEvent } from '../../wire/anthropic.ts';
import type { OpenAIChatRequest } from '../../wire/openai.ts';
import { DEFAULT_ANTHROPIC_VERSION } from '../profiles.ts';
import { forwardBody } from './body.ts';
import { INCOMPLETE_STREAM, openAIStreamError, parseErrorBody } from './client-errors.ts';
import { type Codec, type CodecRequest, EMPTY, type StreamRelay } from './codec.ts';
import { createSSEReader } from './sse-reader.ts';
import { translatingRequest, translatingResponse } from './translation-errors.ts';
import { openAIUsage } from './usage.ts';

/**
 * OpenAI client → Anthropic provider: Chat Completions requests become Messages requests, and
 * messages, stream events and errors come back as Chat Completions ones.
 */

/** From this API version on, the Messages API has no temperature/top_p/top_k. */
const NO_SAMPLING_FROM = '2026-10-21';

export function samplingAllowed(provider: ProviderRuntime): boolean {
  const version = provider.headers['anthropic-version'] ?? DEFAULT_ANTHROPIC_VERSION;
  return version < NO_SAMPLING_FROM;
}

export function openAIToAnthropic(request: CodecRequest): Codec {
  const created = Math.floor(Date.now() / 1000);
  // OpenAI sends the final usage chunk only to clients that ask for it (naive clients index choices[0]).
  const options = request.body.stream_options as { include_usage?: unknown } | undefined;
  const includeUsage = options?.include_usage === true;
  return {
    client: 'openai',
    upstream: 'anthropic',
    encodeRequest: (model, provider) =>
      JSON.stringify(
        translatingRequest(() =>
          openAIRequestToAnthropic(forwardBody(request.body, model) as unknown as OpenAIChatRequest, {
            sampling: samplingAllowed(provider),
          }),
        ),
      ),
    decodeResponse: (json) => {
      const completion = translatingResponse(() =>
        anthropicResponseToOpenAI(checkMessage(json), { created }),
      );
      return { body: Buffer.from(JSON.stringify(completion)), usage: openAIUsage(completion.usage) };
    },
    decodeError: (status, body) => {
      const mapped = anthropicErrorToOpenAI(status, parseErrorBody(body));
      return { status: mapped.status, message: mapped.body.error.message, body: mapped.body };
    },
    openStream: (model) => anthropicToOpenAIStream(model, created, includeUsage),
  };
}

/** The translator trusts its input's shape; an upstream's answer is checked first. */
function checkMessage(json: unknown): AnthropicMessage {
  const message = json as Partial<AnthropicMessage> | null;
  if (!message || !Array.isArray(message.content) || typeof message.usage !== 'object' || !message.usage) {
    throw new TypeError('not a Messages response');
  }
  return message as AnthropicMessage;
}

export function anthropicToOpenAIStream(model: string, created: number, includeUsage: boolean): StreamRelay {
  const reader = createSSEReader();
  const translator = createAnthropicToOpenAIStream({ model, created, includeUsage });
  let done = false;
  let error: string | undefined;

  function translate(messages: SSEMessage[]): Buffer {
    let out = '';
    for (const message of messages) {
      if (done || error) break;
      if (message.event === 'ping') continue;
      let event: AnthropicStreamEvent;
      try {
        event = JSON.parse(message.data) as AnthropicStreamEvent;
      } catch {
        error = 'upstream sent an event that is not JSON';
        out += openAIStreamError(error).toString();
        break;
      }
      try {
        for (const chunk of translator.push(event)) out += formatOpenAIChunk(chunk);
      } catch (failure) {
        if (failure instanceof AnthropicStreamError) {
          error = failure.message;
          out += formatOpenAIStreamError(failure.body);
        } else {
          error = 'upstream sent an event of an unexpected shape';
          out += openAIStreamError(error).toString();
        }
        break;
      }
      if (event.type === 'message_stop') {
        done = true;
        out += OPENAI_STREAM_DONE;
      }
    }
    return out === '' ? EMPTY : Buffer.from(out);
  }

  return {
    get usage() {
      return openAIUsage(translator.usage);
    },
    get error() {
      return error;
    },
    push: (chunk) => translate(reader.push(chunk)),
    end() {
      const tail = translate(reader.end());
      if (done || error) return tail;
      error = INCOMPLETE_STREAM;
      return Buffer.concat([tail, openAIStreamError(error)]);
    },
    fail(message) {
      error ??= message;
      return openAIStreamError(message);
    },
  };
}
