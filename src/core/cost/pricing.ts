import type { Usage } from '../types';
import { priceCalculator, type GenaiPrices } from './calculator';

/** US dollars per million tokens, as users and price pages state them. */
export interface ModelPrices {
  input?: number;
  output?: number;
  cachedInput?: number;
  cacheWrite?: number;
  /** Reasoning tokens, where they cost other than output (OpenRouter's `internal_reasoning`). */
  reasoning?: number;
  /** US dollars per request (not per token), charged on top (OpenRouter's `request`). */
  perRequest?: number;
}

/** Where a model's price comes from. */
export interface PricingContext {
  /** Catalog provider ids (a template's `catalogIds`). */
  catalogIds: readonly string[];
  /** The model the catalog is asked about, where the id is not its name (an Azure deployment's `baseModel`). */
  catalogModel?: string;
  /** Runs on the user's machine (Ollama, LM Studio): it costs nothing. */
  local?: boolean;
  /** The user's prices for this model; they win over the provider's and the catalog's. */
  overrides?: ModelPrices;
  /** The prices the provider's own model list gives (`ModelInfo.prices`); they win over the catalog's. */
  listed?: ModelPrices;
  /**
   * When nobody knows the model's price (no user, listed or catalog price), estimate it from the
   * closest known model of the same catalog provider (see `closestModel`): source `estimated`.
   */
  closest?: boolean;
}

/**
 * `provider`: the provider's own model list (OpenRouter, a LiteLLM proxy); `estimated`: nobody knows
 * this model's price, it is the closest known model's (`PriceQuote.estimatedFrom`).
 */
export type PriceSource = 'user' | 'provider' | 'catalog' | 'local' | 'estimated' | 'unknown';

export interface PriceQuote<Source extends PriceSource = PriceSource> {
  source: Source;
  /** Base prices (per million tokens); for tiered models, the first tier. */
  prices?: Required<Pick<ModelPrices, 'input' | 'output'>> & ModelPrices;
  /** The price rises past some prompt size (long-context tiers). */
  tiered?: boolean;
  /** Source `estimated`: the known model whose price this is (`gpt-4.1-mini`). */
  estimatedFrom?: string;
}

/**
 * What a request cost:
 * - `reported`: the provider said (OpenRouter); `usd` is that, `computedUsd` Switchboard's own figure;
 * - `computed`: from the usage the provider reported and the model's price;
 * - `estimated`: the provider reported no usage (tokens were counted locally), or nobody knows the
 *   model's price and it was priced as the closest known model (`estimatedFrom`);
 * - `unknown`: no price is known for the model, nor for any model like it. Never shown as $0.
 */
export interface CostResult {
  basis: 'reported' | 'computed' | 'estimated' | 'unknown';
  usd?: number;
  computedUsd?: number;
  /** Priced as this known model (the closest to one nobody knows the price of). */
  estimatedFrom?: string;
}

const PER_TOKEN = 1e-6;

/**
 * The cost from flat prices (the user's, or the provider's list): uncached input, cached reads, cache
 * writes, output and reasoning, each at its own price, and any fee per request.
 */
function costFromPrices(prices: ModelPrices, usage: Usage): number | undefined {
  if (prices.input === undefined || prices.output === undefined) return undefined;
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteInputTokens ?? 0;
  const uncached = Math.max(0, usage.inputTokens - cached - written);
  const reasoning = Math.min(usage.reasoningTokens ?? 0, usage.outputTokens);
  return (
    (uncached * prices.input +
      cached * (prices.cachedInput ?? prices.input) +
      written * (prices.cacheWrite ?? prices.input) +
      (usage.outputTokens - reasoning) * prices.output +
      reasoning * (prices.reasoning ?? prices.output)) *
      PER_TOKEN +
    (prices.perRequest ?? 0)
  );
}

type Tiered = number | { base: number; tiers: Array<{ start: number; price: number }> } | undefined;
const base = (price: Tiered): number | undefined => (typeof price === 'object' ? price.base : price);

/**
 * A model's price: the user's prices, else the provider's list, else the catalog (the first catalog id
 * that knows the model), else, with `closest`, the closest known model's (source `estimated`). The
 * user's prices win field by field over the provider's, the catalog's or the estimate, which fill the
 * rest (cache prices, say). The provider's list counts only with both an input and an output price,
 * and then whole: a catalog's cache price must not mix with a provider's own prices. Without `listed`
 * the source is never `provider`, without `closest` never `estimated`, and the type says so.
 */
