import { describe, expect, it, vi } from 'vitest';
import { onAbort, UpstreamAbort } from './upstream-abort.ts';

describe('UpstreamAbort', () => {
  it('calls each listener once with the reason set, and not after it unsubscribed', () => {
    const signal = new UpstreamAbort();
    const first = vi.fn();
    const second = vi.fn();
    const gone = vi.fn();
    onAbort(signal, first);
    const stop = onAbort(signal, gone);
    signal.subscribe(second);
    stop();
    const reason = new Error('deadline');
    signal.abort(reason);
    signal.abort(new Error('again'));
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    expect(gone).not.toHaveBeenCalled();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('a listener that unsubscribes another while aborting does not skip the rest', () => {
    const signal = new UpstreamAbort();
    const calls: string[] = [];
    let stopB = () => {};
    signal.subscribe(() => {
      calls.push('a');
      stopB();
    });
    stopB = signal.subscribe(() => calls.push('b'));
    signal.subscribe(() => calls.push('c'));
    signal.abort();
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(signal.reason).toBeInstanceOf(Error);
  });

  it('also listens to an AbortSignal', () => {
    const controller = new AbortController();
    const listener = vi.fn();
    const stop = onAbort(controller.signal, listener);
    controller.abort();
    stop();
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
