import type { Usage } from '../types';
import { priceCalculator } from './calculator';

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
  /** Runs on the user's machine (Ollama, LM Studio): it costs nothing. */
  local?: boolean;
  /** The user's prices for this model; they win over the provider's and the catalog's. */
  overrides?: ModelPrices;
  /** The prices the provider's own model list gives (`ModelInfo.prices`); they win over the catalog's. */
  listed?: ModelPrices;
}

/** `provider`: the provider's own model list (OpenRouter, a LiteLLM proxy). */
export type PriceSource = 'user' | 'provider' | 'catalog' | 'local' | 'unknown';

export interface PriceQuote<Source extends PriceSource = PriceSource> {
  source: Source;
  /** Base prices (per million tokens); for tiered models, the first tier. */
  prices?: Required<Pick<ModelPrices, 'input' | 'output'>> & ModelPrices;
  /** The price rises past some prompt size (long-context tiers). */
  tiered?: boolean;
}

/**
 * What a request cost:
 * - `reported`: the provider said (OpenRouter); `usd` is that, `computedUsd` Switchboard's own figure;
 * - `computed`: from the usage the provider reported and the model's price;
 * - `estimated`: the provider reported no usage; tokens were counted locally;
 * - `unknown`: no price is known for the model. Never shown as $0.
 */
export interface CostResult {
  basis: 'reported' | 'computed' | 'estimated' | 'unknown';
  usd?: number;
  computedUsd?: number;
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
 * that knows the model). The user's prices win field by field over the provider's or the catalog's,
 * which fill the rest (cache prices, say). The provider's list counts only with both an input and
 * an output price, and then whole: a catalog's cache price must not mix with a provider's own prices.
 * Without `listed` the source is never `provider`, and the type says so.
 */
export function priceOf(
  context: PricingContext & { listed?: undefined },
  modelId: string,
): Promise<PriceQuote<Exclude<PriceSource, 'provider'>>>;
export function priceOf(context: PricingContext, modelId: string): Promise<PriceQuote>;
export async function priceOf(context: PricingContext, modelId: string): Promise<PriceQuote> {
  if (context.local) return { source: 'local', prices: { input: 0, output: 0 } };
  const overrides = definedPrices(context.overrides);
  const listed = listedPrices(context.listed);
  if (Object.keys(overrides).length > 0) {
    const under = listed ?? (await catalogQuote(context.catalogIds, modelId)).prices;
    const merged = { ...under, ...overrides };
    if (merged.input === undefined || merged.output === undefined) return { source: 'unknown' };
    return { source: 'user', prices: { ...merged, input: merged.input, output: merged.output } };
  }
  if (listed) return { source: 'provider', prices: listed };
  return catalogQuote(context.catalogIds, modelId);
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
    const match = calcPrice({ input_tokens: 0, output_tokens: 0 }, modelId, { providerId });
    if (!match) continue;
    const price = match.model_price as Record<string, Tiered>;
    const input = base(price.input_mtok);
    const output = base(price.output_mtok);
    if (input === undefined || output === undefined) continue;
    const quote: PriceQuote = { source: 'catalog', prices: { input, output } };
    const cachedInput = base(price.cache_read_mtok);
    const cacheWrite = base(price.cache_write_mtok);
    if (cachedInput !== undefined) quote.prices!.cachedInput = cachedInput;
    if (cacheWrite !== undefined) quote.prices!.cacheWrite = cacheWrite;
    if (Object.values(price).some((value) => typeof value === 'object')) quote.tiered = true;
    return quote;
  }
  return { source: 'unknown' };
}

/**
 * What a request cost. Catalog prices go through genai-prices' own calculation (tiers by prompt
 * size, cache reads and writes); user prices and the provider's listed prices through one flat
 * formula (no tiers; reasoning and per-request fees where the list gives them).
 */
export async function costOf(
  context: PricingContext,
  modelId: string,
  usage: Usage,
  options: { estimated?: boolean } = {},
): Promise<CostResult> {
  const basis = options.estimated ? 'estimated' : 'computed';
  let computed: number | undefined;
  if (context.local) computed = 0;
  else if (Object.keys(definedPrices(context.overrides)).length > 0 || listedPrices(context.listed)) {
    // With any price of the user's, or the provider's, the merged prices apply (without the catalog's tiers).
    const quote = await priceOf(context, modelId);
    computed = quote.prices ? costFromPrices(quote.prices, usage) : undefined;
  } else {
    const { calcPrice } = await priceCalculator();
    const tokens = {
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      ...(usage.cachedInputTokens ? { cache_read_tokens: usage.cachedInputTokens } : {}),
      ...(usage.cacheWriteInputTokens ? { cache_write_tokens: usage.cacheWriteInputTokens } : {}),
    };
    for (const providerId of context.catalogIds) {
      const match = calcPrice(tokens, modelId, { providerId });
      if (match) {
        computed = match.total_price;
        break;
      }
    }
  }
  if (usage.costUsd !== undefined)
    return { basis: 'reported', usd: usage.costUsd, ...(computed === undefined ? {} : { computedUsd: computed }) };
  if (computed === undefined) return { basis: 'unknown' };
  return { basis, usd: computed };
}
