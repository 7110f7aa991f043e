import * as z from '../zod';
import { CATALOG_SOURCES } from '../catalog';
import { beforeFirstPrice, type GenaiPrices } from './calculator';
import { ProviderError } from '../errors';
import { RequestScope, send, type TransportConfig } from '../http';
import { readJson } from '../httpBody';
import type { Logger } from '../logger';
import { Redactor } from '../redact';
import type { Clock } from '../types';

/**
 * The price catalog kept current: @pydantic/genai-prices bundles the data of its release and takes
 * newer data through `updatePrices`; fetching, scheduling, caching and checking it are ours. The
 * bundled data is the floor: a failed or malformed download keeps whatever data is in use.
 */

/** The maintained data file genai-prices names (`REMOTE_DATA_JSON_URL`), written out so activation need not load the library. */
export const PRICE_DATA_URL =
  'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json';
/** Downloaded at most once a day, unless the user asks. */
export const PRICE_DATA_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const BUNDLED_DATE = CATALOG_SOURCES[0].published;
/** About 1 MB today; anything past this is not a price list. */
const MAX_DATA_CHARS = 16 * 1024 * 1024;

/** Where the downloaded data is kept between sessions (in VS Code: a file in globalStorageUri, shared by windows). */
export interface PriceDataCache {
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

// The data's shape, as genai-prices reads it. Objects stay loose (descriptions, comments and fields
// added later pass through); every price must be a finite, non-negative number (a zod number is finite).
const price = z.number().check(z.nonnegative());
const tieredPrice = z.strictObject({
  base: price,
  tiers: z.array(z.strictObject({ start: z.int().check(z.nonnegative()), price })),
});
const modelPrice = z.record(z.string().check(z.regex(/^[a-z0-9_]+$/)), z.union([price, tieredPrice]));
type Match = { [operator: string]: string | Match[] };
const match: z.ZodMiniType<Match> = z.lazy(() =>
  z.union([
    z.strictObject({ and: z.array(match).check(z.minLength(1)) }),
    z.strictObject({ or: z.array(match).check(z.minLength(1)) }),
    z.strictObject({ equals: z.string() }),
    z.strictObject({ contains: z.string() }),
    z.strictObject({ starts_with: z.string() }),
    z.strictObject({ ends_with: z.string() }),
    z.strictObject({ regex: z.string() }),
  ]),
);
const modelSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  name: z.optional(z.string()),
  match,
  context_window: z.optional(z.int().check(z.positive())),
  prices: z.union([
    modelPrice,
    z.array(z.looseObject({ constraint: z.optional(z.looseObject({})), prices: modelPrice })).check(z.minLength(1)),
  ]),
});
const providerSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  name: z.string(),
  api_pattern: z.string(),
  provider_match: z.optional(match),
  model_match: z.optional(match),
  fallback_model_providers: z.optional(z.array(z.string())),
  models: z.array(modelSchema),
});

const cacheSchema = z.object({
  version: z.literal(1),
  url: z.string(),
  fetchedAt: z.number().check(z.nonnegative()),
  data: z.unknown(),
});

/** The price data in use: the bundled release's, or a download's. */
export type PriceDataState =
  { source: 'bundled'; date: string } | { source: 'downloaded'; url: string; fetchedAt: number; date: string };

export interface RefreshOutcome {
  status: 'updated' | 'unchanged' | 'fresh' | 'failed';
  /** Why a refresh failed, in words. */
  message?: string;
}

/**
 * Why data cannot replace the data in use, or undefined when it can. Checked a provider at a time,
 * with `pause` between them: checking ~1,700 models at once would hold the extension host for
 * 15–50 ms, and a user typing meanwhile would feel it.
 */
export async function checkPriceData(
  data: unknown,
  inUse: ReadonlyArray<{ id: string; models: readonly unknown[] }>,
  pause: () => Promise<void>,
): Promise<string | undefined> {
  if (!Array.isArray(data) || data.length === 0) return 'the data is not a price list (expected a list of providers)';
  const counts = new Map<string, number>();
  for (const [index, item] of data.entries()) {
    const parsed = providerSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return `the data is not a price list (${[index, ...issue.path].join('.')}: ${issue.message})`;
    }
    counts.set(parsed.data.id, parsed.data.models.length);
    await pause();
  }
  // A truncated or emptied file must not quietly take prices away: every provider in use stays,
  // with at least half of its models.
  for (const provider of inUse) {
    const count = counts.get(provider.id);
    if (count === undefined) return `provider ${provider.id} is missing`;
    if (count < provider.models.length / 2)
      return `provider ${provider.id} lists ${count} models instead of ${provider.models.length}`;
  }
  return undefined;
}

export interface PriceCatalogOptions {
  fetch: typeof fetch;
  clock: Clock;
  cache: PriceDataCache;
  log: Logger;
  /** Where to download from: the maintained file, or a mirror (http or https). */
  url?: string;
}

