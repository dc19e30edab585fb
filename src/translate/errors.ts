/**
 * Raised when a payload cannot be expressed in the other API without losing meaning.
 *
 * Translators throw rather than guess: a request that would be silently changed must never reach
 * an upstream (DESIGN §7). `status` says whose fault it is: 400 for what the client sent, 502 for
 * what an upstream produced (e.g. a tool call whose arguments are not JSON). The server's error
 * catalogue decides how it is shown; `code` is stable and safe to show to a client.
 */
export class TranslationError extends Error {
  override readonly name = 'TranslationError';
  readonly code: TranslationErrorCode;
  readonly status: 400 | 502;
  /** JSON path of the offending field, e.g. `messages[2].tool_calls[0].function.arguments`. */
  readonly param: string | null;

  // Plain fields rather than parameter properties: those are not erasable type syntax.
  constructor(
    message: string,
    code: TranslationErrorCode,
    status: 400 | 502 = 400,
    param: string | null = null,
  ) {
    super(message);
    this.code = code;
    this.status = status;
    this.param = param;
  }
}

export type TranslationErrorCode =
  | 'unsupported_content'
  | 'unsupported_parameter'
  | 'invalid_image_url'
  | 'invalid_tool_arguments'
  | 'invalid_messages'
  | 'invalid_upstream_response';
