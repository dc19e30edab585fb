import type { RuleProblem } from './errors.ts';
import type { RuleAction } from './schema.ts';

/** The runtime form of a rule's action: camelCase, frozen, with a discriminant. */
export type CompiledAction = RouteAction | RejectAction;

export interface RouteAction {
  readonly kind: 'route';
  readonly provider: string;
  /** `undefined`: forward the model the client asked for. */
  readonly model: string | undefined;
  /** Tried in order when the provider fails. */
  readonly fallbackProviders: readonly string[];
}

export interface RejectAction {
  readonly kind: 'reject';
  readonly message: string;
}

/**
 * Checks an action against the providers the snapshot has, so a rule can never route to a
 * provider that does not exist. A fallback listed twice, or equal to the primary provider, is a
 * mistake (it would retry the provider that just failed) and is refused too.
 */
export function compileAction(
  action: RuleAction,
  knownProviders: ReadonlySet<string>,
  problems: RuleProblem[],
): CompiledAction | undefined {
  if ('reject' in action) return Object.freeze({ kind: 'reject', message: action.reject });

  const before = problems.length;
  if (!knownProviders.has(action.provider)) {
    problems.push({ path: 'action.provider', message: unknownProvider(action.provider, knownProviders) });
  }
  const fallbacks = action.fallback_providers ?? [];
  const seen = new Set<string>([action.provider]);
  fallbacks.forEach(function checkFallback(provider, index) {
    const path = `action.fallback_providers[${index}]`;
    if (!knownProviders.has(provider)) {
      problems.push({ path, message: unknownProvider(provider, knownProviders) });
    } else if (seen.has(provider)) {
      const why = provider === action.provider ? 'is the primary provider' : 'is listed twice';
      problems.push({ path, message: `provider "${provider}" ${why}` });
    }
    seen.add(provider);
  });
  if (problems.length > before) return undefined;

  return Object.freeze({
    kind: 'route',
    provider: action.provider,
    model: action.model,
    fallbackProviders: Object.freeze([...fallbacks]),
  });
}

function unknownProvider(provider: string, knownProviders: ReadonlySet<string>): string {
  const known = knownProviders.size === 0 ? '(none configured)' : [...knownProviders].join(', ');
  return `unknown provider "${provider}"; configured providers: ${known}`;
}
