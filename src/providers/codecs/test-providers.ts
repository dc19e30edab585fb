import { compileSnapshot } from '../../config/compile.ts';
import { parseConfig } from '../../config/load.ts';
import type { ProviderRuntime } from '../../config/snapshot.ts';
import { PoolRegistry } from '../../forward/pools.ts';

/**
 * Test helper: real provider runtimes compiled from config text (pools are created lazily and
 * never connect), so codec tests see the headers and profiles the gateway would use.
 */
export interface TestProviders {
  get(name: string): ProviderRuntime;
  close(): Promise<void>;
}

export function compileTestProviders(providersYaml: string): TestProviders {
  const pools = new PoolRegistry();
  const snapshot = compileSnapshot(parseConfig(`version: 1\nproviders:\n${providersYaml}`), {
    pools,
    generation: 1,
  });
  return {
    get(name) {
      const provider = snapshot.providers.get(name);
      if (!provider) throw new Error(`no provider ${name}`);
      return provider;
    },
    close: () => pools.closeAll(),
  };
}

/** Splits bytes at every `step`-th byte (multi-byte characters included), as a network might. */
export function chunked(text: string, step: number): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += step) out.push(bytes.subarray(i, i + step));
  return out;
}
