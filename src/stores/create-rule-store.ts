import type { SwitchyardConfig } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { MemoryRuleStore } from './memory-rule-store.ts';
import type { RuleStore } from './rule-store.ts';
import { SqlRuleStore } from './sql/sql-rule-store.ts';

/**
 * The rule store the config asks for. It returns at once: a SQL store connects in the background
 * (a replica whose database is down still starts, and says so on /readyz). The drivers are
 * imported when first used, so a config that does not need PGlite never loads its WASM.
 */
export function createRuleStore(config: SwitchyardConfig['rules_store'], logger: Logger): RuleStore {
  switch (config.kind) {
    case 'memory':
      return new MemoryRuleStore();
    case 'embedded': {
      const { path } = config;
      return new SqlRuleStore({
        schema: config.schema,
        logger: logger.child({ rules_store: 'embedded' }),
        async connect() {
          const { openPgliteDriver } = await import('./sql/pglite-driver.ts');
          return openPgliteDriver(path);
        },
      });
    }
    case 'postgres': {
      const url = config.url as string;
      return new SqlRuleStore({
        schema: config.schema,
        logger: logger.child({ rules_store: 'postgres' }),
        async connect() {
          const { createPgDriver } = await import('./sql/pg-driver.ts');
          return createPgDriver({ url });
        },
      });
    }
  }
}