export function priceOf(
  context: PricingContext & { listed?: undefined; closest?: false },
  modelId: string,
): Promise<PriceQuote<Exclude<PriceSource, 'provider' | 'estimated'>>>;
export function priceOf(
  context: PricingContext & { closest?: false },
  modelId: string,
): Promise<PriceQuote<Exclude<PriceSource, 'estimated'>>>;
export function priceOf(context: PricingContext, modelId: string): Promise<PriceQuote>;
export async function priceOf(context: PricingContext, modelId: string): Promise<PriceQuote> {
  if (context.local) return { source: 'local', prices: { input: 0, output: 0 } };
  const overrides = definedPrices(context.overrides);
  const listed = listedPrices(context.listed);
  const known = async (): Promise<PriceQuote> => {
    if (listed) return { source: 'provider', prices: listed };
    const catalogModel = context.catalogModel ?? modelId;
    const catalog = await catalogQuote(context.catalogIds, catalogModel);
    if (catalog.prices || !context.closest) return catalog;
    const closest = await closestModel(context.catalogIds, catalogModel);
    return closest ? { ...closest.quote, source: 'estimated', estimatedFrom: closest.modelId } : catalog;
  };
  if (Object.keys(overrides).length > 0) {
    const under = await known();
    const merged = { ...under.prices, ...overrides };
    if (merged.input === undefined || merged.output === undefined) return { source: 'unknown' };
    const prices = { ...merged, input: merged.input, output: merged.output };
    // A price of the user's over an estimate is still partly an estimate, unless it names both.
    if (under.source === 'estimated' && (overrides.input === undefined || overrides.output === undefined))
      return { source: 'estimated', prices, estimatedFrom: under.estimatedFrom! };
    return { source: 'user', prices };
  }
  return known();
}

function definedPrices(prices: ModelPrices | undefined): ModelPrices {
  return Object.fromEntries(Object.entries(prices ?? {}).filter(([, value]) => value !== undefined));
}

/** The provider's listed prices if they give both input and output (finite, not negative), else undefined. */
function listedPrices(prices: ModelPrices | undefined): PriceQuote['prices'] {
  const defined = Object.fromEntries(
    Object.entries(prices ?? {}).filter(
      ([, value]) => typeof value === 'number' && Number.isFinite(value) && value >= 0,
    ),
  ) as ModelPrices;
  if (defined.input === undefined || defined.output === undefined) return undefined;
  return { ...defined, input: defined.input, output: defined.output };
}

async function catalogQuote(catalogIds: readonly string[], modelId: string): Promise<PriceQuote> {
  const { calcPrice } = await priceCalculator();
  for (const providerId of catalogIds) {
    const quote = quoteOf(calcPrice({ input_tokens: 0, output_tokens: 0 }, modelId, { providerId }));
    if (quote) return quote;
  }
  return { source: 'unknown' };
}

/** The catalog's quote from a price calculation's match, if it has an input and an output price. */
function quoteOf(match: ReturnType<GenaiPrices['calcPrice']>): PriceQuote | undefined {
  if (!match) return undefined;
  const price = match.model_price as Record<string, Tiered>;
  const input = base(price.input_mtok);
  const output = base(price.output_mtok);
  if (input === undefined || output === undefined) return undefined;
  const quote: PriceQuote = { source: 'catalog', prices: { input, output } };
  const cachedInput = base(price.cache_read_mtok);
  const cacheWrite = base(price.cache_write_mtok);
  if (cachedInput !== undefined) quote.prices!.cachedInput = cachedInput;
  if (cacheWrite !== undefined) quote.prices!.cacheWrite = cacheWrite;
  if (Object.values(price).some((value) => typeof value === 'object')) quote.tiered = true;
  return quote;
}

/**
 * Suffixes that name a snapshot, a channel or a revision of a model rather than another model,
 * stripped (again and again, from the end) before ids are compared: a tag after a colon (`:free`,
 * `:extended`), a date (`-2025-08-07`, `-20250929`, `@20240620`, `-0613`, `-2512`), `-latest`,
 * `-preview`, `-exp`, `-experimental`, `-beta`, and a revision `-v1`, `-v2`… (`-v3.2` is a version
 * and stays). Never down to the family alone: `deepseek-v5` keeps its `-v5`.
 */
const SNAPSHOT_SUFFIX =
  /(?::[a-z0-9._-]*|[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})|-(?:latest|preview|exp|experimental|beta)|-v\d+)$/;

