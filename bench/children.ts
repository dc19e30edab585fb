import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * The benchmark's server processes. Each one is registered here as it is spawned so that every exit
 * path of the runner (success, error, Ctrl-C) can stop all of them: SIGTERM first, SIGKILL if they
 * linger. Output goes to a log file, never to a pipe nobody reads (a full pipe would stall a server).
 */
export interface Child {
  name: string;
  pid: number;
  logPath: string;
  process: ChildProcess;
}

const running = new Set<Child>();
const STOP_GRACE_MS = 3000;

export interface SpawnOptions {
  name: string;
  /** Arguments after `node --import tsx` (or after `node` when `compiled`). */
  args: string[];
  /** Run compiled JavaScript with plain node, as in production (no TypeScript loader in memory). */
  compiled?: boolean;
  cwd: string;
  logPath: string;
  /**
   * Read the child's stdout until a line that is a URL, and resolve with it. Our own children print
   * their address this way; they also exit when their stdin closes, so they cannot outlive a runner
   * that was killed outright.
   */
  printsUrl: boolean;
}

export interface Spawned {
  child: Child;
  /** The URL the child printed, or null when `printsUrl` was false. */
  url: string | null;
}

export async function spawnServer(options: SpawnOptions, readyTimeoutMs = 30_000): Promise<Spawned> {
  const log = openSync(options.logPath, 'w');
  const loader = options.compiled ? [] : ['--import', 'tsx'];
  const proc = spawn(process.execPath, [...loader, ...options.args], {
    cwd: options.cwd,
    stdio: [options.printsUrl ? 'pipe' : 'ignore', options.printsUrl ? 'pipe' : log, log],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  closeSync(log);
  if (proc.pid === undefined) throw new Error(`${options.name}: could not spawn`);
  const child: Child = { name: options.name, pid: proc.pid, logPath: options.logPath, process: proc };
  running.add(child);
  proc.once('exit', () => running.delete(child));
  if (!options.printsUrl) return { child, url: null };
  const url = await readUrl(child, readyTimeoutMs);
  return { child, url };
}

function readUrl(child: Child, timeoutMs: number): Promise<string> {
  const stdout = child.process.stdout;
  if (!stdout) return Promise.reject(new Error(`${child.name}: no stdout`));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    const timer = setTimeout(() => fail(`did not print its URL within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null) => fail(`exited (code ${code}) before printing its URL`);
    function fail(reason: string) {
      clearTimeout(timer);
      lines.close();
      reject(new Error(`${child.name} ${reason}\n${logTail(child)}`));
    }
    child.process.once('exit', onExit);
    lines.on('line', (line) => {
      if (!/^https?:\/\//.test(line.trim())) return;
      clearTimeout(timer);
      child.process.off('exit', onExit);
      // Keep draining whatever else the child prints.
      lines.removeAllListeners('line');
      resolve(line.trim());
    });
  });
}

/** The end of a child's log, to put in an error message. */
export function logTail(child: Pick<Child, 'logPath'>, lines = 20): string {
  try {
    return readFileSync(child.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function isRunning(child: Child): boolean {
  return running.has(child);
}

export async function stopChild(child: Child): Promise<void> {
  if (!running.has(child)) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

/** Last resort for a synchronous exit path (`process.on('exit')`): no waiting is possible there. */
export function killAllNow(): void {
  for (const child of running) child.process.kill('SIGKILL');
}
