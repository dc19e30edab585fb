import { describe, expect, it } from 'vitest';
import { LatencyTracker } from './latency-tracker.ts';

describe('LatencyTracker', () => {
  it('has no estimate for a target it has not seen', () => {
    expect(new LatencyTracker().estimate('p/m')).toBeUndefined();
  });

  it('keeps an exponentially weighted average of first-token and total times', () => {
    const tracker = new LatencyTracker(0.5);
    tracker.observeFirstToken('p/m', 100);
    tracker.observeTotal('p/m', 1000);
    tracker.observeFirstToken('p/m', 200);
    tracker.observeTotal('p/m', 2000);
    expect(tracker.estimate('p/m')).toEqual({ firstTokenMs: 150, totalMs: 1500, samples: 2 });
  });

  it('a JSON answer counts for both', () => {
    const tracker = new LatencyTracker();
    tracker.observeWhole('p/m', 80);
    expect(tracker.estimate('p/m')).toEqual({ firstTokenMs: 80, totalMs: 80, samples: 1 });
  });

  it('moves toward a change in speed as traffic arrives', () => {
    const tracker = new LatencyTracker();
    for (let i = 0; i < 10; i++) tracker.observeWhole('p/m', 500);
    for (let i = 0; i < 10; i++) tracker.observeWhole('p/m', 10);
    expect(tracker.estimate('p/m')?.totalMs).toBeLessThan(30);
  });

  it('ignores impossible samples', () => {
    const tracker = new LatencyTracker();
    tracker.observeWhole('p/m', Number.NaN);
    tracker.observeWhole('p/m', -1);
    expect(tracker.estimate('p/m')).toBeUndefined();
  });

  it('keeps targets apart', () => {
    const tracker = new LatencyTracker();
    tracker.observeWhole('p/a', 10);
    tracker.observeWhole('p/b', 20);
    expect(tracker.estimate('p/a')?.totalMs).toBe(10);
    expect(tracker.estimate('p/b')?.totalMs).toBe(20);
  });
});
