import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Snapshot } from '../config/snapshot.ts';
import { andThen, type Eventually } from '../eventually.ts';
import type { Gateway } from '../gateway.ts';
import type { CodecFor } from '../providers/codecs/select.ts';
import type { Operation } from '../providers/profiles.ts';
import type { TraceDetail } from '../routing/decision.ts';
import type { RoutedDecision } from '../routing/pipeline.ts';
import { type AnswerTarget, replyTarget } from './answer.ts';
import type { Exchange } from './exchange.ts';
import type { JsonObject } from './openai-body.ts';
import { proxy } from './proxy.ts';
import { rememberSession, routeRequest } from './route-request.ts';

/**
 * The path every model request takes, whatever its API: identity, body checks, the routing
 * decision, then the proxy. The ingresses differ only in what this takes as parameters.
 */
export interface ModelRoute<Body extends JsonObject> {
  endpoint: Exchange['endpoint'];
  op: Operation;
  /** Checks the body in the API's own terms (throws a 400 from the catalogue). */
  parse(raw: unknown): Body;
  /** `raw`: the bytes the body was parsed from, when the ingress kept them. */
  codecFor(body: Body, raw: Buffer | undefined): CodecFor;
  /** The text counted for tokens, when it is not the body's messages. */
  conversation?(body: Body): unknown;
  /** True when the body carries prompt content the PII scan cannot read (see FactsSource). */
  unreadableContent?(body: Body): boolean;
}

/** A model request as either front hands it over (a FastifyRequest is one). */
export interface ModelIngress {
  exchange: Exchange;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: unknown;
  /** The bytes it was parsed from: kept by the model front, not by Fastify's body parser. */
  rawBody?: Buffer | undefined;
}

export interface DecidedRequest<Body extends JsonObject> {
  snapshot: Snapshot;
  exchange: Exchange;
  body: Body;
  decision: RoutedDecision;
}

/**
 * Identity, body and decision: what every ingress does before choosing how to answer. Returned at
 * once when nothing on the way had to be waited for (see `Eventually`); it may throw.
 */
export function decideRequest<Body extends JsonObject>(
  gateway: Gateway,
  request: ModelIngress,
  route: Pick<ModelRoute<Body>, 'endpoint' | 'parse' | 'conversation' | 'unreadableContent'>,
  traceDetail?: TraceDetail,
): Eventually<DecidedRequest<Body>> {
  const exchange = request.exchange;
  exchange.endpoint = route.endpoint;
  const snapshot = gateway.snapshot;
  exchange.snapshot = snapshot;
  return andThen(snapshot.authenticator.authenticate(request.headers), (identity) => {
    const body = route.parse(request.body);
    const { conversation, unreadableContent } = route;
    const routing = routeRequest({
      gateway,
      snapshot,
      identity,
      body,
      headers: request.headers,
      // One shape for every request (no conditional spreads): each spread built a temporary object,
      // and each combination of present keys a hidden class of its own.
      conversation: conversation ? () => conversation(body) : undefined,
      unreadableContent: unreadableContent ? () => unreadableContent(body) : undefined,
      traceDetail,
    });
    return andThen(routing, (decision): DecidedRequest<Body> => {
      exchange.decision = decision;
      return { snapshot, exchange, body, decision };
    });
  });
}

/** Decides, then proxies to the decision's targets and pins the session to the one that served. */
export async function handleModelRequest<Body extends JsonObject>(
  gateway: Gateway,
  request: ModelIngress,
  answer: AnswerTarget,
  route: ModelRoute<Body>,
): Promise<void> {
  const decided = decideRequest(gateway, request, route);
  const { snapshot, exchange, body, decision } = decided instanceof Promise ? await decided : decided;
  return proxy({
    gateway,
    snapshot,
    exchange,
    answer,
    decision,
    op: route.op,
    stream: body.stream === true,
    codecFor: route.codecFor(body, request.rawBody),
    clientHeaders: request.headers,
    onServed: (target) => rememberSession(gateway, decision, target),
  });
}

/** A model route at its path, served the same way by either front (Fastify or the model front). */
export interface ModelEndpoint {
  path: string;
  serve(gateway: Gateway, request: ModelIngress, answer: AnswerTarget): Promise<void>;
}

export function modelEndpoint<Body extends JsonObject>(path: string, route: ModelRoute<Body>): ModelEndpoint {
  return { path, serve: (gateway, request, answer) => handleModelRequest(gateway, request, answer, route) };
}

/** The endpoint as a Fastify POST route: what the model front does not take is served here. */
export function registerModelEndpoint(app: FastifyInstance, gateway: Gateway, endpoint: ModelEndpoint): void {
  app.post(endpoint.path, async (request, reply) => {
    await endpoint.serve(gateway, request, replyTarget(gateway, reply));
    return reply;
  });
}
