import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sensitivityOfMessages } from './message-sensitivity.ts';
import { SENSITIVITY_LEVELS } from './sensitivity.ts';

const CARD = '4111 1111 1111 1111';

describe('sensitivityOfMessages', () => {
  it('reads OpenAI string content and takes the highest level across messages', () => {
    const messages = [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'My server is 10.0.0.7' },
      { role: 'assistant', content: 'Noted.' },
      { role: 'user', content: 'Reach me at ann@example.org' },
    ];
    expect(sensitivityOfMessages(messages)).toBe('medium');
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
    expect(sensitivityOfMessages(messages)).toBe('critical');
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
    expect(sensitivityOfMessages(messages)).toBe('high');
  });

  it('reads Anthropic text blocks, tool_use input and tool_result content', () => {
    expect(
      sensitivityOfMessages([{ role: 'user', content: [{ type: 'text', text: 'call 415-555-2671' }] }]),
    ).toBe('medium');
    expect(
      sensitivityOfMessages([
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'pay', input: { card: CARD } }] },
      ]),
    ).toBe('critical');
    expect(
      sensitivityOfMessages([
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ssn 123-45-6789' }] },
      ]),
    ).toBe('high');
    expect(
      sensitivityOfMessages([
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
      sensitivityOfMessages([
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 't1', text: 'ok', content: 'ssn 123-45-6789' }],
        },
      ]),
    ).toBe('high');
    expect(
      sensitivityOfMessages([
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', text: 'x', name: 'pay', input: { card: CARD } }],
        },
      ]),
    ).toBe('critical');
  });

  it('reads Anthropic thinking blocks, which go back to the model', () => {
    expect(
      sensitivityOfMessages([
        {
          role: 'assistant',
          content: [{ type: 'thinking', thinking: `the card is ${CARD}`, signature: 's' }],
        },
      ]),
    ).toBe('critical');
  });

  it('returns none when nothing is found', () => {
    expect(sensitivityOfMessages([{ role: 'user', content: 'What is the capital of France?' }])).toBe('none');
    expect(sensitivityOfMessages([])).toBe('none');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', `not messages ${CARD}`],
    ['an object', { role: 'user', content: CARD }],
    [
      'an array of junk',
      [null, 1, 'x', [], true, { content: 7 }, { content: [null, 3, { type: 'text', text: 9 }] }],
    ],
    [
      'a tool_result nested in a tool_result',
      [{ content: [{ type: 'tool_result', content: [{ type: 'tool_result', content: CARD }] }] }],
    ],
    [
      'tool_calls of the wrong shape',
      [{ tool_calls: [null, { function: 'x' }, { function: { arguments: 5 } }] }],
    ],
  ])('treats %s as none, without throwing', (_name, input) => {
    expect(sensitivityOfMessages(input)).toBe('none');
  });

  it('never throws on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(SENSITIVITY_LEVELS).toContain(sensitivityOfMessages(value));
      }),
    );
  });

  it('tolerates tool input that cannot be serialised', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const messages = [
      { role: 'assistant', content: [{ type: 'tool_use', name: 'x', input: cyclic }] },
      { role: 'assistant', content: [{ type: 'tool_use', name: 'y', input: { n: 10n } }] },
    ];
    expect(sensitivityOfMessages(messages)).toBe('none');
  });
});
