import { createRequire } from 'node:module';
import type { checkSync as CheckSync } from 'recheck';

const require = createRequire(import.meta.url);

/**
 * recheck is large (~30 MB of RSS): it is loaded the first time a `matches` pattern is checked,
 * so a config without such rules never pays for it.
 */
export function checkSync(...args: Parameters<typeof CheckSync>): ReturnType<typeof CheckSync> {
  return (require('recheck') as typeof import('recheck')).checkSync(...args);
}