export class PriceCatalog {
  readonly #options: PriceCatalogOptions;
  readonly #url: string;
  #state: PriceDataState = { source: 'bundled', date: BUNDLED_DATE };
  #running: Promise<RefreshOutcome> | undefined;
  /** The data last handed to the calculator, as text (undefined: the bundled data). */
  #applied: string | undefined;
  /** The last failure logged: the same failure again is not logged again. */
  #lastFailure: string | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(options: PriceCatalogOptions) {
    this.#options = options;
    this.#url = options.url ?? PRICE_DATA_URL;
  }

  get state(): PriceDataState {
    return this.#state;
  }

  /** Called after the data in use changes (so prices shown can be worked out again). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  /** Reads the cached download when a price is first needed, not before. */
  loadBeforeFirstPrice(): void {
    beforeFirstPrice(() => this.loadCached());
  }

  /** Uses the cached download, if there is a good one for this URL; never throws. */
  async loadCached(): Promise<void> {
    try {
      const cached = await this.#readCache();
      if (!cached) return;
      const reason = await this.#apply(cached.data);
      if (reason) {
        this.#failed(`The cached price data was not used: ${reason}.`);
        return;
      }
      this.#state = {
        source: 'downloaded',
        url: cached.url,
        fetchedAt: cached.fetchedAt,
        date: isoDate(cached.fetchedAt),
      };
      this.#changed();
    } catch (error) {
      this.#failed(`The cached price data could not be read: ${reasonOf(error)}.`);
    }
  }

  /**
   * Downloads the data if the cached copy is older than a day (or `force`), checks it, and hands it
   * to the calculator. One refresh at a time; a failure keeps the data in use and is logged once.
   */
  refresh(options: { force?: boolean; signal?: AbortSignal } = {}): Promise<RefreshOutcome> {
    // A look that is already running answers another look; the user's Refresh waits for it, then downloads.
    if (this.#running && !options.force) return this.#running;
    const run: Promise<RefreshOutcome> = (this.#running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.#refresh(options))
      .finally(() => {
        if (this.#running === run) this.#running = undefined;
      });
    this.#running = run;
    return run;
  }

  async #refresh({ force = false, signal }: { force?: boolean; signal?: AbortSignal }): Promise<RefreshOutcome> {
    const now = this.#options.clock.now();
    if (!force) {
      // Another window may have downloaded it since this one loaded.
      const cached = await this.#readCache().catch(() => undefined);
      if (cached && now - cached.fetchedAt < PRICE_DATA_MAX_AGE_MS) {
        if (this.#state.source === 'bundled' || this.#state.fetchedAt < cached.fetchedAt) await this.loadCached();
        return { status: 'fresh' };
      }
    }
    let data: unknown;
    try {
      data = await this.#download(signal);
    } catch (error) {
      return this.#failed(`The price data could not be downloaded from ${this.#url}: ${reasonOf(error)}.`);
    }
    const before = this.#applied;
    const reason = await this.#apply(data);
    if (reason) return this.#failed(`The price data from ${this.#url} was not used: ${reason}.`);
    this.#lastFailure = undefined;
    this.#state = { source: 'downloaded', url: this.#url, fetchedAt: now, date: isoDate(now) };
    try {
      await this.#options.cache.write(JSON.stringify({ version: 1, url: this.#url, fetchedAt: now, data }));
    } catch (error) {
      this.#options.log.warn(`The price data could not be cached: ${reasonOf(error)}`);
    }
    const changed = this.#applied !== before;
    this.#options.log.info(`Price data ${changed ? 'updated' : 'checked, unchanged'} from ${this.#url}`);
    this.#changed();
    return { status: changed ? 'updated' : 'unchanged' };
  }

  async #download(signal: AbortSignal | undefined): Promise<unknown> {
    const config: TransportConfig = {
      providerName: 'The price data server',
      fetch: this.#options.fetch,
      clock: this.#options.clock,
      timeouts: { firstByteMs: 30_000, idleMs: 30_000 },
      redactor: new Redactor(),
    };
    const protocol = new URL(this.#url).protocol;
    if (protocol !== 'https:' && protocol !== 'http:') throw new Error(`${protocol} addresses are not downloaded`);
    const scope = new RequestScope(config, signal);
    try {
      const response = await send(config, scope, { url: this.#url, headers: { accept: 'application/json' } });
      const length = Number(response.headers.get('content-length'));
      if (length > MAX_DATA_CHARS) throw new Error(`the file is ${Math.round(length / 2 ** 20)} MB`);
      return await readJson(config, response, scope);
    } finally {
      scope.close();
    }
  }

  async #readCache(): Promise<{ url: string; fetchedAt: number; data: unknown } | undefined> {
    const text = await this.#options.cache.read();
    if (text === undefined) return undefined;
    const cached = cacheSchema.safeParse(JSON.parse(text));
    // A cache from another address (the setting changed) is not this address's data.
    if (!cached.success || cached.data.url !== this.#url) return undefined;
    return cached.data;
  }

  /** The calculator (it holds ~470 KB of data: loaded when first needed). Not through priceCalculator(): loading the cache is what that waits for. */
  #genai(): Promise<GenaiPrices> {
    return import('@pydantic/genai-prices');
  }

  async #inUse(): Promise<ReadonlyArray<{ id: string; models: readonly unknown[] }>> {
    return (await (await this.#genai()).waitForUpdate()) ?? [];
  }

  /** Hands checked data to the calculator; the reason it was refused otherwise. */
  async #apply(data: unknown): Promise<string | undefined> {
    const genai = await this.#genai();
    const reason = await checkPriceData(data, await this.#inUse(), () => this.#pause());
    if (reason) return reason;
    try {
      // Handed over as a value, not a promise: the library checks it at once and throws, rather than
      // warning on the console about a rejected promise.
      genai.updatePrices(({ setProviderData }) => setProviderData(data as Parameters<typeof setProviderData>[0]));
    } catch (error) {
      return `the price library refused it (${reasonOf(error)})`;
    }
    this.#applied = JSON.stringify(data);
    return undefined;
  }

  /** Lets the host's other work run (a macrotask, not a microtask). */
  #pause(): Promise<void> {
    return new Promise((resolve) => this.#options.clock.setTimeout(resolve, 0));
  }

  #failed(message: string): RefreshOutcome {
    if (message !== this.#lastFailure) this.#options.log.warn(`${message} Prices stay as they were.`);
    this.#lastFailure = message;
    return { status: 'failed', message };
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function reasonOf(error: unknown): string {
  if (error instanceof ProviderError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
