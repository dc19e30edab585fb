import type { SensitivityLevel } from './sensitivity.ts';

/**
 * What each kind of finding weighs (DESIGN §3, `request.sensitivity`):
 *
 * | kind                                  | level    | why                                            |
 * |---------------------------------------|----------|------------------------------------------------|
 * | api_key, private_key, jwt (secrets)   | critical | a leaked credential is usable as is            |
 * | payment_card, iban                    | critical | financial identifiers, regulated (PCI DSS etc.) |
 * | us_ssn                                | high     | national identifier, identity-theft material   |
 * | phone, email                          | medium   | direct contact details of a person             |
 * | ip_address                            | low      | indirect identifier, often infrastructure      |
 *
 * Routing rules compare against these levels, so changing one changes where traffic goes.
 */
export const PII_LEVELS = {
  api_key: 'critical',
  private_key: 'critical',
  jwt: 'critical',
  payment_card: 'critical',
  iban: 'critical',
  us_ssn: 'high',
  phone: 'medium',
  email: 'medium',
  ip_address: 'low',
} as const satisfies Record<string, SensitivityLevel>;

export type PiiKind = keyof typeof PII_LEVELS;

/**
 * One thing found in a text. Only offsets are kept (UTF-16 code units, `end` exclusive): the
 * matched value itself must never be logged or stored, so it is never copied out.
 */
export interface PiiFinding {
  readonly kind: PiiKind;
  readonly level: SensitivityLevel;
  readonly start: number;
  readonly end: number;
}
