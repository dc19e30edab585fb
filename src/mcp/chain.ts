import type { Identity } from '../identity/identity.ts';
import type { IdentityMatchConfig, McpPolicyConfig } from './schema.ts';

/**
 * A policy chain in its compiled form: an ordered list of steps, each a gate (`allow`/`deny`
 * against the caller's identity) or a rate limit, plus the audit setting. Chains are built once
 * per config snapshot; a request only walks the steps.
 */
export interface Gate {
  readonly kind: 'allow' | 'deny';
  matches(identity: Identity): boolean;
}

export interface RateLimitStep {
  readonly kind: 'rate_limit';
  /** Where it is configured within its server (`policies[1]`, `tools.x[0]`): part of bucket keys. */
  readonly id: string;
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export type ChainStep = Gate | RateLimitStep;

export interface AuditSettings {
  readonly arguments: boolean;
}

export interface Chain {
  readonly steps: readonly ChainStep[];
  /** Only the gates, in order: what decides whether a tool is visible in tools/list. */
  readonly gates: readonly Gate[];
  /** Set when any `audit` policy is in the chain; where it sits does not matter. */
  readonly audit: AuditSettings | null;
}

/** One entry of a chain as configured, with the path that names it (`policies[0]`). */
export interface PolicyEntry {
  readonly id: string;
  readonly policy: McpPolicyConfig;
}

export function entriesOf(policies: readonly McpPolicyConfig[], prefix: string): PolicyEntry[] {
  return policies.map((policy, index) => ({ id: `${prefix}[${index}]`, policy }));
}

export function compileChain(entries: readonly PolicyEntry[]): Chain {
  const steps: ChainStep[] = [];
  let auditArguments: boolean | null = null;
  for (const { id, policy } of entries) {
    if (policy.allow) steps.push(compileGate('allow', policy.allow));
    else if (policy.deny) steps.push(compileGate('deny', policy.deny));
    else if (policy.rate_limit) {
      const { requests, per_seconds } = policy.rate_limit;
      steps.push({ kind: 'rate_limit', id, capacity: requests, refillPerSecond: requests / per_seconds });
    } else if (policy.audit) {
      // Several audit policies in one chain (server + tool) log once; arguments if any asks.
      auditArguments = auditArguments === true || policy.audit.arguments;
    }
  }
  const gates = steps.filter((step): step is Gate => step.kind !== 'rate_limit');
  const audit = auditArguments === null ? null : { arguments: auditArguments };
  return Object.freeze({ steps: Object.freeze(steps), gates: Object.freeze(gates), audit });
}

/** A gate that refuses everyone: what `unlisted_tools: deny` adds for tools with no entry. */
export const DENY_ALL: PolicyEntry = { id: 'unlisted_tools', policy: { deny: {} } };

/** Whether every gate of the chain lets the caller through. */
export function passesGates(chain: Chain, identity: Identity): boolean {
  for (const gate of chain.gates) {
    if (gate.matches(identity) !== (gate.kind === 'allow')) return false;
  }
  return true;
}

type Field = keyof IdentityMatchConfig;

const READ: Record<Field, (identity: Identity) => string | undefined> = {
  tenant: (identity) => identity.tenant,
  user: (identity) => identity.user.id,
  role: (identity) => identity.user.role,
  department: (identity) => identity.user.department,
};

function compileGate(kind: Gate['kind'], match: IdentityMatchConfig): Gate {
  const tests: Array<(identity: Identity) => boolean> = [];
  for (const field of Object.keys(READ) as Field[]) {
    const wanted = match[field];
    if (wanted === undefined) continue;
    const set = new Set(typeof wanted === 'string' ? [wanted] : wanted);
    const read = READ[field];
    // A caller without the attribute (an anonymous request has no role) never matches it.
    tests.push((identity) => {
      const value = read(identity);
      return value !== undefined && set.has(value);
    });
  }
  return {
    kind,
    matches: (identity) => tests.every((test) => test(identity)),
  };
}
