import { estimateTextTokens, estimateTokens } from '../../inspect/index.ts';
import { createOpenAIToAnthropicStream } from '../../translate/anthropic-to-openai.stream.ts';
import {
  anthropicRequestToOpenAI,
  openAIErrorToAnthropic,
  openAIResponseToAnthropic,
} from '../../translate/anthropic-to-openai.ts';
import { formatAnthropicEvent, type SSEMessage } from '../../translate/sse.ts';
import type { AnthropicMessagesRequest } from '../../wire/anthropic.ts';
import type { OpenAIChatCompletion, OpenAIChunk } from '../../wire/openai.ts';
import { forwardBody } from './body.ts';
import { anthropicStreamError, INCOMPLETE_STREAM, parseErrorBody } from './client-errors.ts';
import { type Codec, type CodecRequest, EMPTY, type StreamRelay } from './codec.ts';
import { createSSEReader } from './sse-reader.ts';
import { translatingRequest, translatingResponse } from './translation-errors.ts';
import { anthropicUsage } from './usage.ts';

/**
 * Anthropic client → OpenAI-compatible provider: Messages requests become Chat Completions
 * requests, and completions, chunks and errors come back as Messages ones.
 */
export function anthropicToOpenAI(request: CodecRequest): Codec {
  return {
    client: 'anthropic',
    upstream: 'openai',
    encodeRequest: (model, provider) =>
      JSON.stringify(
        translatingRequest(() =>
          anthropicRequestToOpenAI(forwardBody(request.body, model) as unknown as AnthropicMessagesRequest, {
            maxTokensField: provider.profile.maxTokensField ?? 'max_tokens',
          }),
        ),
      ),
    decodeResponse: (json) => {
      const message = translatingResponse(() => openAIResponseToAnthropic(checkCompletion(json)));
      return { body: Buffer.from(JSON.stringify(message)), usage: anthropicUsage(message.usage) };
    },
    decodeError: (status, body) => {
      const mapped = openAIErrorToAnthropic(status, parseErrorBody(body));
      return { status: mapped.status, message: mapped.body.error.message, body: mapped.body };
    },
    openStream: (model) => openAIToAnthropicStream(model, anthropicPromptEstimate(request.body)),
  };
}

function checkCompletion(json: unknown): OpenAIChatCompletion {
  const completion = json as Partial<OpenAIChatCompletion> | null;
  if (!completion || !Array.isArray(completion.choices)) throw new TypeError('not a chat completion');
  return completion as OpenAIChatCompletion;
}

/**
 * Estimated prompt tokens of a Messages body (system, messages, tools). `message_start` must report
 * input tokens but OpenAI reports usage only at the end: this stands in until `message_delta`
 * carries the real count. `count_tokens` answers it where no Anthropic provider can count.
 */
export function anthropicPromptEstimate(body: Readonly<Record<string, unknown>>): number {
  const { system, messages, tools } = body;
  const conversation = [
    ...(system === undefined ? [] : [{ role: 'system', content: system }]),
    ...(Array.isArray(messages) ? messages : []),
  ];
  const toolTokens = Array.isArray(tools) ? estimateTextTokens(JSON.stringify(tools)) : 0;
  return Math.ceil(estimateTokens(conversation) + toolTokens);
}

export function openAIToAnthropicStream(model: string, inputTokens: number): StreamRelay {
  const reader = createSSEReader();
  const translator = createOpenAIToAnthropicStream({ model, inputTokens });
  let done = false;
  let error: string | undefined;

  function fail(message: string, type: Parameters<typeof anthropicStreamError>[1] = 'api_error'): string {
    error = message;
    return anthropicStreamError(message, type).toString();
  }

  function translate(messages: SSEMessage[]): Buffer {
    let out = '';
    for (const message of messages) {
      if (done || error) break;
      if (message.data === '[DONE]') {
        done = true;
        for (const event of translator.end()) out += formatAnthropicEvent(event);
        break;
      }
      let chunk: OpenAIChunk & { error?: unknown };
      try {
        chunk = JSON.parse(message.data) as OpenAIChunk & { error?: unknown };
      } catch {
        out += fail('upstream sent an event that is not JSON');
        break;
      }
      // OpenAI-compatible servers report a failure after the stream began as a bare `{error}` payload.
      if (chunk.error !== undefined) {
        const mapped = openAIErrorToAnthropic(0, chunk);
        out += fail(mapped.body.error.message, mapped.body.error.type);
        break;
      }
      try {
        for (const event of translator.push(chunk)) out += formatAnthropicEvent(event);
      } catch {
        out += fail('upstream sent a chunk of an unexpected shape');
        break;
      }
    }
    return out === '' ? EMPTY : Buffer.from(out);
  }

  return {
    get usage() {
      return anthropicUsage(translator.usage);
    },
    get error() {
      return error;
    },
    push: (chunk) => translate(reader.push(chunk)),
    end() {
      const tail = translate(reader.end());
      if (done || error) return tail;
      return Buffer.concat([tail, Buffer.from(fail(INCOMPLETE_STREAM))]);
    },
    fail(message) {
      error ??= message;
      return anthropicStreamError(message);
    },
  };
}
