import {
  isSensitivityLevel,
  SENSITIVITY_LEVELS,
  type SensitivityLevel,
  sensitivityRank,
} from '../../inspect/sensitivity.ts';
import type { RequestFacts } from '../facts.ts';
import type { RuleProblem } from './errors.ts';
import {
  type FieldKind,
  type FieldReader,
  type FieldRef,
  resolveField,
  supportedOperators,
} from './fields.ts';
import {
  isOperator,
  isOrderingOperator,
  OPERATORS,
  type Operator,
  type OrderingOperator,
} from './operators.ts';
import { compilePattern, MAX_MATCHED_LENGTH } from './pattern.ts';
import type { ConditionSpec, ConditionValue } from './schema.ts';

/** Tests a value already read from the facts. Never throws: a value of the wrong type fails. */
export type ValueTest = (actual: unknown) => boolean;
export type Predicate = (facts: RequestFacts) => boolean;

export interface CompiledCondition {
  /** Canonical field name (header names lower-cased). */
  readonly field: string;
  readonly operator: Operator;
  /** The operand as written; for `exists`, the boolean it defaults to (true). */
  readonly expected: ConditionValue;
  readonly read: FieldReader;
  readonly test: ValueTest;
  /** `test(read(facts))`: reads exactly one field, and only when evaluated. */
  readonly holds: Predicate;
}

/** The type of operand (or of each list element) a field and operator take. */
type Operand = 'string' | 'number' | 'boolean' | 'level' | 'scalar';

const LEVEL_RANK: ReadonlyMap<unknown, number> = new Map(
  SENSITIVITY_LEVELS.map((level) => [level, sensitivityRank(level)]),
);
const LEVEL_NAMES = SENSITIVITY_LEVELS.join('|');

/**
 * Compiles one condition into a predicate. Problems are appended to `problems` (so a rule reports
 * all of them at once) and `undefined` is returned.
 */
export function compileCondition(
  spec: ConditionSpec,
  path: string,
  problems: RuleProblem[],
): CompiledCondition | undefined {
  const resolved = resolveField(spec.field);
  if ('problem' in resolved) {
    problems.push({ path: `${path}.field`, message: resolved.problem });
    return undefined;
  }
  const field = resolved.field;
  const operator: unknown = spec.operator;
  if (!isOperator(operator)) {
    const message = `unknown operator ${JSON.stringify(operator)}; expected one of ${OPERATORS.join('|')}`;
    problems.push({ path: `${path}.operator`, message });
    return undefined;
  }
  const supported = supportedOperators(field.kind);
  if (!supported.includes(operator)) {
    const message = `operator ${operator} is not supported on ${field.name}; use one of ${supported.join('|')}`;
    problems.push({ path: `${path}.operator`, message });
    return undefined;
  }
  const built = buildTest(field, operator, spec.value);
  if (typeof built === 'string') {
    problems.push({ path: `${path}.value`, message: built });
    return undefined;
  }
  return makeCondition(field, operator, spec.value ?? true, built);
}

export function makeCondition(
  field: FieldRef,
  operator: Operator,
  expected: ConditionValue,
  test: ValueTest,
): CompiledCondition {
  const read = field.read;
  return Object.freeze({
    field: field.name,
    operator,
    expected,
    read,
    test,
    holds: function holds(facts: RequestFacts): boolean {
      return test(read(facts));
    },
  });
}

/** Returns the value test, or a message saying what operand the field and operator need. */
function buildTest(
  field: FieldRef,
  operator: Operator,
  value: ConditionValue | undefined,
): ValueTest | string {
  const needs = `operator ${operator} on ${field.name} needs`;
  if (operator === 'exists') {
    if (value !== undefined && typeof value !== 'boolean') {
      return `operator exists on ${field.name} takes no value or a boolean`;
    }
    return existsTest(value ?? true);
  }
  const operand = operandOf(field.kind, operator);
  if (operator === 'in' || operator === 'nin') {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => isOperand(v, operand))) {
      return `${needs} a non-empty list of ${describeOperand(operand, true)}`;
    }
    const members = new Set<unknown>(value);
    return operator === 'in' ? inTest(members) : notInTest(members);
  }
  if (value === undefined || Array.isArray(value) || !isOperand(value, operand)) {
    return `${needs} ${describeOperand(operand, false)}${quoteHint(value, operand)}`;
  }
  switch (operator) {
    case 'eq':
      return eqTest(value);
    case 'neq':
      return neqTest(value);
    case 'contains':
      return containsTest(value as string);
    case 'matches':
      return matchesTest(value as string);
    default:
      return orderingTest(operator, numberReader(field.kind), orderingBound(field.kind, value));
  }
}

