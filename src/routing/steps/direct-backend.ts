import type { Snapshot } from '../../config/snapshot.ts';
import { errors } from '../../errors.ts';
import type { HeaderBag } from '../request-facts.ts';
import type { Target } from '../target.ts';
import { resolveTargetRef } from '../target-ref.ts';
import { chooseModel } from './rule-targets.ts';

/**
 * Step 2: the standard direct-backend header (`provider` or `provider/model`). Off unless enabled,
 * and only for backends on the allow-list; anything else is a 400 naming the header — never a
 * silent reroute. Returns undefined when the header is absent.
 */
export function directBackendTarget(
  snapshot: Snapshot,
  headers: HeaderBag,
  requested: string | undefined,
): Target | undefined {
  const { header, allowed } = snapshot.routing.directBackend;
  const raw = headers[header];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
  if (!allowed)
    throw errors.invalidRequest(
      `The ${header} header is not enabled on this gateway`,
      'direct_backend_disabled',
    );
  const slash = value.indexOf('/');
  const provider = slash === -1 ? value : value.slice(0, slash);
  if (!allowed.has(provider) && !allowed.has(value)) {
    throw errors.invalidRequest(
      `${header}: backend ${JSON.stringify(value.slice(0, 100))} is not allowed`,
      'direct_backend_not_allowed',
    );
  }
  const runtime = snapshot.providers.get(provider);
  // `provider` alone: the model the client asked for (alias, name or provider/model) on that provider.
  const target =
    slash !== -1
      ? resolveTargetRef(value, snapshot.providers)
      : runtime && chooseModel(runtime, undefined, requested, snapshot);
  if (!target) {
    throw errors.invalidRequest(
      `${header}: backend ${JSON.stringify(value.slice(0, 100))} serves no such model`,
      'direct_backend_unknown',
    );
  }
  return target;
}