/** `claude-sonnet-4-5` → claude, sonnet, 4, 5; `gpt-4o` → gpt, 4, o (letters and digits apart). */
const tokens = (stem: string): string[] => stem.split(/[-._/:@\s]+|(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/).filter(Boolean);
const isNumber = (token: string | undefined) => token !== undefined && /^\d+$/.test(token);
/** Tokens of the namespace (`anthropic/` in `anthropic/claude-sonnet-4.5`), none without one. */
const namespaceTokens = (stem: string) =>
  stem.includes('/') ? tokens(stem.slice(0, stem.lastIndexOf('/'))).length : 0;

/** An id without its snapshot suffixes, lower case: `gpt-4.1-mini-2026-11-30` → `gpt-4.1-mini`. */
export function modelStem(modelId: string): string {
  let stem = modelId.toLowerCase();
  for (;;) {
    const next = stem.replace(SNAPSHOT_SUFFIX, '');
    if (next === stem || tokens(next).length < namespaceTokens(next) + 2) return stem;
    stem = next;
  }
}

/** How close a known model is to the one nobody knows the price of; compared field by field, in this order. */
interface Closeness {
  /** Leading tokens in common. */
  shared: number;
  /** The first differing tokens are both numbers (another version of the same model): 1, else 0. */
  version: number;
  /** Tokens of the unknown model's rest (after the shared ones) that the known model has too (`mini`, `flash`). */
  alike: number;
  /** Tokens of the known model's rest that the unknown model lacks (fewer: the plainer variant). */
  extra: number;
  /** Between the differing version numbers (smaller: the nearer version). */
  distance: number;
}

function closeness(unknown: string[], known: string[]): Closeness {
  let shared = 0;
  while (shared < unknown.length && shared < known.length && unknown[shared] === known[shared]) shared++;
  const version = isNumber(unknown[shared]) && isNumber(known[shared]) ? 1 : 0;
  const rest = unknown.slice(shared + version);
  const knownRest = known.slice(shared + version);
  return {
    shared,
    version,
    alike: rest.filter((token) => knownRest.includes(token)).length,
    extra: knownRest.filter((token) => !rest.includes(token)).length,
    distance: version ? Math.abs(Number(unknown[shared]) - Number(known[shared])) : 0,
  };
}

/** Positive when `a` is closer than `b`. */
function compareCloseness(a: Closeness, b: Closeness): number {
  return (
    a.shared - b.shared || a.version - b.version || a.alike - b.alike || b.extra - a.extra || b.distance - a.distance
  );
}

export interface ClosestModel {
  /** The known model's id in the catalog (`gpt-4.1-mini`). */
  modelId: string;
  /** The catalog provider it was found under (one of the template's catalog ids). */
  catalogId: string;
  /** Its price, as the catalog quotes it. */
  quote: PriceQuote;
}

/** Found closest models, per catalog provider's data (a new download is new data) and model id. */
const closestFound = new WeakMap<object, Map<string, Found | undefined>>();
type Found = ClosestModel & { closeness: Closeness };

/**
 * The known model closest to one the catalog has no price for, among the models of the same catalog
 * provider (the template's `catalogIds`, never another provider's, nor a provider's fallback
 * providers), or undefined when none shares at least its family. Both ids lose their snapshot
 * suffixes (`modelStem`) and are split into tokens at `-`, `.`, `/`, `:` and between letters and
 * digits (`gpt-4.1-mini` → gpt 4 1 mini). The closest known model is, in order:
 * 1. the one sharing the most leading tokens; it must share at least the family (the first token,
 *    after a namespace such as OpenRouter's `anthropic/`, which must be shared too): else no estimate;
 * 2. another version of the same line (the first differing tokens are both numbers: 4-7 and 4-6);
 * 3. the one with more of the unknown model's remaining words (`flash`, `mini`, `pro`);
 * 4. the one with fewer words the unknown model lacks (`gpt-5.5` rather than `gpt-5.5-pro`);
 * 5. the nearest version number (`claude-sonnet-4-7` → `claude-sonnet-4-6`, not `-4-5`);
 * 6. the more expensive (input plus output price): an estimate that errs, errs on the side of the budget;
 * 7. the later id in natural order (the newer version).
 * Only models with an input and an output price (not both zero), that their own id finds in the catalog, count.
 */
export async function closestModel(catalogIds: readonly string[], modelId: string): Promise<ClosestModel | undefined> {
  const { calcPrice, findProvider } = await priceCalculator();
  const stem = modelStem(modelId);
  const wanted = tokens(stem);
  const family = namespaceTokens(stem) + 1;
  if (wanted.length < family) return undefined;
  let best: Found | undefined;
  for (const catalogId of catalogIds) {
    const provider = findProvider({ providerId: catalogId });
    if (!provider || provider.id !== catalogId) continue;
    let found = closestFound.get(provider);
    if (!found) closestFound.set(provider, (found = new Map<string, Found | undefined>()));
    if (!found.has(modelId)) {
      const ranked = provider.models
        .map((model) => ({ model, closeness: closeness(wanted, tokens(modelStem(model.id))) }))
        .filter((candidate) => candidate.closeness.shared >= family)
        .sort((a, b) => compareCloseness(b.closeness, a.closeness));
      let here: (Found & { total: number }) | undefined;
      for (const { model, closeness: near } of ranked) {
        // Past the closest that has a price, only a tie on everything above price can still win.
        if (here && compareCloseness(near, here.closeness) < 0) break;
        const match = calcPrice({ input_tokens: 0, output_tokens: 0 }, model.id, { provider });
        const quote = match?.model.id === model.id ? quoteOf(match) : undefined;
        // A free model's price would make a model nobody knows the price of free: never silently.
        if (!quote?.prices || quote.prices.input + quote.prices.output <= 0) continue;
        const total = quote.prices.input + quote.prices.output;
        if (here && (total < here.total || (total === here.total && naturalOrder(model.id, here.modelId) <= 0)))
          continue;
        here = { modelId: model.id, catalogId, quote, closeness: near, total };
      }
      found.set(modelId, here && { modelId: here.modelId, catalogId, quote: here.quote, closeness: here.closeness });
    }
    const here = found.get(modelId);
    // The template's first catalog id wins a tie with a later one.
    if (here && (!best || compareCloseness(here.closeness, best.closeness) > 0)) best = here;
  }
  return best && { modelId: best.modelId, catalogId: best.catalogId, quote: best.quote };
}

const naturalOrder = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * What a request cost. Catalog prices go through genai-prices' own calculation (tiers by prompt
 * size, cache reads and writes); user prices and the provider's listed prices through one flat
 * formula (no tiers; reasoning and per-request fees where the list gives them). With `closest`, a
 * model nobody knows the price of is priced as the closest known model (`closestModel`), through
 * the catalog's calculation too: basis `estimated`, with `estimatedFrom`.
 */
