import { describe, expect, it } from 'vitest';
import { anonymousIdentity } from '../identity/identity.ts';
import { compileChain, entriesOf, passesGates } from './chain.ts';
import { person } from './identities.fixture.ts';
import type { McpPolicyConfig } from './schema.ts';

const admin = person('acme', 'alice', 'admin', 'ops');
const analyst = person('acme', 'bob', 'analyst', 'finance');
const outsider = person('globex', 'gus', 'admin', 'ops');
const anonymous = anonymousIdentity('acme');

const chain = (policies: McpPolicyConfig[]) => compileChain(entriesOf(policies, 'policies'));

describe('compiled policy chains', () => {
  it('allow lets through only callers that match; deny stops those that match', () => {
    const adminsOnly = chain([{ allow: { role: ['admin'] } }]);
    expect(passesGates(adminsOnly, admin)).toBe(true);
    expect(passesGates(adminsOnly, analyst)).toBe(false);
    const noFinance = chain([{ deny: { department: 'finance' } }]);
    expect(passesGates(noFinance, admin)).toBe(true);
    expect(passesGates(noFinance, analyst)).toBe(false);
  });

  it('a match needs every field given (AND), any value of a list (OR)', () => {
    const acmeAdminsOrAnalysts = chain([{ allow: { tenant: 'acme', role: ['admin', 'analyst'] } }]);
    expect(passesGates(acmeAdminsOrAnalysts, admin)).toBe(true);
    expect(passesGates(acmeAdminsOrAnalysts, analyst)).toBe(true);
    expect(passesGates(acmeAdminsOrAnalysts, outsider)).toBe(false);
    expect(passesGates(chain([{ allow: { user: ['bob'] } }]), analyst)).toBe(true);
  });

  it('{} matches every caller; a caller without the attribute never matches it', () => {
    expect(passesGates(chain([{ deny: {} }]), admin)).toBe(false);
    expect(passesGates(chain([{ allow: {} }]), anonymous)).toBe(true);
    expect(passesGates(chain([{ allow: { role: 'admin' } }]), anonymous)).toBe(false);
    expect(passesGates(chain([{ deny: { role: 'admin' } }]), anonymous)).toBe(true);
  });

  it('every gate must pass, in order', () => {
    const acmeButNotAnalysts = chain([{ allow: { tenant: 'acme' } }, { deny: { role: 'analyst' } }]);
    expect(passesGates(acmeButNotAnalysts, admin)).toBe(true);
    expect(passesGates(acmeButNotAnalysts, analyst)).toBe(false);
    expect(passesGates(acmeButNotAnalysts, outsider)).toBe(false);
  });

  it('keeps rate limits in place among the steps, named by where they are configured', () => {
    const compiled = chain([
      { deny: { role: 'intern' } },
      { rate_limit: { requests: 10, per_seconds: 60 } },
      { audit: { arguments: false } },
    ]);
    expect(compiled.steps.map((step) => step.kind)).toEqual(['deny', 'rate_limit']);
    expect(compiled.steps[1]).toMatchObject({ id: 'policies[1]', capacity: 10 });
    expect((compiled.steps[1] as { refillPerSecond: number }).refillPerSecond).toBeCloseTo(10 / 60);
    expect(compiled.gates).toHaveLength(1);
  });

  it('audits once per chain, with arguments if any audit policy asks', () => {
    expect(chain([]).audit).toBeNull();
    expect(chain([{ audit: { arguments: false } }]).audit).toEqual({ arguments: false });
    expect(chain([{ audit: { arguments: true } }, { audit: { arguments: false } }]).audit).toEqual({
      arguments: true,
    });
  });
});
