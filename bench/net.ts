import { request } from 'undici';
import { type Child, isRunning, logTail } from './children.ts';

/** The tests' helper: a port that was free a moment ago; the server binds it right after. */
export { freePort } from '../test/helpers/net.ts';

/** Polls a readiness URL until it answers 200, the child dies, or the time is up. */
export async function waitForReady(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!isRunning(child)) throw new Error(`${child.name} exited during startup\n${logTail(child)}`);
    try {
      const { statusCode, body } = await request(url, { headersTimeout: 1000, bodyTimeout: 1000 });
      await body.dump();
      if (statusCode === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${child.name} not ready after ${timeoutMs} ms\n${logTail(child)}`);
}