export async function costOf(
  context: PricingContext,
  modelId: string,
  usage: Usage,
  options: { estimated?: boolean } = {},
): Promise<CostResult> {
  const basis = options.estimated ? 'estimated' : 'computed';
  let computed: number | undefined;
  let estimatedFrom: string | undefined;
  if (context.local) computed = 0;
  else if (Object.keys(definedPrices(context.overrides)).length > 0 || listedPrices(context.listed)) {
    // With any price of the user's, or the provider's, the merged prices apply (without the catalog's tiers).
    const quote = await priceOf(context, modelId);
    computed = quote.prices ? costFromPrices(quote.prices, usage) : undefined;
    estimatedFrom = quote.estimatedFrom;
  } else {
    const { calcPrice } = await priceCalculator();
    const tokens = {
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      ...(usage.cachedInputTokens ? { cache_read_tokens: usage.cachedInputTokens } : {}),
      ...(usage.cacheWriteInputTokens ? { cache_write_tokens: usage.cacheWriteInputTokens } : {}),
    };
    const catalogModel = context.catalogModel ?? modelId;
    for (const providerId of context.catalogIds) {
      const match = calcPrice(tokens, catalogModel, { providerId });
      if (match) {
        computed = match.total_price;
        break;
      }
    }
    const closest = computed === undefined && context.closest && (await closestModel(context.catalogIds, catalogModel));
    if (closest) {
      computed = calcPrice(tokens, closest.modelId, { providerId: closest.catalogId })?.total_price;
      estimatedFrom = closest.modelId;
    }
  }
  // An estimate is no list price to hold a provider's bill against.
  if (usage.costUsd !== undefined)
    return {
      basis: 'reported',
      usd: usage.costUsd,
      ...(computed === undefined || estimatedFrom !== undefined ? {} : { computedUsd: computed }),
    };
  if (computed === undefined) return { basis: 'unknown' };
  return estimatedFrom === undefined ? { basis, usd: computed } : { basis: 'estimated', usd: computed, estimatedFrom };
}
