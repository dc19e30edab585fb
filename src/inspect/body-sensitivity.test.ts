import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sensitivityOfBody } from './body-sensitivity.ts';
import { SENSITIVITY_LEVELS } from './sensitivity.ts';

const CARD = '4111 1111 1111 1111';

describe('sensitivityOfBody', () => {
  it('reads OpenAI string content and takes the highest level across messages', () => {
    const messages = [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'My server is 10.0.0.7' },
      { role: 'assistant', content: 'Noted.' },
      { role: 'user', content: 'Reach me at ann@example.org' },
    ];
    expect(sensitivityOfBody(messages)).toBe('medium');
  });

  it('reads OpenAI content parts and ignores non-text parts', () => {
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          { type: 'text', text: `charge ${CARD}` },
        ],
      },
    ];
    expect(sensitivityOfBody(messages)).toBe('critical');
  });

  it('reads assistant tool-call arguments', () => {
    const messages = [
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"ssn":"123-45-6789"}' } },
        ],
      },
    ];
    expect(sensitivityOfBody(messages)).toBe('high');
  });

  it('reads Anthropic text blocks, tool_use input and tool_result content', () => {
    expect(
      sensitivityOfBody([{ role: 'user', content: [{ type: 'text', text: 'call 415-555-2671' }] }]),
    ).toBe('medium');
    expect(
      sensitivityOfBody([
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'pay', input: { card: CARD } }] },
      ]),
    ).toBe('critical');
    expect(
      sensitivityOfBody([
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ssn 123-45-6789' }] },
      ]),
    ).toBe('high');
    expect(
      sensitivityOfBody([
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              content: [
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
                { type: 'text', text: 'IBAN GB82 WEST 1234 5698 7654 32' },
              ],
            },
          ],
        },
      ]),
    ).toBe('critical');
  });

  it('reads what a tool block carries even when the block also has a harmless text', () => {
    // A translator sends a tool_result's content and a tool_use's input whatever else the block holds.
    expect(
      sensitivityOfBody([
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 't1', text: 'ok', content: 'ssn 123-45-6789' }],
        },
      ]),
    ).toBe('high');
    expect(
      sensitivityOfBody([
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', text: 'x', name: 'pay', input: { card: CARD } }],
        },
      ]),
    ).toBe('critical');
  });

  it('reads Anthropic thinking blocks, which go back to the model', () => {
    expect(
      sensitivityOfBody([
        {
          role: 'assistant',
          content: [{ type: 'thinking', thinking: `the card is ${CARD}`, signature: 's' }],
        },
      ]),
    ).toBe('critical');
  });

  it('returns none when nothing is found', () => {
    expect(sensitivityOfBody([{ role: 'user', content: 'What is the capital of France?' }])).toBe('none');
    expect(sensitivityOfBody([])).toBe('none');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array of junk without text', [null, 1, [], true, { content: 7 }, [[[]]]]],
  ])('treats %s as none, without throwing', (_name, input) => {
    expect(sensitivityOfBody(input)).toBe('none');
  });

  it.each([
    ['a bare string', `not messages ${CARD}`],
    ['a message outside any list', { role: 'user', content: CARD }],
    [
      'a tool_result nested in a tool_result',
      [{ content: [{ type: 'tool_result', content: [{ type: 'tool_result', content: CARD }] }] }],
    ],
    [
      'tool_calls of the wrong shape',
      [{ tool_calls: [null, { function: CARD }, { function: { arguments: 5 } }] }],
    ],
    [
      'a part of an unknown type',
      [{ role: 'user', content: [{ type: 'future_part', payload: { deep: CARD } }] }],
    ],
  ])('reads %s, whatever its shape', (_name, input) => {
    expect(sensitivityOfBody(input)).toBe('critical');
  });

  it('never throws on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(SENSITIVITY_LEVELS).toContain(sensitivityOfBody(value));
      }),
    );
  });

  it('ends on a value built with a cycle, and reads what the cycle holds once', () => {
    const cyclic: Record<string, unknown> = { note: 'ssn 123-45-6789' };
    cyclic.self = cyclic;
    const messages = [
      { role: 'assistant', content: [{ type: 'tool_use', name: 'x', input: cyclic }] },
      { role: 'assistant', content: [{ type: 'tool_use', name: 'y', input: { n: 10n } }] },
    ];
    expect(sensitivityOfBody(messages)).toBe('high');
    expect(sensitivityOfBody({ list: [cyclic, cyclic] })).toBe('high');
  });
});

