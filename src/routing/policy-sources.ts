import type { Snapshot } from '../config/snapshot.ts';
import { errors } from '../errors.ts';
import { andThen, type Eventually } from '../eventually.ts';
import type { Trace } from './decision.ts';
import type { DecideInput } from './pipeline.ts';
import { type CompiledPolicy, compilePolicyDocument, PolicyCompileError } from './policy/compile-policy.ts';
import { type PolicyDocument, policyDocumentSchema } from './policy/document.ts';
import type { PolicyProviderOnError } from './policy/provider-config.ts';

/**
 * Step 4's policy source (DESIGN §2): inline in the request > the external provider by
 * `policy_id` + `revision` > (null) the tenant's stored rules with the config's. Documents are
 * compiled once per snapshot generation and remembered beside the cached document.
 */
export type ProviderLookup =
  | { status: 'hit' | 'fetched' | 'stale'; document: PolicyDocument }
  | { status: 'not_found' }
  | { status: 'error'; reason: string };

export interface PolicyFetcher {
  get(tenant: string, policyId: string, revision: number | undefined): Eventually<ProviderLookup>;
}

export class PolicySources {
  readonly #compiled = new WeakMap<PolicyDocument, { generation: number; policy: CompiledPolicy }>();

  constructor(private readonly fetcher: () => PolicyFetcher | null) {}

  resolve(input: DecideInput, trace: Trace): Eventually<CompiledPolicy | null> {
    const { fields } = input;
    if (fields.inlinePolicy !== undefined || fields.inlinePreferences !== undefined) {
      const policy = this.#inline(input);
      trace?.push({ step: 'policy', decided: false, reason: 'inline policy in the request' });
      return policy;
    }
    if (fields.policyId !== undefined) return this.#external(input, fields.policyId, trace);
    trace?.push({
      step: 'policy',
      decided: false,
      reason: 'stored rules of the tenant with the config rules',
    });
    return null;
  }

  #inline(input: DecideInput): CompiledPolicy {
    const { snapshot, fields } = input;
    const max = snapshot.routing.inlineMaxBytes;
    if (max === null) {
      throw errors.invalidRequest(
        'Inline routing policies are not enabled on this gateway',
        'inline_policy_disabled',
      );
    }
    const size = Buffer.byteLength(
      JSON.stringify([fields.inlinePolicy ?? null, fields.inlinePreferences ?? null]),
    );
    if (size > max)
      throw errors.invalidRequest(
        `The inline routing policy exceeds ${max} bytes`,
        'inline_policy_too_large',
      );
    const parsed = policyDocumentSchema.safeParse({
      policy_id: 'inline',
      schema_version: 1,
      ...fields.inlinePolicy,
      ...(fields.inlinePreferences ? { routing_preferences: fields.inlinePreferences } : {}),
    });
    if (!parsed.success) {
      const problem = parsed.error.issues[0];
      const where = problem?.path.join('.') || 'routing_policy';
      throw errors.invalidRequest(
        `Invalid inline routing policy: ${where}: ${problem?.message}`,
        'invalid_routing_policy',
      );
    }
    try {
      return compilePolicyDocument(parsed.data, 'inline', snapshot);
    } catch (error) {
      if (error instanceof PolicyCompileError) {
        throw errors.invalidRequest(
          `Invalid inline routing policy: ${error.message}`,
          'invalid_routing_policy',
        );
      }
      throw error;
    }
  }

  #external(input: DecideInput, policyId: string, trace: Trace): Eventually<CompiledPolicy | null> {
    const { snapshot, facts, fields } = input;
    const config = snapshot.routing.policyProvider;
    const fetcher = this.fetcher();
    if (!config || !fetcher) {
      throw errors.invalidRequest(
        '`policy_id` was given but no policy provider is configured',
        'policy_provider_not_configured',
      );
    }
    const onError = config.on_error;
    return andThen(fetcher.get(facts.tenantId, policyId, fields.revision), (lookup) =>
      this.#fromLookup(input, policyId, lookup, onError, trace),
    );
  }

  #fromLookup(
    input: DecideInput,
    policyId: string,
    lookup: ProviderLookup,
    onError: PolicyProviderOnError,
    trace: Trace,
  ): CompiledPolicy | null {
    const { snapshot } = input;
    if (lookup.status === 'hit' || lookup.status === 'fetched' || lookup.status === 'stale') {
      try {
        const policy = this.#compile(
          lookup.document,
          lookup.status === 'stale' ? 'provider_stale' : 'provider',
          snapshot,
        );
        trace?.push({
          step: 'policy',
          decided: false,
          reason: `policy ${policyId}@${policy.revision ?? '-'} from the provider (${lookup.status})`,
        });
        return policy;
      } catch (error) {
        if (!(error instanceof PolicyCompileError)) throw error;
        return this.#unavailable(
          input,
          policyId,
          `policy does not fit this gateway: ${error.message}`,
          trace,
        );
      }
    }
    if (lookup.status === 'not_found') {
      if (onError === 'reject') throw errors.policyNotFound(policyId);
      trace?.push({
        step: 'policy',
        decided: false,
        reason: `policy ${policyId} not found; falling through to stored rules`,
      });
      return null;
    }
    return this.#unavailable(
      input,
      policyId,
      lookup.status === 'error' ? lookup.reason : lookup.status,
      trace,
    );
  }

  #unavailable(input: DecideInput, policyId: string, reason: string, trace: Trace): null {
    if (input.snapshot.routing.policyProvider?.on_error === 'reject')
      throw errors.policyUnavailable(policyId);
    trace?.push({
      step: 'policy',
      decided: false,
      reason: `policy ${policyId} unavailable (${reason}); falling through to stored rules`,
    });
    return null;
  }

  #compile(
    document: PolicyDocument,
    source: 'provider' | 'provider_stale',
    snapshot: Snapshot,
  ): CompiledPolicy {
    const cached = this.#compiled.get(document);
    if (cached && cached.generation === snapshot.generation) {
      return cached.policy.source === source ? cached.policy : { ...cached.policy, source };
    }
    const policy = compilePolicyDocument(document, source, snapshot);
    this.#compiled.set(document, { generation: snapshot.generation, policy });
    return policy;
  }
}
