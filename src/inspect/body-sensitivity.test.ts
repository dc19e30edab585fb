import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sensitivityOfBody } from './body-sensitivity.ts';
import { sensitivityOfText } from './detect-pii.ts';
import { SENSITIVITY_LEVELS, sensitivityRank } from './sensitivity.ts';

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

  it('reads OpenAI content parts', () => {
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

  it('ends on a value built with a cycle, and reads what the cycle holds', () => {
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
  const userParts = (...parts: unknown[]) => ({ messages: [{ role: 'user', content: parts }] });
  /** Bytes that are not UTF-8 (a PNG's signature), as an image or a PDF would decode to. */
  const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe]).toString('base64');

  it('decodes media payloads that are text, and reads them', () => {
    const file = { type: 'file', file: { file_data: `data:text/plain;base64,${base64('ssn 123-45-6789')}` } };
    expect(sensitivityOfBody(userParts(file))).toBe('high');
    // The declared media type does not matter: bytes that are UTF-8 text are read.
    const image = {
      type: 'image_url',
      image_url: { url: `data:image/png;base64,${base64(`card ${CARD}`)}` },
    };
    expect(sensitivityOfBody(userParts(image))).toBe('critical');
    const document = {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: base64('ann@example.org') },
    };
    expect(sensitivityOfBody(userParts(document))).toBe('medium');
    const nested = {
      type: 'tool_result',
      tool_use_id: 't',
      content: [
        {
          type: 'image',
          source: { type: 'base64', media_type: 'image/png', data: base64('ssn 123-45-6789') },
        },
      ],
    };
    expect(sensitivityOfBody(userParts(nested))).toBe('high');
  });

  it('finds nothing in media payloads that decode to bytes which are not text', () => {
    const parts = [
      { type: 'image_url', image_url: { url: `data:image/png;base64,${binary}` } },
      { type: 'input_image', image_url: `data:image/png;base64,${binary}` },
      { type: 'input_audio', input_audio: { data: binary, format: 'wav' } },
      { type: 'file', file: { file_data: `data:application/pdf;base64,${binary}`, filename: 'a.pdf' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: binary } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: binary } },
    ];
    expect(sensitivityOfBody(userParts(...parts))).toBe('none');
  });

  it('reads a media payload as written too: PII in base64 characters still leaves in the request', () => {
    for (const data of ['4111111111111111', 'AKIAIOSFODNN7EXAMPLE', 'BE68539007547034']) {
      expect(sensitivityOfBody(userParts({ type: 'input_audio', input_audio: { data } }))).toBe('critical');
      const source = { type: 'base64', media_type: 'image/png', data };
      expect(sensitivityOfBody(userParts({ type: 'image', source }))).toBe('critical');
    }
  });

  it('decodes media payloads as leniently as upstream decoders do', () => {
    const encoded = base64('ssn 123-45-6789 and more text to wrap');
    const cases = [
      // MIME line breaks, no padding, the URL-safe alphabet, parameters after `base64`.
      `data:text/plain;base64,${encoded.replace(/(.{16})/g, '$1\n')}`,
      `data:text/plain;base64,${base64('ssn 123-45-6789 x').replace(/=+$/, '')}`,
      `data:text/plain;base64,${Buffer.from('ssn 123-45-6789 ??>>').toString('base64url')}`,
      `data:text/plain;base64;name=a.txt,${encoded}`,
      `data:text/plain; base64,${encoded}`,
      // UTF-16 text with a byte-order mark, either byte order.
      `data:text/plain;base64,${Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ssn 123-45-6789', 'utf16le')]).toString('base64')}`,
      `data:text/plain;base64,${Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('ssn 123-45-6789', 'utf16le').swap16()]).toString('base64')}`,
    ];
    for (const file_data of cases) {
      expect(sensitivityOfBody(userParts({ type: 'file', file: { file_data } }))).toBe('high');
    }
  });

  it('rates a body with media it could not read at the level it is given', () => {
    const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${binary}` } };
    const remote = { type: 'image_url', image_url: { url: 'https://x.test/a.png' } };
    const audio = { type: 'input_audio', input_audio: { data: binary, format: 'wav' } };
    const textFile = { type: 'file', file: { file_data: `data:text/plain;base64,${base64('hello')}` } };
    expect(sensitivityOfBody(userParts(image))).toBe('none');
    expect(sensitivityOfBody(userParts(image), 'high')).toBe('high');
    expect(sensitivityOfBody(userParts(remote), 'critical')).toBe('critical');
    expect(sensitivityOfBody(userParts(audio), 'low')).toBe('low');
    // Read as text, so not rated: what it says decides.
    expect(sensitivityOfBody(userParts(textFile), 'critical')).toBe('none');
    expect(sensitivityOfBody(chat({}), 'critical')).toBe('none');
    // The level is a floor: text above it still counts.
    expect(sensitivityOfBody(userParts(image, { type: 'text', text: `card ${CARD}` }), 'medium')).toBe(
      'critical',
    );
    // The same shape outside a message's content is text, not media.
    expect(sensitivityOfBody({ metadata: { image_url: { url: 'https://x.test/a.png' } } }, 'critical')).toBe(
      'none',
    );
  });

  it('rates media whose content is not in the body (a URL, a file id) at the level it is given', () => {
    const referenced = [
      { type: 'image_url', image_url: 'https://x.test/a.png' },
      { type: 'file', file: { file_id: 'file-abc' } },
      { type: 'input_file', file_id: 'file-abc' },
      { type: 'input_image', file_id: 'file-abc' },
      { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
      { type: 'document', source: { type: 'file', file_id: 'file_011' } },
      { type: 'document', source: { type: 'url', url: 'https://x.test/a.pdf' } },
    ];
    for (const part of referenced) {
      expect(sensitivityOfBody(userParts(part), 'critical')).toBe('critical');
      expect(sensitivityOfBody(userParts(part))).toBe('none');
    }
    const inToolResult = { type: 'tool_result', tool_use_id: 't', content: [referenced[4]] };
    expect(sensitivityOfBody(userParts(inToolResult), 'high')).toBe('high');
    // A document that holds text is read, not rated.
    const textDocument = {
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: 'hello' },
    };
    expect(sensitivityOfBody(userParts(textDocument), 'critical')).toBe('none');
    const inputFile = {
      type: 'input_file',
      file_data: `data:text/plain;base64,${base64('ssn 123-45-6789')}`,
    };
    expect(sensitivityOfBody(userParts(inputFile))).toBe('high');
  });

  it('reads UTF-16 text without a byte-order mark, and numbers as written', () => {
    const utf16 = Buffer.from(`card ${CARD}`, 'utf16le').toString('base64');
    expect(
      sensitivityOfBody(userParts({ type: 'file', file: { file_data: `data:text/plain;base64,${utf16}` } })),
    ).toBe('critical');
    expect(sensitivityOfBody({ metadata: { card: 4111111111111111 } })).toBe('critical');
    expect(sensitivityOfBody(chat({ temperature: 0.2, max_tokens: 100, seed: 7 }))).toBe('none');
  });

  it('reads a media payload that is not base64 as written', () => {
    const cases = [
      { type: 'image_url', image_url: { url: 'data:x;base64,\nmy ssn is 123-45-6789' } },
      { type: 'image_url', image_url: { url: 'data:text/plain;base64, ssn 123-45-6789' } },
      { type: 'image_url', image_url: { url: 'https://x.test/?to=ann@example.org' } },
      { type: 'input_audio', input_audio: { data: 'ssn 123-45-6789' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'ssn 123-45-6789' } },
    ];
    for (const part of cases) expect(['medium', 'high']).toContain(sensitivityOfBody(userParts(part)));
  });

  it("reads data URLs and media-shaped objects as written outside a message's content", () => {
    const hidden = `data:image/png;base64,${base64('x')}`;
    expect(
      sensitivityOfBody({ messages: [{ role: 'user', content: `data:x;base64,\nssn 123-45-6789` }] }),
    ).toBe('high');
    expect(sensitivityOfBody({ metadata: { input_audio: { data: '4111111111111111' } } })).toBe('critical');
    expect(
      sensitivityOfBody({ metadata: { type: 'base64', media_type: 'image/png', data: '4111111111111111' } }),
    ).toBe('critical');
    const toolInput = {
      type: 'tool_use',
      id: 't',
      name: 'f',
      input: { type: 'input_audio', input_audio: { data: '4111111111111111' } },
    };
    expect(sensitivityOfBody({ messages: [{ role: 'assistant', content: [toolInput] }] })).toBe('critical');
    expect(sensitivityOfBody({ system: `${hidden} ssn 123-45-6789` })).toBe('high');
  });

  it('reads a hostile data-URL header without backtracking over it (a regex would not finish)', () => {
    for (const url of [`data:${';base64'.repeat(200_000)}`, `data:${';'.repeat(1_000_000)},x`]) {
      expect(sensitivityOfBody(userParts({ type: 'image_url', image_url: { url } }))).toBe('none');
    }
  });

  it('walks a body nested far deeper than the call stack', () => {
    let deep: unknown = `card ${CARD}`;
    for (let i = 0; i < 200_000; i++) deep = i % 2 === 0 ? [deep] : { d: deep };
    expect(sensitivityOfBody({ metadata: deep })).toBe('critical');
  });

  it('finds a secret planted beside any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('ssn 123-45-6789', `card ${CARD}`), (value, secret) => {
        // Whatever else the body holds, the secret in it is found.
        const body = {
          wrapper: value,
          messages: [{ role: 'user', content: [{ type: 'x', anything: secret }] }],
        };
        expect(['high', 'critical']).toContain(sensitivityOfBody(body));
      }),
    );
  });

  it('finds in pieces scanned together exactly what it finds in each piece alone', () => {
    // The pieces are joined for one scan; no match may span two of them, and none may be lost.
    const fragments = [
      CARD,
      '4111 1111',
      ' 1111 1111',
      '123-45-',
      '6789',
      '123-45-6789',
      'ann@',
      'example.org',
      'ann@example.org',
      '+44 20 7946 0958',
      '+44',
      '10.0.0.7',
      '10.0.',
      '0.7',
      'fe80::1',
      '::',
      'GB82 WEST 1234 5698 7654 32',
      'GB82 WEST',
      ' 1234 5698 7654 32',
      'sk-proj-abc123def456ghi789jkl0',
      'sk-proj-',
      'abc123def456ghi789jkl0',
      '(415) 555-2671',
      '415',
      ' 555-2671',
      '-----BEGIN PRIVATE KEY-----',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijkl',
      'AKIA',
      'ABCDEFGHIJKLMNOP',
      '',
      ' ',
      '-',
      '.',
      '1',
    ];
    const noise = fc.string({ unit: fc.constantFrom(...'0123456789 -.+@:()/abcXYZ\n'), maxLength: 24 });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...fragments), noise), { maxLength: 8 }), (pieces) => {
        const alone = Math.max(0, ...pieces.map((piece) => sensitivityRank(sensitivityOfText(piece))));
        expect(sensitivityRank(sensitivityOfBody(pieces))).toBe(alone);
      }),
      { numRuns: 2000 },
    );
  });
});
