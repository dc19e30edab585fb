import { hash } from 'node:crypto';

/**
 * The SHA-256 digest keys are stored and compared as (API keys, admin keys). One-shot hashing: no
 * Hash object per call, since this runs on every authenticated request.
 */
export function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}
