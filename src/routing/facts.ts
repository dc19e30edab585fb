import type { SensitivityLevel } from '../inspect/sensitivity.ts';

/**
 * The facts about one request that rule conditions can read (DESIGN §3).
 *
 * Cheap facts are plain properties. Expensive ones (token estimate, PII sensitivity) are methods
 * that the implementation memoizes, so a request whose rules never read them never computes them.
 */
export interface RequestFacts {
  readonly tenantId: string;
  readonly userId: string | undefined;
  readonly userRole: string | undefined;
  readonly userDepartment: string | undefined;
  /** The model the client asked for (before alias resolution). */
  readonly model: string | undefined;
  readonly useCase: string | undefined;
  readonly stream: boolean;
  readonly hasTools: boolean;
  tokenEstimate(): number;
  sensitivity(): SensitivityLevel;
  /** Request header by lower-case name. */
  header(name: string): string | undefined;
  /** `metadata.<key>` from the request body. */
  metadata(key: string): unknown;
}
