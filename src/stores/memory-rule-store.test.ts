import { MemoryRuleStore } from './memory-rule-store.ts';
import { ruleStoreContract } from './rule-store.contract.ts';

const store = new MemoryRuleStore();
ruleStoreContract(() => store);
