import type { ProviderKind } from '../../config/schema.ts';
import type { Snapshot } from '../../config/snapshot.ts';
import { type BreakerSettings, CircuitBreaker } from '../../forward/circuit-breaker.ts';
import type { Trace } from '../decision.ts';
import type { DecideInput, PreferenceChoice } from '../pipeline.ts';
import type { PreferenceRoute } from '../policy/compile-policy.ts';
import type { Target } from '../target.ts';
import type { RouterRuntime } from './compile-router.ts';
import { LatencyTracker } from './latency-tracker.ts';
import { type Price, PriceList, type PriceListEvents } from './price-list.ts';
import { describeRanking, type RankingSources, rankRoute } from './ranking.ts';
import { parseRouterAnswer, type RouterAnswer } from './router-answer.ts';
import { callRouter } from './router-call.ts';
import { buildRouterPrompt, type RouterTurn, selectConversation } from './router-prompt.ts';

/**
 * Step 4's preference routes (DESIGN §2): the router model picks a route for the conversation,
 * and the route's targets are ranked by its selection policy. Anything short of a clear answer
 * naming one of the routes — no router, no user text, a timeout, an error, `other`, an unknown
 * name, an unreadable answer — yields null, so the policy's default decides, and the trace says why.
 */
export type RouterOutcome =
  | 'route'
  | 'none'
  | 'unknown_route'
  | 'malformed'
  | 'timeout'
  | 'error'
  | 'circuit_open';

export interface PreferenceEvents extends PriceListEvents {
  /** `ms` is undefined when the router was not called (its circuit is open). */
  routerCall(outcome: RouterOutcome, ms: number | undefined): void;
}

const STEP = 'preferences';
/** models.dev provider ids for the provider kinds it lists; other kinds match by provider name only. */
const PRICE_LIST_IDS: Partial<Record<ProviderKind, string>> = {
  openai: 'openai',
  'azure-openai': 'azure',
  mistral: 'mistral',
  anthropic: 'anthropic',
};
/** What the trace shows of a router call. */
interface RouterDetails {
  router: string;
  router_ms: number;
  /** The raw answer, cut short. */
  answer: string;
}

/** How much of a raw router answer the trace shows. */
const ANSWER_PREVIEW_CHARS = 200;

