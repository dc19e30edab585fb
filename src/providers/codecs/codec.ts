import type { ProviderRuntime } from '../../config/snapshot.ts';
import type { WireApi } from '../profiles.ts';

/**
 * A codec speaks one (client API, provider API) pair for one request: it encodes the client's body
 * for a target, and turns the upstream's answer — JSON, stream or error — into what the client's
 * API expects. Same-API pairs pass bodies through; cross pairs translate with `src/translate`.
 * A fallback chain may mix provider kinds, so the codec is chosen per target, never per request.
 */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface DecodedResponse {
  body: Buffer;
  usage: Usage | undefined;
}

/** An upstream error as the client's API shows it. */
export interface ClientError {
  status: number;
  message: string;
  /** The client-shaped error body: only type, message, code and param are carried over. */
  body: object;
}

/**
 * Turns one upstream event stream into the client's, chunk by chunk, as it arrives. It holds only
 * the state of one stream (a partial event, the translator's numbering, the usage so far).
 */
export interface StreamRelay {
  /** The bytes to send the client for one upstream chunk (possibly none). */
  push(chunk: Buffer): Buffer;
  /** The upstream ended: closing bytes, with an error event if the stream was not complete. */
  end(): Buffer;
  /** The upstream connection failed mid-stream: an error event in the client's format. */
  fail(message: string): Buffer;
  /** Token usage, once the stream reported it. */
  readonly usage: Usage | undefined;
  /** Why the stream is incomplete (an upstream error event, or an early end), once known. */
  readonly error: string | undefined;
}

export interface Codec {
  readonly client: WireApi;
  readonly upstream: WireApi;
  /**
   * The upstream body for one target: its model, no routing fields, translated if the APIs
   * differ. Throws a 400 GatewayError when the request cannot be expressed for this upstream.
   */
  encodeRequest(model: string, provider: ProviderRuntime): string | Buffer;
  /** A successful JSON answer for the client. Throws a 502 GatewayError when it cannot be translated. */
  decodeResponse(json: unknown, raw: Buffer): DecodedResponse;
  /** An upstream error answer (status and body as received) for the client. */
  decodeError(status: number, body: Buffer | undefined): ClientError;
  /** A relay for one stream; `model` is the model the target was asked for. */
  openStream(model: string): StreamRelay;
}

/** The client's request, as the ingress validated it. */
export interface CodecRequest {
  readonly body: Readonly<Record<string, unknown>>;
  /**
   * The bytes the body was parsed from, when the ingress kept them: a passthrough codec may send
   * them as they are (`passthroughBody`).
   */
  readonly raw?: Buffer | undefined;
}

export const EMPTY = Buffer.alloc(0);
