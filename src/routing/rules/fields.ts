import type { RequestFacts } from '../facts.ts';
import type { Operator } from './operators.ts';

/**
 * How a field's values behave, which decides the operators and operand types it accepts:
 * - `text`: identity and request strings that may be absent;
 * - `header`: a request header (a string; ordering operators read it as a decimal number);
 * - `metadata`: a free-form body value of any JSON type;
 * - `number`: the token estimate; `level`: the sensitivity level; `flag`: a body boolean.
 */
export type FieldKind = 'text' | 'header' | 'metadata' | 'number' | 'level' | 'flag';

export type FieldReader = (facts: RequestFacts) => unknown;

export interface FieldRef {
  /** Canonical name (header names lower-cased), as listed in a rule's `reads`. */
  readonly name: string;
  readonly kind: FieldKind;
  readonly read: FieldReader;
}

export const HEADER_PREFIX = 'request.header.';
export const METADATA_PREFIX = 'request.metadata.';

const FIXED_FIELD_LIST: readonly FieldRef[] = [
  { name: 'user.id', kind: 'text', read: readUserId },
  { name: 'user.role', kind: 'text', read: readUserRole },
  { name: 'user.department', kind: 'text', read: readUserDepartment },
  { name: 'tenant.id', kind: 'text', read: readTenantId },
  { name: 'request.model', kind: 'text', read: readModel },
  { name: 'request.use_case', kind: 'text', read: readUseCase },
  { name: 'request.token_estimate', kind: 'number', read: readTokenEstimate },
  { name: 'request.sensitivity', kind: 'level', read: readSensitivity },
  { name: 'request.stream', kind: 'flag', read: readStream },
  { name: 'request.has_tools', kind: 'flag', read: readHasTools },
];

const FIXED_FIELDS: ReadonlyMap<string, FieldRef> = new Map(FIXED_FIELD_LIST.map((f) => [f.name, f]));

/** For error messages: every accepted field, families shown with their placeholder. */
export const FIELD_NAMES: readonly string[] = [
  ...FIXED_FIELDS.keys(),
  `${HEADER_PREFIX}<name>`,
  `${METADATA_PREFIX}<key>`,
];

const SUPPORTED_OPERATORS: Readonly<Record<FieldKind, readonly Operator[]>> = {
  text: ['eq', 'neq', 'in', 'nin', 'contains', 'matches', 'exists'],
  header: ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'exists'],
  metadata: ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'exists'],
  // Always present, so `exists` would be a constant; refusing it catches a misunderstanding early.
  number: ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte'],
  level: ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte'],
  flag: ['eq', 'neq'],
};

export function supportedOperators(kind: FieldKind): readonly Operator[] {
  return SUPPORTED_OPERATORS[kind];
}

// RFC 9110 token characters: anything else can never arrive as a header name.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

export type FieldResolution = { readonly field: FieldRef } | { readonly problem: string };

/**
 * Resolves a condition's `field` once, at compile time, into a reader bound to one accessor of
 * the facts interface. Header names are case-insensitive, so they are lower-cased here.
 */
export function resolveField(name: string): FieldResolution {
  const fixed = FIXED_FIELDS.get(name);
  if (fixed !== undefined) return { field: fixed };
  if (name.startsWith(HEADER_PREFIX)) return resolveHeader(name.slice(HEADER_PREFIX.length));
  if (name.startsWith(METADATA_PREFIX)) return resolveMetadata(name.slice(METADATA_PREFIX.length));
  return { problem: `unknown field ${JSON.stringify(name)}; expected one of ${FIELD_NAMES.join(', ')}` };
}

const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'cookie',
]);

function resolveHeader(rawName: string): FieldResolution {
  const headerName = rawName.toLowerCase();
  if (!HEADER_NAME.test(headerName)) {
    return { problem: `${JSON.stringify(rawName)} is not a valid header name` };
  }
  // A condition's actual value appears in explain output and debug logs: credentials must not.
  if (CREDENTIAL_HEADERS.has(headerName)) {
    return {
      problem: `the ${headerName} header carries credentials and cannot be read by rules; use user.* or tenant.id`,
    };
  }
  return {
    field: {
      name: HEADER_PREFIX + headerName,
      kind: 'header',
      read: function readHeader(facts) {
        return facts.header(headerName);
      },
    },
  };
}

function resolveMetadata(key: string): FieldResolution {
  if (key === '') return { problem: `${METADATA_PREFIX}<key> needs a key` };
  return {
    field: {
      name: METADATA_PREFIX + key,
      kind: 'metadata',
      read: function readMetadata(facts) {
        return facts.metadata(key);
      },
    },
  };
}

function readUserId(facts: RequestFacts): unknown {
  return facts.userId;
}
function readUserRole(facts: RequestFacts): unknown {
  return facts.userRole;
}
function readUserDepartment(facts: RequestFacts): unknown {
  return facts.userDepartment;
}
function readTenantId(facts: RequestFacts): unknown {
  return facts.tenantId;
}
function readModel(facts: RequestFacts): unknown {
  return facts.model;
}
function readUseCase(facts: RequestFacts): unknown {
  return facts.useCase;
}
// The two expensive facts are methods: they are called only when a condition on them is evaluated.
function readTokenEstimate(facts: RequestFacts): unknown {
  return facts.tokenEstimate();
}
function readSensitivity(facts: RequestFacts): unknown {
  return facts.sensitivity();
}
function readStream(facts: RequestFacts): unknown {
  return facts.stream;
}
function readHasTools(facts: RequestFacts): unknown {
  return facts.hasTools;
}