function operandOf(kind: FieldKind, operator: Operator): Operand {
  if (operator === 'contains' || operator === 'matches') return 'string';
  if (isOrderingOperator(operator)) return kind === 'level' ? 'level' : 'number';
  switch (kind) {
    case 'text':
    case 'header':
      return 'string';
    case 'metadata':
      return 'scalar';
    case 'number':
      return 'number';
    case 'level':
      return 'level';
    case 'flag':
      return 'boolean';
  }
}

function isOperand(value: unknown, operand: Operand): boolean {
  switch (operand) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'level':
      return isSensitivityLevel(value);
    case 'scalar':
      return typeof value === 'string' || typeof value === 'boolean' || isOperand(value, 'number');
  }
}

function describeOperand(operand: Operand, plural: boolean): string {
  switch (operand) {
    case 'string':
      return plural ? 'strings' : 'a string';
    case 'number':
      return plural ? 'numbers' : 'a number';
    case 'boolean':
      return plural ? 'booleans' : 'a boolean (true or false)';
    case 'level':
      return plural ? LEVEL_NAMES : `one of ${LEVEL_NAMES}`;
    case 'scalar':
      return plural ? 'strings, numbers or booleans' : 'a string, number or boolean';
  }
}

// YAML reads `value: 42` or `value: yes`-style scalars as non-strings; say how to fix it.
function quoteHint(value: ConditionValue | undefined, operand: Operand): string {
  if (operand !== 'string') return '';
  if (typeof value === 'number' || typeof value === 'boolean') return ' (quote the value in YAML)';
  return '';
}

function orderingBound(kind: FieldKind, value: ConditionValue): number {
  return kind === 'level' ? sensitivityRank(value as SensitivityLevel) : (value as number);
}

/** How an ordering operator turns a field's value into a number; `undefined` fails the condition. */
function numberReader(kind: FieldKind): (actual: unknown) => number | undefined {
  if (kind === 'level') return levelRank;
  if (kind === 'header') return headerNumber;
  return plainNumber;
}

function levelRank(actual: unknown): number | undefined {
  return LEVEL_RANK.get(actual);
}

function plainNumber(actual: unknown): number | undefined {
  return typeof actual === 'number' ? actual : undefined;
}

// Only plain decimals: `Number()` would also accept '', '0x10' and 'Infinity'.
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

function headerNumber(actual: unknown): number | undefined {
  if (typeof actual !== 'string') return undefined;
  const trimmed = actual.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) : undefined;
}

function eqTest(expected: unknown): ValueTest {
  return function eq(actual) {
    return actual === expected;
  };
}

/**
 * `neq` and `nin` are the exact negations of `eq` and `in`, so an absent value is "not equal".
 * That keeps deny rules safe: `user.role neq admin → reject` also rejects callers with no role.
 */
function neqTest(expected: unknown): ValueTest {
  return function neq(actual) {
    return actual !== expected;
  };
}

function inTest(members: ReadonlySet<unknown>): ValueTest {
  return function isIn(actual) {
    return members.has(actual);
  };
}

function notInTest(members: ReadonlySet<unknown>): ValueTest {
  return function notIn(actual) {
    return !members.has(actual);
  };
}

/** A substring of a string, or (for metadata lists such as tags) an element of an array. */
function containsTest(needle: string): ValueTest {
  return function contains(actual) {
    if (typeof actual === 'string') return actual.includes(needle);
    return Array.isArray(actual) && actual.includes(needle);
  };
}

function matchesTest(source: string): ValueTest | string {
  const compiled = compilePattern(source);
  if ('problem' in compiled) return compiled.problem;
  const regex = compiled.regex;
  return function matches(actual) {
    return typeof actual === 'string' && actual.length <= MAX_MATCHED_LENGTH && regex.test(actual);
  };
}

function existsTest(wanted: boolean): ValueTest {
  return function exists(actual) {
    return (actual !== undefined && actual !== null) === wanted;
  };
}

function orderingTest(
  operator: OrderingOperator,
  toNumber: (actual: unknown) => number | undefined,
  bound: number,
): ValueTest {
  switch (operator) {
    case 'gt':
      return function gt(actual) {
        const n = toNumber(actual);
        return n !== undefined && n > bound;
      };
    case 'gte':
      return function gte(actual) {
        const n = toNumber(actual);
        return n !== undefined && n >= bound;
      };
    case 'lt':
      return function lt(actual) {
        const n = toNumber(actual);
        return n !== undefined && n < bound;
      };
    case 'lte':
      return function lte(actual) {
        const n = toNumber(actual);
        return n !== undefined && n <= bound;
      };
  }
}
