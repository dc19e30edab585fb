import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

/** Where the numbers came from: results from a different machine or a busy one are not comparable. */
export interface SystemInfo {
  date: string;
  nproc: number;
  node: string;
  cpuModel: string;
  memoryGb: number;
  /** 1-minute load average before the run: a busy machine skews everything. */
  loadAverage: number;
  commit: string;
}

export function systemInfo(repoRoot: string): SystemInfo {
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    node: process.version,
    cpuModel: cpuModel(),
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
    commit: gitCommit(repoRoot),
  };
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function gitCommit(cwd: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}
