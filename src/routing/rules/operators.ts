/** Condition operators (DESIGN §3). */
export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'nin',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'matches',
  'exists',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const ORDERING_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;
export type OrderingOperator = (typeof ORDERING_OPERATORS)[number];

export function isOperator(value: unknown): value is Operator {
  return typeof value === 'string' && (OPERATORS as readonly string[]).includes(value);
}

export function isOrderingOperator(operator: Operator): operator is OrderingOperator {
  return (ORDERING_OPERATORS as readonly string[]).includes(operator);
}
