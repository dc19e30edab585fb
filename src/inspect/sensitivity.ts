/** Sensitivity levels, in ascending order. Comparisons on `request.sensitivity` use this order. */
export const SENSITIVITY_LEVELS = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type SensitivityLevel = (typeof SENSITIVITY_LEVELS)[number];

export function sensitivityRank(level: SensitivityLevel): number {
  return SENSITIVITY_LEVELS.indexOf(level);
}

export function isSensitivityLevel(value: unknown): value is SensitivityLevel {
  return typeof value === 'string' && (SENSITIVITY_LEVELS as readonly string[]).includes(value);
}
