import type { ProviderRuntime } from '../../config/snapshot.ts';
import type { WireApi } from '../profiles.ts';
import { anthropicPassthrough } from './anthropic-anthropic.ts';
import { anthropicToOpenAI } from './anthropic-openai.ts';
import type { Codec, CodecRequest } from './codec.ts';
import { openAIToAnthropic } from './openai-anthropic.ts';
import { openAIPassthrough } from './openai-openai.ts';

/** One codec per (client API, provider API) pair: passthrough when they match, translation when not. */
const CODECS: Readonly<Record<WireApi, Readonly<Record<WireApi, (request: CodecRequest) => Codec>>>> = {
  openai: { openai: openAIPassthrough, anthropic: openAIToAnthropic },
  anthropic: { anthropic: anthropicPassthrough, openai: anthropicToOpenAI },
};

export type CodecFor = (provider: ProviderRuntime) => Codec;

/** The codec for each target of one request, made on first use per provider API. */
export function codecsFor(client: WireApi, request: CodecRequest): CodecFor {
  const made = new Map<WireApi, Codec>();
  return (provider) => {
    const api = provider.profile.api;
    let codec = made.get(api);
    if (!codec) {
      codec = CODECS[client][api](request);
      made.set(api, codec);
    }
    return codec;
  };
}