export class PreferenceRouter {
  readonly latency = new LatencyTracker();
  readonly prices: PriceList;
  /**
   * One breaker per router target, with its provider's `circuit_breaker` settings: a router that
   * keeps failing or timing out is skipped for the cooldown instead of costing every request its
   * timeout. Answers it gives, readable or not, count as successes.
   */
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly events: PreferenceEvents) {
    this.prices = new PriceList(events);
  }

  adopt(snapshot: Snapshot): void {
    this.prices.configure(snapshot.routing.priceList);
  }

  async choose(
    input: DecideInput,
    routes: readonly PreferenceRoute[],
    trace: Trace,
  ): Promise<PreferenceChoice | null> {
    if (!input.chatMessages) {
      trace?.push({
        step: STEP,
        decided: false,
        reason: 'not a chat request; preference routes do not apply',
      });
      return null;
    }
    const router = input.snapshot.routing.router;
    if (!router) {
      trace?.push({
        step: STEP,
        decided: false,
        reason: `${routes.length} routes, but no router model is configured`,
      });
      return null;
    }
    const turns = selectConversation(input.chatMessages(), router.tokenBudget);
    if (turns.length === 0) {
      trace?.push({ step: STEP, decided: false, reason: 'no user text for the router model to read' });
      return null;
    }

    const chosen = await this.#ask(router, routes, turns, trace);
    if (!chosen) return null;
    const { route, details } = chosen;

    const ranking = rankRoute(route, this.#sources(input.snapshot), input.facts.stream);
    trace?.push({
      step: STEP,
      decided: true,
      reason: `router model chose route "${route.name}" in ${details.router_ms} ms; ranked ${describeRanking(ranking)}`,
      details: {
        ...details,
        ranking: ranking.ranked.map((r) => ({
          target: r.target.key,
          value: r.value ?? null,
          unit: ranking.unit,
        })),
      },
    });
    return { route, targets: ranking.ranked.map((r) => r.target) };
  }

  /** Asks the router model; the route it names, or null with the reason in the trace. */
  async #ask(
    router: RouterRuntime,
    routes: readonly PreferenceRoute[],
    turns: readonly RouterTurn[],
    trace: Trace,
  ): Promise<{ route: PreferenceRoute; details: RouterDetails } | null> {
    const breaker = this.#breakerFor(router);
    const settings = breakerSettings(router);
    if (!breaker.tryAcquire(settings)) {
      this.events.routerCall('circuit_open', undefined);
      trace?.push({
        step: STEP,
        decided: false,
        reason: `router model ${router.target.key} keeps failing (circuit open); no route chosen`,
      });
      return null;
    }
    const call = await callRouter(router, buildRouterPrompt(routes, turns));
    if (!call.ok) {
      breaker.recordFailure(settings);
      this.events.routerCall(call.reason, call.ms);
      const reason =
        call.reason === 'timeout'
          ? `router model ${router.target.key} timed out after ${router.timeoutMs} ms`
          : `router model ${router.target.key} failed: ${call.message}`;
      trace?.push({ step: STEP, decided: false, reason: `${reason}; no route chosen` });
      return null;
    }
    breaker.recordSuccess();
    const answer = parseRouterAnswer(
      call.content,
      routes.map((route) => route.name),
    );
    this.events.routerCall(OUTCOME[answer.kind], call.ms);
    const details: RouterDetails = {
      router: router.target.key,
      router_ms: Math.round(call.ms),
      answer: call.content.slice(0, ANSWER_PREVIEW_CHARS),
    };
    const route = answer.kind === 'route' ? routes.find((r) => r.name === answer.name) : undefined;
    if (!route) {
      trace?.push({ step: STEP, decided: false, reason: notChosenReason(answer), details });
      return null;
    }
    return { route, details };
  }

  /** Config `pricing` first (the operator's own contract), then the price list. */
  priceOf(snapshot: Snapshot, target: Target): Price | undefined {
    const provider = snapshot.providers.get(target.provider);
    if (!provider) return undefined;
    const configured = provider.config.pricing[target.model];
    if (configured) return configured;
    const kindId = PRICE_LIST_IDS[provider.config.kind];
    return this.prices.price(
      kindId && kindId !== provider.name ? [provider.name, kindId] : [provider.name],
      target.model,
    );
  }

  close(): void {
    this.prices.close();
  }

  #breakerFor(router: RouterRuntime): CircuitBreaker {
    let breaker = this.#breakers.get(router.target.key);
    if (!breaker) {
      breaker = new CircuitBreaker();
      this.#breakers.set(router.target.key, breaker);
    }
    return breaker;
  }

  #sources(snapshot: Snapshot): RankingSources {
    return {
      price: (target) => this.priceOf(snapshot, target),
      latency: (target) => this.latency.estimate(target.key),
    };
  }
}

const OUTCOME: Record<RouterAnswer['kind'], RouterOutcome> = {
  route: 'route',
  none: 'none',
  unknown: 'unknown_route',
  malformed: 'malformed',
};

function notChosenReason(answer: RouterAnswer): string {
  switch (answer.kind) {
    case 'none':
      return 'router model answered "other": no route fits';
    case 'unknown':
      return `router model named "${answer.name}", which is not one of the routes; ignored`;
    default:
      return 'router model answer is not {"route": "<name>"}; ignored';
  }
}

function breakerSettings(router: RouterRuntime): BreakerSettings {
  const { failure_threshold: failureThreshold, cooldown_ms: cooldownMs } =
    router.provider.config.circuit_breaker;
  return { failureThreshold, cooldownMs };
}