describe('sensitivityOfBody reads every field an upstream may read', () => {
  const chat = (extra: Record<string, unknown>) => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'What is the capital of France?' }],
    ...extra,
  });

  it('finds nothing in a clean chat body', () => {
    expect(sensitivityOfBody(chat({ temperature: 0.2, stream: true }))).toBe('none');
  });

  it.each([
    ['a message name', { messages: [{ role: 'user', name: 'ann@example.org', content: 'hi' }] }, 'medium'],
    [
      'reasoning text',
      { messages: [{ role: 'assistant', reasoning_content: `card ${CARD}`, content: 'ok' }] },
      'critical',
    ],
    [
      'a tool description',
      {
        tools: [
          { type: 'function', function: { name: 'f', description: 'ssn 123-45-6789', parameters: {} } },
        ],
      },
      'high',
    ],
    [
      'a tool schema',
      {
        tools: [
          { type: 'function', function: { name: 'f', parameters: { properties: { x: { enum: [CARD] } } } } },
        ],
      },
      'critical',
    ],
    ['the user field', { user: 'ann@example.org' }, 'medium'],
    ['metadata', { metadata: { note: 'ssn 123-45-6789' } }, 'high'],
    ['an object key', { metadata: { '123-45-6789': 'x' } }, 'high'],
    ['predicted output', { prediction: { type: 'content', content: `card ${CARD}` } }, 'critical'],
    ['an unknown extension field', { vendor_extra: { deeply: [{ nested: `card ${CARD}` }] } }, 'critical'],
    ['an Anthropic system block', { system: [{ type: 'text', text: 'ssn 123-45-6789' }] }, 'high'],
    [
      'an Anthropic tool input schema',
      { tools: [{ name: 't', description: 'x', input_schema: { description: 'ann@example.org' } }] },
      'medium',
    ],
  ])('reads %s', (_name, extra, level) => {
    expect(sensitivityOfBody(chat(extra))).toBe(level);
  });

  const base64 = (text: string) => Buffer.from(text).toString('base64');

  it('decodes base64 payloads that declare text, and reads them', () => {
    const dataUrl = `data:text/plain;charset=utf-8;base64,${base64(`ssn 123-45-6789`)}`;
    expect(
      sensitivityOfBody(
        chat({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: dataUrl } }] }] }),
      ),
    ).toBe('high');
    const document = {
      type: 'document',
      source: { type: 'base64', media_type: 'text/plain', data: base64(`card ${CARD}`) },
    };
    expect(sensitivityOfBody({ messages: [{ role: 'user', content: [document] }] })).toBe('critical');
    expect(
      sensitivityOfBody({
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'image_url',
                image_url: { url: `data:application/json;base64,${base64(`{"ssn":"123-45-6789"}`)}` },
              },
            ],
          },
        ],
      }),
    ).toBe('high');
  });

  it('skips binary payloads (images, audio, PDFs) without reading their base64', () => {
    // Base64 whose text would read as an SSN and an IBAN, declared as binary: not text to the model.
    const noise = `123-45-6789 GB82WEST12345698765432 ${CARD}`;
    const parts = [
      { type: 'image_url', image_url: { url: `data:image/png;base64,${noise}` } },
      { type: 'input_audio', input_audio: { data: noise, format: 'wav' } },
      { type: 'file', file: { file_data: `data:application/pdf;base64,${noise}`, filename: 'a.pdf' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: noise } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: noise } },
    ];
    expect(sensitivityOfBody({ messages: [{ role: 'user', content: parts }] })).toBe('none');
  });

  it('reads a data field that is not a base64 source, and an image URL that is a plain link', () => {
    expect(sensitivityOfBody({ metadata: { data: 'ssn 123-45-6789' } })).toBe('high');
    expect(
      sensitivityOfBody({ source: { type: 'text', media_type: 'text/plain', data: 'ssn 123-45-6789' } }),
    ).toBe('high');
    expect(
      sensitivityOfBody({
        messages: [
          { content: [{ type: 'image_url', image_url: { url: 'https://x.test/?to=ann@example.org' } }] },
        ],
      }),
    ).toBe('medium');
  });

  it('walks a body nested far deeper than the call stack', () => {
    let deep: unknown = `card ${CARD}`;
    for (let i = 0; i < 200_000; i++) deep = i % 2 === 0 ? [deep] : { d: deep };
    expect(sensitivityOfBody({ metadata: deep })).toBe('critical');
  });

  it('finds a secret planted beside any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('ssn 123-45-6789', `card ${CARD}`), (value, secret) => {
        // The secret planted anywhere in an arbitrary body is always found.
        const body = {
          wrapper: value,
          messages: [{ role: 'user', content: [{ type: 'x', anything: secret }] }],
        };
        expect(['high', 'critical']).toContain(sensitivityOfBody(body));
      }),
    );
  });
});
