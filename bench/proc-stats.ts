import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU and memory of the server processes, read from /proc so that the measurement costs the
 * measured process nothing and covers all its threads (libuv pool, GC, tsx's loader thread).
 */

/** Kernel clock ticks per second, the unit of utime/stime; 100 on practically every Linux. */
const CLOCK_TICKS = readClockTicks();

function readClockTicks(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/** The resolution of cpuMicros: one clock tick. */
export const CPU_TICK_MICROS = 1e6 / CLOCK_TICKS;

/** utime + stime of the process, in microseconds (resolution: one clock tick, usually 10 ms). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses; fields after its last ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / CLOCK_TICKS;
}

/** Resident set size in bytes, or null once the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface RssSampler {
  /** Stops sampling; returns the highest RSS seen (bytes) and every sample taken. */
  stop(): { peak: number; samples: RssSample[] };
}

export interface RssSample {
  atMs: number;
  bytes: number;
}

/** Samples VmRSS every `intervalMs`; a peak between samples can be missed, so keep it short. */
export function sampleRss(pid: number, intervalMs: number): RssSampler {
  const started = performance.now();
  const samples: RssSample[] = [];
  let peak = 0;
  const take = () => {
    const bytes = rssBytes(pid);
    if (bytes === null) return;
    peak = Math.max(peak, bytes);
    samples.push({ atMs: Math.round(performance.now() - started), bytes });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peak, samples };
    },
  };
}
