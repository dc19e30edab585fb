/**
 * Shared by the benchmark's own child processes: exit on SIGTERM/SIGINT after `close`, and also
 * when stdin ends, which happens when the runner dies without a chance to stop its children.
 */
export function exitWithParent(close: () => Promise<void>): void {
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    // A server stuck on an open connection must not keep the process alive for long.
    setTimeout(() => process.exit(0), 2000).unref();
    void close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
