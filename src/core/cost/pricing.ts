import type { Usage } from '../types';

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
  /** The user's prices for this model; they win over the catalog. */
  overrides?: ModelPrices;
}

export type PriceSource = 'user' | 'catalog' | 'local' | 'unknown';

export interface PriceQuote {
  source: PriceSource;
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

/** The cost from user-given prices: uncached input, cached reads, cache writes and output, each at its own price. */
function costFromPrices(prices: ModelPrices, usage: Usage): number | undefined {
  if (prices.input === undefined || prices.output === undefined) return undefined;
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteInputTokens ?? 0;
  const uncached = Math.max(0, usage.inputTokens - cached - written);
  return (
    (uncached * prices.input +
      cached * (prices.cachedInput ?? prices.input) +
      written * (prices.cacheWrite ?? prices.input) +
      usage.outputTokens * prices.output) *
    PER_TOKEN
  );
}

type Tiered = number | { base: number; tiers: Array<{ start: number; price: number }> } | undefined;
const base = (price: Tiered): number | undefined => (typeof price === 'object' ? price.base : price);

/** The catalog's price for a model, from the first catalog id that knows it. */
export async function priceOf(context: PricingContext, modelId: string): Promise<PriceQuote> {
  if (context.local) return { source: 'local', prices: { input: 0, output: 0 } };
  const overrides = definedPrices(context.overrides);
  if (Object.keys(overrides).length > 0) {
    // The user's prices win field by field; the catalog fills the rest (cache prices, say).
    const catalog = await catalogQuote(context.catalogIds, modelId);
    const merged = { ...catalog.prices, ...overrides };
    if (merged.input === undefined || merged.output === undefined) return { source: 'unknown' };
    return { source: 'user', prices: { ...merged, input: merged.input, output: merged.output } };
  }
  return catalogQuote(context.catalogIds, modelId);
}

function definedPrices(prices: ModelPrices | undefined): ModelPrices {
  return Object.fromEntries(Object.entries(prices ?? {}).filter(([, value]) => value !== undefined));
}

async function catalogQuote(catalogIds: readonly string[], modelId: string): Promise<PriceQuote> {
  const { calcPrice } = await import('@pydantic/genai-prices');
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
 * size, cache reads and writes); user prices through the same formula without tiers.
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
  else if (Object.keys(definedPrices(context.overrides)).length > 0) {
    // With any price of the user's, the merged prices apply (without the catalog's tiers).
    const quote = await priceOf(context, modelId);
    computed = quote.prices ? costFromPrices(quote.prices, usage) : undefined;
  } else {
    const { calcPrice } = await import('@pydantic/genai-prices');
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
