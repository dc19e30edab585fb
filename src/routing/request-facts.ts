import { estimateTokens, sensitivityOfBody } from '../inspect/index.ts';
import type { SensitivityLevel } from '../inspect/sensitivity.ts';
import type { RequestFacts } from './facts.ts';

/**
 * RequestFacts for one request. The expensive facts — the PII scan and the token estimate — run
 * on first use and are remembered, so a request whose rules never read them never pays for them.
 */
export interface Caller {
  readonly tenant: string;
  readonly user: {
    readonly id: string | undefined;
    readonly role: string | undefined;
    readonly department: string | undefined;
  };
}

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export interface FactsSource {
  caller: Caller;
  /** The request body (OpenAI or Anthropic shape). */
  body: Readonly<Record<string, unknown>>;
  headers: HeaderBag;
  /** Header that carries `request.use_case`; else `metadata.use_case` from the body. */
  useCaseHeader: string;
  /** The least sensitivity of a body with media the scan cannot read (`routing.media_sensitivity`). */
  mediaSensitivity?: SensitivityLevel;
  /**
   * The text to count tokens of, as chat messages. Defaults to the body's `messages` (with an
   * Anthropic `system` prompt); embeddings pass their `input`. The PII scan reads the whole body.
   */
  conversation?: () => unknown;
  /**
   * True when the body carries prompt content that is not text (embeddings given as token ids): the
   * scan cannot read it, so its sensitivity is `critical` and enforced rules keep it where the
   * most sensitive prompts go.
   */
  unreadableContent?: () => boolean;
}

export class LazyRequestFacts implements RequestFacts {
  readonly tenantId: string;
  readonly userId: string | undefined;
  readonly userRole: string | undefined;
  readonly userDepartment: string | undefined;
  readonly model: string | undefined;
  readonly useCase: string | undefined;
  readonly stream: boolean;
  readonly hasTools: boolean;
  readonly #body: FactsSource['body'];
  readonly #headers: HeaderBag;
  readonly #conversation: () => unknown;
  readonly #unreadableContent: (() => boolean) | undefined;
  readonly #mediaSensitivity: SensitivityLevel;
  #tokens: number | undefined;
  #sensitivity: SensitivityLevel | undefined;

  constructor(source: FactsSource) {
    const { caller, body, headers } = source;
    this.tenantId = caller.tenant;
    this.userId = caller.user.id;
    this.userRole = caller.user.role;
    this.userDepartment = caller.user.department;
    this.model = typeof body.model === 'string' ? body.model : undefined;
    this.stream = body.stream === true;
    this.hasTools = Array.isArray(body.tools) && body.tools.length > 0;
    this.#body = body;
    this.#headers = headers;
    this.#conversation = source.conversation ?? (() => chatConversation(body));
    this.#unreadableContent = source.unreadableContent;
    this.#mediaSensitivity = source.mediaSensitivity ?? 'none';
    const fromHeader = headerValue(headers, source.useCaseHeader);
    const fromMetadata = this.metadata('use_case');
    this.useCase = fromHeader ?? (typeof fromMetadata === 'string' ? fromMetadata : undefined);
  }

  tokenEstimate(): number {
    this.#tokens ??= estimateTokens(this.#conversation());
    return this.#tokens;
  }

  sensitivity(): SensitivityLevel {
    this.#sensitivity ??= this.#unreadableContent?.()
      ? 'critical'
      : sensitivityOfBody(this.#body, this.#mediaSensitivity);
    return this.#sensitivity;
  }

  header(name: string): string | undefined {
    return headerValue(this.#headers, name);
  }

  metadata(key: string): unknown {
    const metadata = this.#body.metadata;
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return undefined;
    return Object.hasOwn(metadata, key) ? (metadata as Record<string, unknown>)[key] : undefined;
  }
}

/** The messages, with an Anthropic top-level `system` prompt included as a message. */
function chatConversation(body: FactsSource['body']): unknown {
  const { messages, system } = body;
  if (system === undefined) return messages;
  return [{ role: 'system', content: system }, ...(Array.isArray(messages) ? messages : [])];
}

/** Embeddings input (a string or strings) as user messages, so its tokens are counted like chat text. */
export function embeddingsConversation(input: unknown): unknown {
  const texts = Array.isArray(input) ? input.filter((item) => typeof item === 'string') : [input];
  return texts.map((content) => ({ role: 'user', content }));
}

/**
 * Embeddings input given as token ids (`[1, 2, 3]` or `[[1, 2], [3]]`): text the upstream decodes
 * with its own vocabulary, which the gateway does not know.
 */
export function holdsTokenIds(input: unknown): boolean {
  if (!Array.isArray(input)) return false;
  return input.some(
    (item) => typeof item === 'number' || (Array.isArray(item) && item.some((id) => typeof id === 'number')),
  );
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
