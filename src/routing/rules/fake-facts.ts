import type { SensitivityLevel } from '../../inspect/sensitivity.ts';
import type { RequestFacts } from '../facts.ts';

/** Test support: RequestFacts from plain data, counting calls to the lazy accessors. */
export interface FakeFactsInit {
  readonly tenantId?: string;
  readonly userId?: string;
  readonly userRole?: string;
  readonly userDepartment?: string;
  readonly model?: string;
  readonly useCase?: string;
  readonly stream?: boolean;
  readonly hasTools?: boolean;
  readonly tokenEstimate?: number;
  readonly sensitivity?: SensitivityLevel;
  /** By lower-case name. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Accessors that throw when called, to prove they are not. */
  readonly explodes?: readonly ('tokenEstimate' | 'sensitivity')[];
}

export interface FakeFacts extends RequestFacts {
  readonly calls: { tokenEstimate: number; sensitivity: number; header: number; metadata: number };
}

export function fakeFacts(init: FakeFactsInit = {}): FakeFacts {
  const calls = { tokenEstimate: 0, sensitivity: 0, header: 0, metadata: 0 };
  const explodes = new Set(init.explodes ?? []);
  return {
    calls,
    tenantId: init.tenantId ?? 'acme',
    userId: init.userId,
    userRole: init.userRole,
    userDepartment: init.userDepartment,
    model: init.model,
    useCase: init.useCase,
    stream: init.stream ?? false,
    hasTools: init.hasTools ?? false,
    tokenEstimate() {
      calls.tokenEstimate++;
      if (explodes.has('tokenEstimate')) throw new Error('tokenEstimate() must not be called');
      return init.tokenEstimate ?? 0;
    },
    sensitivity() {
      calls.sensitivity++;
      if (explodes.has('sensitivity')) throw new Error('sensitivity() must not be called');
      return init.sensitivity ?? 'none';
    },
    header(name) {
      calls.header++;
      return Object.hasOwn(init.headers ?? {}, name) ? init.headers?.[name] : undefined;
    },
    metadata(key) {
      calls.metadata++;
      return Object.hasOwn(init.metadata ?? {}, key) ? init.metadata?.[key] : undefined;
    },
  };
}
