import { describe, expect, it } from 'vitest';
import { JsonRpcError } from '../errors.ts';
import { parseJsonRpcBody } from './jsonrpc.ts';

const body = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

function refusal(value: unknown, version?: string): JsonRpcError {
  try {
    parseJsonRpcBody(body(value), version);
  } catch (error) {
    if (error instanceof JsonRpcError) return error;
    throw error;
  }
  throw new Error('expected a JSON-RPC error');
}

describe('parseJsonRpcBody', () => {
  it('reads requests, notifications and client responses', () => {
    expect(parseJsonRpcBody(body({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), undefined)).toEqual({
      batch: false,
      messages: [{ kind: 'request', id: 1, method: 'tools/list', params: undefined }],
    });
    expect(
      parseJsonRpcBody(body({ jsonrpc: '2.0', method: 'notifications/initialized', params: {} }), undefined)
        .messages,
    ).toEqual([{ kind: 'notification', method: 'notifications/initialized', params: {} }]);
    expect(parseJsonRpcBody(body({ jsonrpc: '2.0', id: 'a', result: {} }), undefined).messages).toEqual([
      { kind: 'response', id: 'a' },
    ]);
    expect(
      parseJsonRpcBody(body({ jsonrpc: '2.0', id: 'a', error: { code: 1, message: 'no' } }), undefined)
        .messages,
    ).toEqual([{ kind: 'response', id: 'a' }]);
  });

  it('answers malformed JSON and an empty body with a parse error (-32700, HTTP 400)', () => {
    for (const text of ['{"jsonrpc": "2.0", "method": ', 'not json', '']) {
      const error = refusal(text);
      expect(error.rpcCode).toBe(-32700);
      expect(error.status).toBe(400);
      expect(error.id).toBeNull();
    }
  });

  it('answers what is not a JSON-RPC 2.0 message with an invalid request (-32600), keeping a valid id', () => {
    const cases: Array<[unknown, string | number | null]> = [
      [{ jsonrpc: '1.0', id: 3, method: 'ping' }, 3],
      [{ id: 3, method: 'ping' }, 3],
      [{ jsonrpc: '2.0', id: null, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: { x: 1 }, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: 4, method: '' }, 4],
      [{ jsonrpc: '2.0', id: 5, method: 7 }, 5],
      [{ jsonrpc: '2.0', id: 6, method: 'tools/call', params: ['echo'] }, 6],
      [{ jsonrpc: '2.0', id: 7 }, 7],
      [{ jsonrpc: '2.0', id: 8, result: {}, error: {} }, 8],
      ['"just a string"', null],
      [null, null],
      [42, null],
    ];
    for (const [value, id] of cases) {
      const error = refusal(value);
      expect(error.rpcCode, JSON.stringify(value)).toBe(-32600);
      expect(error.id).toBe(id);
    }
  });

  it('refuses what a server could read otherwise than the gateway: a repeated key, invalid UTF-8, a field in another case', () => {
    const cases: Array<[string | Buffer, string]> = [
      // The gateway would check the last name; a server that keeps the first would call `shell`.
      [
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"shell","name":"echo"}}',
        'repeats a key',
      ],
      [
        Buffer.concat([
          Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"'),
          Buffer.from([0xff]),
          Buffer.from('"}}'),
        ]),
        'not valid UTF-8',
      ],
      // Go's encoding/json reads `Name` as `name`, and keeps the last.
      [
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","Name":"shell"}}',
        'params.Name',
      ],
      [
        '{"jsonrpc":"2.0","id":1,"method":"tools/list","Method":"tools/call","params":{"name":"shell"}}',
        '"Method"',
      ],
      [
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","\u017fhell":1,"ARGUMENTS":{}}}',
        'params.ARGUMENTS',
      ],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        parseJsonRpcBody(typeof text === 'string' ? Buffer.from(text) : text, undefined);
      } catch (caught) {
        error = caught;
      }
      expect(error, String(text)).toBeInstanceOf(JsonRpcError);
      expect((error as JsonRpcError).rpcCode).toBe(-32600);
      expect((error as JsonRpcError).message).toContain(message);
    }
    // Keys the gateway does not read may differ in case only: they are the tool's own arguments.
    const fine =
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"Text":1,"text":2}}}';
    expect(parseJsonRpcBody(Buffer.from(fine), undefined).messages).toHaveLength(1);
  });

  it('takes batches from clients that speak 2025-03-26 or send no version', () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', method: 'notifications/progress', params: {} },
    ];
    for (const version of [undefined, '2025-03-26']) {
      const parsed = parseJsonRpcBody(body(batch), version);
      expect(parsed.batch).toBe(true);
      expect(parsed.messages.map((m) => m.kind)).toEqual(['request', 'notification']);
    }
  });

  it('refuses batches from later protocol versions, empty batches, bad members and initialize', () => {
    const one = [{ jsonrpc: '2.0', id: 1, method: 'ping' }];
    expect(refusal(one, '2025-06-18').code).toBe('batch_not_supported');
    expect(refusal(one, '2025-11-25').code).toBe('batch_not_supported');
    expect(refusal([]).rpcCode).toBe(-32600);
    const bad = refusal([...one, { jsonrpc: '2.0', id: 2 }]);
    expect(bad.message).toContain('batch[1]');
    expect(bad.id).toBeNull();
    expect(refusal([{ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }]).message).toContain(
      'initialize',
    );
  });
});
