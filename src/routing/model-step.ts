import type { Snapshot } from '../config/snapshot.ts';
import { errors } from '../errors.ts';
import { type Decision, decision, type Trace } from './decision.ts';
import { resolveTargetRef } from './target-ref.ts';

/**
 * The last step of the decision (DESIGN §2.5): the model the client asked for — an alias, a bare
 * model name, or `provider/model` — else the configured default.
 */
export function decideByModel(snapshot: Snapshot, requested: string | undefined, trace: Trace): Decision {
  if (requested === undefined || requested === '') {
    if (!snapshot.defaultTargets) throw errors.missingModel();
    trace?.push({ step: 'default', decided: true, reason: 'no model requested; using routing.default' });
    return decision('default', snapshot.defaultTargets, trace);
  }
  const indexed = snapshot.modelIndex.get(requested);
  if (indexed && indexed.length > 0) {
    const isAlias = Object.hasOwn(snapshot.config.models, requested);
    trace?.push({
      step: 'model',
      decided: true,
      reason: isAlias ? `alias "${requested}"` : `model "${requested}"`,
    });
    return decision(isAlias ? 'alias' : 'model', indexed, trace);
  }
  const explicit = resolveTargetRef(requested, snapshot.providers);
  if (explicit) {
    trace?.push({ step: 'model', decided: true, reason: `provider/model "${requested}"` });
    return decision('model', [explicit], trace);
  }
  throw errors.modelNotFound(requested);
}
