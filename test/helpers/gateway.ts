import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.ts';
import { type RunningGateway, type StartOptions, startGateway } from '../../src/server/start.ts';
import { MemoryRuleStore } from '../../src/stores/memory-rule-store.ts';

/** A gateway on a free loopback port whose log lines are captured for assertions. */
export interface TestGateway extends RunningGateway {
  logs: string[];
  /** Parsed log lines with `msg === 'request'`. */
  requestLogs(): Array<Record<string, unknown>>;
}

export interface TestGatewayOptions extends Partial<StartOptions> {
  /**
   * Use the store `rules_store` configures (embedded PGlite by default, slow to start). Otherwise
   * tests get a fresh in-memory rule store unless they pass their own `ruleStore`.
   */
  configuredRuleStore?: boolean;
}

export async function startTestGateway(
  configText: string,
  { configuredRuleStore = false, ...options }: TestGatewayOptions = {},
): Promise<TestGateway> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  // The production logger (with its redaction), writing to memory.
  const logger = createLogger({ level: 'debug' }, sink);
  const ruleStore = options.ruleStore ?? (configuredRuleStore ? undefined : new MemoryRuleStore());
  const running = await startGateway({
    configText,
    host: '127.0.0.1',
    port: 0,
    logger,
    ...options,
    ruleStore,
  });
  return {
    ...running,
    logs,
    requestLogs: () =>
      logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'request'),
  };
}
