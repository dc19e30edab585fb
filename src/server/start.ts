import { watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Gateway, type GatewayOptions } from '../gateway.ts';
import { buildServer } from './app.ts';

/**
 * Starts a gateway and its HTTP server. Used by `switchyard serve`, the demo and the tests.
 */
export interface StartOptions extends GatewayOptions {
  /** Overrides `server.listen` (tests pass port 0). */
  host?: string;
  port?: number;
  /** Reload when the config file changes. */
  watchConfig?: boolean;
}

export interface RunningGateway {
  gateway: Gateway;
  url: string;
  reload: Gateway['reload'];
  /** Graceful shutdown: stop accepting, let in-flight requests finish within the drain timeout. */
  close(): Promise<void>;
}

export async function startGateway(options: StartOptions): Promise<RunningGateway> {
  const gateway = await Gateway.create(options);
  const { app, startDraining } = buildServer(gateway);
  const [configHost, configPort] = splitListen(gateway.snapshot.config.server.listen);
  await app.listen({ host: options.host ?? configHost, port: options.port ?? configPort });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? configPort);
  const host = options.host ?? configHost;

  const stopWatching =
    options.watchConfig && options.configPath
      ? watchFile(options.configPath, () => void gateway.reload())
      : () => {};

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      stopWatching();
      startDraining();
      const drainMs = gateway.snapshot.config.server.drain_timeout_ms;
      const timer = setTimeout(() => app.server.closeAllConnections(), drainMs);
      await app.close();
      clearTimeout(timer);
      await gateway.close();
    })();
    return closing;
  };

  return {
    gateway,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    reload: (text) => gateway.reload(text),
    close,
  };
}

function splitListen(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  return [listen.slice(0, at).replace(/^\[|\]$/g, ''), Number(listen.slice(at + 1))];
}

/** Watches the file's folder, since editors often replace a file rather than write it in place. */
function watchFile(path: string, onChange: () => void): () => void {
  const file = basename(path);
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(resolve(path)), (_event, name) => {
    if (name !== file) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, 100);
  });
  watcher.unref();
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
