import { errors, type GatewayError } from '../../errors.ts';
import { TranslationError } from '../../translate/errors.ts';

/**
 * A translator's refusal as a catalogue error: 400 when the client asked for something the
 * upstream's API cannot express, 502 when an upstream answered something the client's API cannot
 * hold. Translators trust the shape of their input, and the ingresses check bodies only lightly,
 * so anything else a translator throws is blamed on whoever sent the input: never a 500.
 */
function requestTranslationError(error: unknown): GatewayError {
  if (error instanceof TranslationError && error.status === 400) {
    const where = error.param ? ` (${error.param})` : '';
    return errors.untranslatable(`${error.message}${where}`, error.code);
  }
  if (error instanceof TranslationError) return errors.upstreamUntranslatable(error.message);
  return errors.untranslatable(
    'The request body has a shape the upstream API cannot take',
    'invalid_request',
  );
}

function responseTranslationError(error: unknown): GatewayError {
  if (error instanceof TranslationError) return errors.upstreamUntranslatable(error.message);
  return errors.upstreamUntranslatable('upstream answered with a body of an unexpected shape');
}

/** Runs a translation of the client's request, turning a refusal into its 400. */
export function translatingRequest<T>(translate: () => T): T {
  try {
    return translate();
  } catch (error) {
    throw requestTranslationError(error);
  }
}

/** Runs a translation of an upstream answer, turning any failure into a 502. */
export function translatingResponse<T>(translate: () => T): T {
  try {
    return translate();
  } catch (error) {
    throw responseTranslationError(error);
  }
}
