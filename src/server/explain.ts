import { z } from 'zod';
import { errors, GatewayError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import { anonymousIdentity, type Identity } from '../identity/identity.ts';
import type { Decision } from '../routing/decision.ts';
import { holdsTokenIds } from '../routing/request-facts.ts';
import { asObject } from './openai-body.ts';
import { routeRequest } from './route-request.ts';

/**
 * Explain: the full decision trace for a request, computed exactly as the proxy path would, with
 * no upstream called. Used by `POST /admin/v1/explain` and `switchyard explain`.
 */
const explainInputSchema = z.strictObject({
  request: z.record(z.string(), z.unknown()),
  headers: z.record(z.string(), z.string()).default({}),
  identity: z
    .strictObject({
      tenant: z.string().min(1),
      user: z
        .strictObject({
          id: z.string().optional(),
          role: z.string().optional(),
          department: z.string().optional(),
        })
        .default({}),
    })
    .optional()
    .describe('the caller to assume; otherwise the credentials in `headers` are checked'),
});

export type ExplainInput = z.input<typeof explainInputSchema>;

export interface Explanation {
  decided_by: string | null;
  targets: string[];
  rule: { id: string | undefined; name: string } | null;
  route: string | null;
  policy: unknown;
  error: { status: number; code: string; message: string } | null;
  trace: readonly unknown[];
}

export async function explainRequest(
  gateway: Gateway,
  raw: unknown,
  authorizeTenant: (tenant: string) => void = () => {},
): Promise<Explanation> {
  const parsed = explainInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw errors.invalidRequest(
      `explain: ${issue?.path.join('.') || 'body'}: ${issue?.message}`,
      'invalid_explain_request',
    );
  }
  const { request, identity: assumed } = parsed.data;
  const headers = Object.fromEntries(
    Object.entries(parsed.data.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const snapshot = gateway.snapshot;
  const identity: Identity = assumed
    ? {
        ...anonymousIdentity(assumed.tenant),
        user: { id: assumed.user.id, role: assumed.user.role, department: assumed.user.department },
      }
    : await snapshot.authenticator.authenticate(headers);
  authorizeTenant(identity.tenant);
  try {
    const body = asObject(request);
    const decision = await routeRequest({
      gateway,
      snapshot,
      identity,
      body,
      headers,
      traceDetail: 'rules',
      // As the embeddings route rates it: token ids are text the scan cannot read.
      unreadableContent: () => holdsTokenIds(body.input),
    });
    return { ...describeDecision(decision), error: null };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return {
      decided_by: null,
      targets: [],
      rule: null,
      route: null,
      policy: null,
      error: { status: error.status, code: error.code, message: error.message },
      trace: error.trace ?? [],
    };
  }
}

export type DecisionView = Omit<Explanation, 'error'>;

/** A decision as JSON: the explain output, and the body of `POST /v1/route`. */
export function describeDecision(decision: Decision): DecisionView {
  return {
    decided_by: decision.decidedBy,
    targets: decision.targets.map((t) => t.key),
    rule: decision.rule ?? null,
    route: decision.route ?? null,
    policy: decision.policy ?? null,
    trace: decision.trace,
  };
}
