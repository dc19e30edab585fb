import { describe, expect, it } from 'vitest';
import type { JsonRpcId } from '../errors.ts';
import type { ToolCall, ToolCallOutcome } from './audit.ts';
import { inspectJsonBody, inspectSseStream, ResponseInspector } from './inspect-response.ts';

const TOOLS = [{ name: 'echo' }, { name: 'delete_record' }, { name: 'add' }];
const hidden = new Set(['delete_record']);

function inspector(options: { ids?: JsonRpcId[] | 'any'; calls?: JsonRpcId[]; filter?: boolean } = {}) {
  const ended: Array<[JsonRpcId, ToolCallOutcome]> = [];
  const calls = new Map((options.calls ?? []).map((id) => [id, { id } as ToolCall]));
  const inspect = new ResponseInspector({
    toolVisible: options.filter === false ? null : (name) => !hidden.has(name),
    toolListIds: options.ids === 'any' ? 'any' : new Set(options.ids ?? []),
    calls,
    onCallEnded: (call, outcome) => ended.push([call.id, outcome]),
  });
  return { inspect, ended };
}

const listResult = (id: JsonRpcId, tools: unknown[] = TOOLS) =>
  ({ jsonrpc: '2.0', id, result: { tools, nextCursor: 'c2' } }) as const;

describe('ResponseInspector', () => {
  it('removes the tools a caller may not see from the tools/list answers it is watching', () => {
    const { inspect } = inspector({ ids: [1] });
    expect(inspect.inspect(listResult(1))).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { tools: [{ name: 'echo' }, { name: 'add' }], nextCursor: 'c2' },
    });
    // Another id (a result that happens to have `tools`), or nothing to hide: unchanged.
    expect(inspect.inspect(listResult(2))).toBeUndefined();
    expect(inspect.inspect(listResult(1, [{ name: 'echo' }]))).toBeUndefined();
    // 1 and "1" are different ids.
    expect(inspect.inspect(listResult('1'))).toBeUndefined();
  });

  it('drops tools without a usable name, and filters any answer on a GET stream', () => {
    const { inspect } = inspector({ ids: 'any' });
    const out = inspect.inspect(listResult('replayed', [{ name: 'echo' }, { title: 'no name' }, 'junk']));
    expect(out).toMatchObject({ result: { tools: [{ name: 'echo' }] } });
  });

  it('notes how each watched tool call ended, and those that never got an answer', () => {
    const { inspect, ended } = inspector({ calls: [1, 2, 3, 4], filter: false });
    expect(inspect.active).toBe(true);
    inspect.inspect({ jsonrpc: '2.0', id: 1, result: { content: [] } });
    inspect.inspect({ jsonrpc: '2.0', id: 2, result: { content: [], isError: true } });
    inspect.inspect({ jsonrpc: '2.0', id: 3, error: { code: -32602, message: 'bad' } });
    inspect.inspect({ jsonrpc: '2.0', method: 'notifications/progress', params: {} });
    inspect.finish('no_response');
    expect(ended).toEqual([
      [1, 'ok'],
      [2, 'tool_error'],
      [3, 'error'],
      [4, 'no_response'],
    ]);
    expect(inspect.active).toBe(false);
  });

  it('looks into batch answers', () => {
    const { inspect, ended } = inspector({ ids: [1], calls: [2] });
    const out = inspect.inspect([listResult(1), { jsonrpc: '2.0', id: 2, result: {} }]);
    expect((out as Array<{ result: { tools: unknown[] } }>)[0]?.result.tools).toHaveLength(2);
    expect(ended).toEqual([[2, 'ok']]);
  });
});

describe('inspectJsonBody', () => {
  it('returns the very same text when nothing changes, and the body as it came when it is not JSON', () => {
    const { inspect } = inspector({ ids: [9] });
    const text = ` ${JSON.stringify(listResult(1))} `;
    expect(inspectJsonBody(text, inspect)).toBe(text);
    expect(inspectJsonBody('not json', inspect)).toBe('not json');
    expect(JSON.parse(inspectJsonBody(JSON.stringify(listResult(9)), inspect)).result.tools).toHaveLength(2);
  });
});

/** An async iterable fed by the test, to see what the relay yields before the stream ends. */
function feed() {
  const queue: Array<(value: IteratorResult<Uint8Array>) => void> = [];
  const pending: Array<IteratorResult<Uint8Array>> = [];
  const deliver = (value: IteratorResult<Uint8Array>) => {
    const waiting = queue.shift();
    if (waiting) waiting(value);
    else pending.push(value);
  };
  return {
    push: (text: string) => deliver({ done: false, value: Buffer.from(text) }),
    end: () => deliver({ done: true, value: undefined }),
    iterable: {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<Uint8Array>>((resolve) => {
            const ready = pending.shift();
            if (ready) resolve(ready);
            else queue.push(resolve);
          }),
      }),
    } as AsyncIterable<Uint8Array>,
  };
}

describe('inspectSseStream', () => {
  it('relays each event once it is complete, rewriting only the watched answer', async () => {
    const { inspect } = inspector({ ids: [5] });
    const source = feed();
    const relay = inspectSseStream(source.iterable, inspect);

    const progress =
      'event: message\nid: e1\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\n';
    source.push(progress.slice(0, 20));
    source.push(progress.slice(20));
    // The first event comes out before the stream has anything more: nothing is held back.
    expect(String((await relay.next()).value)).toBe(progress);

    const answer = `event: message\r\nid: e2\r\ndata: ${JSON.stringify(listResult(5))}\r\n\r\n: keep-alive\r\n\r\n`;
    source.push(answer);
    const rewritten = String((await relay.next()).value);
    expect(rewritten.startsWith('event: message\nid: e2\ndata: ')).toBe(true);
    expect(rewritten).not.toContain('delete_record');
    expect(rewritten.endsWith('\n\n: keep-alive\r\n\r\n')).toBe(true);

    source.push('data: unterminated');
    source.end();
    expect(String((await relay.next()).value)).toBe('data: unterminated');
    expect((await relay.next()).done).toBe(true);
  });
});
