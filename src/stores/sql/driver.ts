import { DuplicateRuleError, RuleNotFoundError, VersionConflictError } from '../rule-store.ts';
/**
 * The little the SQL rule store needs from a database: parameterised queries, transactions and a
 * change feed. PostgreSQL (`pg`) and PGlite each implement it, so the store's SQL is written once.
 */
export type Row = Record<string, unknown>;

export interface SqlQueryable {
  /** Runs one parameterised statement (`$1`, `$2`, …) and returns its rows. */
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface NotificationHandlers {
  /** A `NOTIFY` on the channel arrived. */
  notify(payload: string): void;
  /** The feed was lost and is live again: notifications may have been missed meanwhile. */
  reset(): void;
  /** The feed was lost; the driver keeps trying to get it back. */
  lost(error: Error): void;
}

export interface SqlDriver extends SqlQueryable {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** Listens on `channel` until the returned function is called. Resolves once listening. */
  listen(channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Whether an error means the database could not be reached (as opposed to the database refusing a
 * statement, or our own code throwing). Server errors carry a five-character SQLSTATE; classes 08
 * (connection exception), 53 (insufficient resources), 57P (operator intervention: shutdown,
 * termination) are outages. Socket errors carry a Node code (ECONNREFUSED…); the drivers' own
 * connection failures ("Connection terminated", "timeout exceeded when trying to connect") are
 * plain Errors without a code.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // The store's own outcomes are answers from a working database, not outages.
  if (
    error instanceof RuleNotFoundError ||
    error instanceof VersionConflictError ||
    error instanceof DuplicateRuleError
  ) {
    return false;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return code.startsWith('08') || code.startsWith('53') || code.startsWith('57P');
  }
  if (typeof code === 'string') return code.startsWith('E');
  return error.constructor === Error;
}
