import { request } from 'undici';
import type { PriceListConfig } from './config.ts';

/**
 * An external price list for `selection_policy: cheapest`, in the models.dev `api.json` shape:
 * `{<provider id>: {models: {<model id>: {cost: {input, output}}}}}`, USD per million tokens.
 * Fetched when configured and again every `refresh_seconds`; a failed fetch keeps the last good
 * list. Lookups never wait for a fetch.
 */
export interface Price {
  /** USD per million input tokens. */
  readonly input: number;
  /** USD per million output tokens. */
  readonly output: number;
}

export type PriceTable = ReadonlyMap<string, ReadonlyMap<string, Price>>;

export interface PriceListEvents {
  loaded(models: number): void;
  failed(reason: string): void;
}

export class PriceList {
  #config: PriceListConfig | null = null;
  #configKey = '';
  #table: PriceTable = new Map();
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(private readonly events: PriceListEvents) {}

  /** Follows the config: starts, restarts (on a changed url or period) or stops the refreshes. */
  configure(config: PriceListConfig | null): void {
    const key = config ? JSON.stringify(config) : '';
    if (key === this.#configKey) return;
    this.#configKey = key;
    this.#config = config;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (!config) {
      this.#table = new Map();
      return;
    }
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), config.refresh_seconds * 1000);
    this.#timer.unref();
  }

  /** The price under the first of `providerIds` that lists `model`. */
  price(providerIds: readonly string[], model: string): Price | undefined {
    for (const id of providerIds) {
      const price = this.#table.get(id)?.get(model);
      if (price) return price;
    }
    return undefined;
  }

  /** Fetches the list now; concurrent calls share one fetch. Resolves when done, never rejects. */
  refresh(): Promise<void> {
    const config = this.#config;
    if (!config) return Promise.resolve();
    this.#inFlight ??= this.#fetch(config).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#config = null;
  }

  async #fetch(config: PriceListConfig): Promise<void> {
    try {
      const json = await fetchJson(config);
      // The config may have changed while this fetch ran; its answer is then someone else's.
      if (config !== this.#config) return;
      const table = parseModelsDev(json);
      let models = 0;
      for (const entries of table.values()) models += entries.size;
      if (models === 0) {
        this.events.failed('price list has no model with an input and output cost');
        return;
      }
      this.#table = table;
      this.events.loaded(models);
    } catch (error) {
      this.events.failed(error instanceof Error ? error.message : String(error));
    }
  }
}

async function fetchJson(config: PriceListConfig): Promise<unknown> {
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(config.url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(config.timeout_ms),
    });
  } catch (error) {
    // Never the URL in the reason: it may carry a token in its query.
    throw new Error(`price list fetch failed (${(error as { name?: string }).name ?? 'error'})`);
  }
  const { statusCode, body } = response;
  if (statusCode !== 200) {
    await body.dump();
    throw new Error(`price list answered HTTP ${statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > config.max_body_bytes) {
      body.destroy();
      throw new Error(`price list exceeds ${config.max_body_bytes} bytes`);
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('price list is not valid JSON');
  }
}

/** Reads the models.dev shape, skipping any entry without numeric input and output costs. */
export function parseModelsDev(json: unknown): PriceTable {
  const table = new Map<string, Map<string, Price>>();
  if (!isObject(json)) return table;
  for (const [providerId, provider] of Object.entries(json)) {
    if (!isObject(provider) || !isObject(provider.models)) continue;
    const prices = new Map<string, Price>();
    for (const [modelId, model] of Object.entries(provider.models)) {
      if (!isObject(model) || !isObject(model.cost)) continue;
      const { input, output } = model.cost;
      if (!isPrice(input) || !isPrice(output)) continue;
      prices.set(modelId, { input, output });
    }
    if (prices.size > 0) table.set(providerId, prices);
  }
  return table;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isPrice(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
