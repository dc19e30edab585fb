import { errors } from '../errors.ts';

/**
 * The routing fields a client may add to a request body (DESIGN §2): which external policy to use,
 * or an inline policy. They are read here and removed before the body is forwarded.
 */
export interface RoutingFields {
  readonly policyId: string | undefined;
  readonly revision: number | undefined;
  readonly inlinePolicy: Readonly<Record<string, unknown>> | undefined;
  readonly inlinePreferences: readonly unknown[] | undefined;
}

const POLICY_ID = /^[A-Za-z0-9._:@/-]{1,256}$/;

export function readRoutingFields(body: Readonly<Record<string, unknown>>): RoutingFields {
  const { policy_id: policyId, revision, routing_policy: policy, routing_preferences: preferences } = body;
  if (policyId !== undefined && (typeof policyId !== 'string' || !POLICY_ID.test(policyId))) {
    throw errors.invalidRequest(
      '`policy_id` must be 1-256 characters of letters, digits and ._:@/-',
      'invalid_policy_id',
    );
  }
  if (revision !== undefined && (!Number.isSafeInteger(revision) || (revision as number) < 0)) {
    throw errors.invalidRequest('`revision` must be a non-negative integer', 'invalid_revision');
  }
  if (revision !== undefined && policyId === undefined) {
    throw errors.invalidRequest('`revision` needs a `policy_id`', 'invalid_revision');
  }
  if (policy !== undefined && (policy === null || typeof policy !== 'object' || Array.isArray(policy))) {
    throw errors.invalidRequest('`routing_policy` must be an object', 'invalid_routing_policy');
  }
  if (preferences !== undefined && !Array.isArray(preferences)) {
    throw errors.invalidRequest('`routing_preferences` must be an array', 'invalid_routing_preferences');
  }
  return {
    policyId: policyId as string | undefined,
    revision: revision as number | undefined,
    inlinePolicy: policy as Record<string, unknown> | undefined,
    inlinePreferences: preferences as unknown[] | undefined,
  };
}
