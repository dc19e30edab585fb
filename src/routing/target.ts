/** One place a request can be sent: a configured provider and one of its models. */
export interface Target {
  readonly provider: string;
  readonly model: string;
  /** `provider/model`: the key for breakers, cooldowns, metrics and affinity. */
  readonly key: string;
}

export function makeTarget(provider: string, model: string): Target {
  return { provider, model, key: `${provider}/${model}` };
}

export function sameTarget(a: Target, b: Target): boolean {
  return a.key === b.key;
}
