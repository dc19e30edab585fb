import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './observability/logger.ts';

/**
 * `switchyard serve --workers N`: this process becomes the cluster primary and forks N workers,
 * each running the ordinary serve path on the same listening socket (Node's cluster hands
 * connections out round-robin). The primary serves nothing itself: it forwards SIGHUP (reload) and
 * SIGTERM/SIGINT (drain) to the workers and replaces a worker that dies.
 *
 * Workers share nothing in memory: each has its own snapshot, breakers, caches and metrics, so
 * session affinity across workers needs `store: redis`.
 */
export interface ClusterOptions {
  workers: number;
  logger: Logger;
}

/** Longest wait before re-forking a worker that keeps dying before it can listen. */
const MAX_RESTART_DELAY_MS = 30_000;

export function runPrimary(options: ClusterOptions): Promise<number> {
  const { logger } = options;
  const live = new Set<Worker>();
  const listening = new Set<Worker>();
  let shuttingDown = false;
  let anyListened = false;
  let earlyDeaths = 0;

  return new Promise<number>((resolve) => {
    let exitCode = 0;

    function fork(): void {
      const worker = cluster.fork();
      live.add(worker);
    }

    function shutdown(signal: NodeJS.Signals, code: number): void {
      if (!shuttingDown) logger.info({ signal, workers: live.size }, 'draining workers');
      shuttingDown = true;
      exitCode = Math.max(exitCode, code);
      for (const worker of live) worker.process.kill(signal === 'SIGINT' ? 'SIGTERM' : signal);
      if (live.size === 0) resolve(exitCode);
    }

    cluster.on('listening', (worker) => {
      listening.add(worker);
      anyListened = true;
      earlyDeaths = 0;
    });

    cluster.on('exit', (worker, code, signal) => {
      live.delete(worker);
      const hadListened = listening.delete(worker);
      if (shuttingDown) {
        if (live.size === 0) resolve(exitCode);
        return;
      }
      logger.warn(
        { worker: worker.id, pid: worker.process.pid, code, signal },
        'worker exited; starting another',
      );
      if (!anyListened) {
        // No worker ever came up: the next one would fail the same way (the port is taken, …).
        logger.error('no worker could start; stopping');
        shutdown('SIGTERM', 1);
        return;
      }
      if (hadListened) {
        fork();
        return;
      }
      // It died before listening (say, the config file now fails to load): back off, keep trying.
      earlyDeaths += 1;
      const delay = Math.min(1000 * 2 ** (earlyDeaths - 1), MAX_RESTART_DELAY_MS);
      setTimeout(() => {
        if (!shuttingDown) fork();
      }, delay);
    });

    process.on('SIGHUP', () => {
      for (const worker of live) worker.process.kill('SIGHUP');
    });
    process.once('SIGTERM', () => shutdown('SIGTERM', 0));
    process.once('SIGINT', () => shutdown('SIGINT', 0));

    logger.info({ workers: options.workers, pid: process.pid }, 'switchyard primary starting workers');
    for (let i = 0; i < options.workers; i += 1) fork();
  });
}
