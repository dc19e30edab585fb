/** One place a request can be sent: a configured provider and one of its models. */
export interface Target {
  readonly provider: string;
  readonly model: string;
  /** `provider/model`: what affinity pins and the decision reports. */
  readonly key: string;
  /**
   * The key of breakers, cooldowns, metric series and latency averages: the target key for a
   * configured model, `provider/*` for a model a client named on a provider that lists none — so a
   * client inventing model names cannot create series or breakers without bound.
   */
  readonly statsKey: string;
}

export function makeTarget(provider: string, model: string, listed = true): Target {
  const key = `${provider}/${model}`;
  return { provider, model, key, statsKey: listed ? key : `${provider}/*` };
}

export function sameTarget(a: Target, b: Target): boolean {
  return a.key === b.key;
}
