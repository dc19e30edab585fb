import { formatPath } from '../rules/errors.ts';
import { type PolicyDocument, policyDocumentSchema, SUPPORTED_SCHEMA_VERSIONS } from './document.ts';

/**
 * What one fetch from the policy provider came to. `reason` is for logs and metrics: it never
 * carries a header value or the provider URL (which may hold a token in its query).
 */
export type FetchOutcome =
  | { kind: 'found'; document: PolicyDocument }
  | { kind: 'not_found' }
  | { kind: 'error'; reason: string };

const MAX_REPORTED_ISSUES = 3;
const MAX_ECHOED_CHARS = 80;

/**
 * Turns a parsed response body into an outcome. The identity checks run before the schema so
 * that a document for another policy, or of a schema version we cannot read, is refused as such
 * rather than reported as a pile of field errors.
 */
export function validateProviderDocument(raw: unknown, policyId: string): FetchOutcome {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return refuse('response is not a JSON object');
  }
  const { policy_id: returnedId, schema_version: version } = raw as Record<string, unknown>;
  if (returnedId !== undefined && returnedId !== policyId) {
    // Serving it would hand one policy's routing to requests that asked for another.
    return refuse(`returned policy_id ${echo(returnedId)}, asked for ${echo(policyId)}`);
  }
  if (typeof version === 'number' && !(SUPPORTED_SCHEMA_VERSIONS as readonly number[]).includes(version)) {
    return refuse(
      `returned unsupported schema_version ${echo(version)} (supported: ${SUPPORTED_SCHEMA_VERSIONS.join(', ')})`,
    );
  }
  const parsed = policyDocumentSchema.safeParse(raw);
  if (!parsed.success)
    return refuse(`returned an invalid policy document: ${describeIssues(parsed.error.issues)}`);
  return { kind: 'found', document: parsed.data };
}

function refuse(problem: string): FetchOutcome {
  return { kind: 'error', reason: `policy provider ${problem}` };
}

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

function describeIssues(issues: readonly Issue[]): string {
  const shown = issues.slice(0, MAX_REPORTED_ISSUES).map(function describe(issue) {
    const path = formatPath(issue.path);
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')} (and ${more} more)` : shown.join('; ');
}

/** A value from the response, quoted and cut short: the body is untrusted and may be huge. */
function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_ECHOED_CHARS ? `${text.slice(0, MAX_ECHOED_CHARS)}…` : text;
}
