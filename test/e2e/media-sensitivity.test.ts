import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../src/testing/fake-openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * `routing.media_sensitivity`: what the PII scan cannot read (an image's pixels, a PDF) is rated
 * at the operator's level, so an enforced sensitivity rule keeps such media on approved providers.
 * Media whose bytes are text is read like any other text.
 */
let onprem: FakeOpenAI;
let cloud: FakeOpenAI;
let gw: TestGateway;

/** A PNG signature: bytes that are not text. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');

beforeAll(async () => {
  [onprem, cloud] = await Promise.all([
    startFakeOpenAI({ name: 'onprem' }),
    startFakeOpenAI({ name: 'cloud' }),
  ]);
  gw = await startTestGateway(`
version: 1
providers:
  - {name: onprem, kind: openai-compatible, base_url: "${onprem.url}", models: [local-vision]}
  - {name: cloud, kind: openai-compatible, base_url: "${cloud.url}", models: [gpt-4o]}
routing:
  default: cloud/gpt-4o
  media_sensitivity: high
  rules:
    - {name: sensitive-stays-home, priority: 1, enforce: true,
       conditions: [{field: request.sensitivity, operator: gte, value: high}],
       action: {provider: onprem, model: local-vision}}
`);
});

afterAll(async () => {
  await gw.close();
  await Promise.all([onprem.close(), cloud.close()]);
});

beforeEach(() => {
  onprem.reset();
  cloud.reset();
});

const openai = () => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });

async function providerFor(
  content: OpenAI.Chat.ChatCompletionContentPart[] | string,
): Promise<string | null> {
  const { response } = await openai()
    .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] })
    .withResponse();
  return response.headers.get('x-switchyard-provider');
}

describe('routing.media_sensitivity', () => {
  it('keeps an image it cannot read on the approved provider, and text without media where it was', async () => {
    expect(await providerFor('describe a cat')).toBe('cloud');
    const image = { type: 'image_url' as const, image_url: { url: `data:image/png;base64,${PNG}` } };
    expect(await providerFor([{ type: 'text', text: 'what is this?' }, image])).toBe('onprem');
    const remote = { type: 'image_url' as const, image_url: { url: 'https://images.example/cat.png' } };
    expect(await providerFor([{ type: 'text', text: 'and this?' }, remote])).toBe('onprem');
    expect(cloud.requests).toHaveLength(1);
  });

  it('reads a file whose bytes are text, and routes it by what it says', async () => {
    const file = (text: string) => ({
      type: 'file' as const,
      file: {
        filename: 'notes.txt',
        file_data: `data:text/plain;base64,${Buffer.from(text).toString('base64')}`,
      },
    });
    expect(await providerFor([file('meeting at noon')])).toBe('cloud');
    expect(await providerFor([file('ssn 123-45-6789')])).toBe('onprem');
  });

  it('applies to the Anthropic API as well', async () => {
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const providerOf = async (source: Anthropic.ImageBlockParam['source']) => {
      const { response } = await anthropic.messages
        .create({
          model: 'gpt-4o',
          max_tokens: 16,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'image', source },
                { type: 'text', text: 'what is this?' },
              ],
            },
          ],
        })
        .withResponse();
      return response.headers.get('x-switchyard-provider');
    };
    expect(await providerOf({ type: 'base64', media_type: 'image/png', data: PNG })).toBe('onprem');
    expect(await providerOf({ type: 'url', url: 'https://images.example/cat.png' })).toBe('onprem');
    expect(cloud.requests).toHaveLength(0);
  });
});
