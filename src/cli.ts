#!/usr/bin/env node
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { RULES_USAGE } from './cli-rules.ts';
import { ConfigError, formatIssue, loadConfigFile } from './config/load.ts';
import { startGateway } from './server/start.ts';

const USAGE = `Usage:
  switchyard serve --config FILE [--workers N|auto]
                                      start the gateway (SIGHUP or a file change reloads the config);
                                      --workers forks N processes sharing the port (auto: one per core)
  switchyard validate FILE            check a config; prints every error with its path
  switchyard demo                     start fake upstreams and the gateway, show a few decisions
  switchyard explain --config FILE REQUEST.json [--tenant T] [--user ID] [--role R] [--department D] [--header name=value]...
                                      print the routing decision and its trace; calls no upstream
${RULES_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'validate':
      return validate(rest);
    case 'explain':
      return explain(rest);
    case 'rules': {
      const { rulesCommand } = await import('./cli-rules.ts');
      return rulesCommand(rest);
    }
    case 'demo': {
      const { runDemo } = await import('./demo.ts');
      return runDemo();
    }
    default:
      process.stderr.write(USAGE);
      return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  }
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, workers: { type: 'string', short: 'w' } },
  });
  const workers = parseWorkers(values.workers);
  if (!values.config || workers === null) {
    process.stderr.write(USAGE);
    return 2;
  }
  // Forked workers run this same command line; only the primary supervises.
  if (workers !== undefined && cluster.isPrimary) return servePrimary(values.config, workers);
  let running: Awaited<ReturnType<typeof startGateway>>;
  try {
    running = await startGateway({ configPath: values.config, watchConfig: true });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  running.gateway.logger.info(
    {
      url: running.url,
      generation: running.gateway.snapshot.generation,
      ...(cluster.worker ? { worker: cluster.worker.id } : {}),
    },
    'switchyard listening',
  );
  process.on('SIGHUP', () => void running.reload());
  const shutdown = (signal: string) => {
    running.gateway.logger.info({ signal }, 'draining');
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return new Promise<number>(() => {});
}

/** undefined: no --workers (one process); null: not a valid count. */
function parseWorkers(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') return availableParallelism();
  const count = Number(value);
  return Number.isInteger(count) && count >= 1 && count <= 1024 ? count : null;
}

/** The config is checked once here, so a bad file stops the command instead of N crashing workers. */
async function servePrimary(configPath: string, workers: number): Promise<number> {
  const { compileSnapshot } = await import('./config/compile.ts');
  const { PoolRegistry } = await import('./forward/pools.ts');
  const { createLogger } = await import('./observability/logger.ts');
  const { runPrimary } = await import('./serve-cluster.ts');
  let logging: Parameters<typeof createLogger>[0];
  try {
    const loaded = await loadConfigFile(configPath);
    const pools = new PoolRegistry();
    compileSnapshot(loaded, { pools, generation: 0 });
    await pools.closeAll();
    logging = loaded.config.logging;
    if (workers > 1 && loaded.config.rules_store.kind === 'embedded') {
      // Its data folder is locked by one process: every other worker would stay unready.
      process.stderr.write(
        'rules_store.kind: embedded serves one process; with --workers use kind: postgres\n',
      );
      return 1;
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const code = await runPrimary({ workers, logger: createLogger(logging) });
  process.exit(code);
}

async function explain(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      tenant: { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string' },
      department: { type: 'string' },
      header: { type: 'string', multiple: true },
    },
  });
  const [requestFile] = positionals;
  if (!values.config || !requestFile) {
    process.stderr.write(USAGE);
    return 2;
  }
  const { readFile } = await import('node:fs/promises');
  const { Gateway } = await import('./gateway.ts');
  const { explainRequest } = await import('./server/explain.ts');
  const { createLogger } = await import('./observability/logger.ts');
  const request = JSON.parse(await readFile(requestFile, 'utf8')) as unknown;
  const headers = Object.fromEntries(
    (values.header ?? []).map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]),
  );
  const identity = values.tenant
    ? { tenant: values.tenant, user: { id: values.user, role: values.role, department: values.department } }
    : undefined;
  const gateway = await Gateway.create({
    configPath: values.config,
    logger: createLogger({ level: 'silent' }),
  });
  try {
    const explanation = await explainRequest(gateway, {
      request,
      headers,
      ...(identity ? { identity } : {}),
    });
    process.stdout.write(`${JSON.stringify(explanation, null, 2)}\n`);
    return explanation.error ? 1 : 0;
  } finally {
    await gateway.close();
  }
}

async function validate(args: string[]): Promise<number> {
  const [file] = args;
  if (!file) {
    process.stderr.write(USAGE);
    return 2;
  }
  try {
    const loaded = await loadConfigFile(file);
    const { compileSnapshot } = await import('./config/compile.ts');
    const { PoolRegistry } = await import('./forward/pools.ts');
    const pools = new PoolRegistry();
    compileSnapshot(loaded, { pools, generation: 0 });
    await pools.closeAll();
    process.stdout.write(`${file}: ok\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) process.stderr.write(`${formatIssue(issue)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`switchyard: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
