import * as z from '../zod';
import type { ModelPrices } from '../cost/pricing';
import type { ModelInfo, ModelInfoField } from '../types';

// What providers' model lists say about each model, beyond its id: limits, prices, whether a local
// server has it loaded. Every number passes through a zod schema here first. A provider, or a proxy
// in front of it, may send negative, fractional, non-finite, quoted or absurd values: each bad field
// is dropped on its own, never the model and never the list.

/** Which richer model list an OpenAI-compatible server has beside its plain `/models` (a template's `modelListing`). */
export type ModelListing = 'openrouter' | 'litellm' | 'lmstudio';

/** A token limit: a positive safe integer (a limit of 0 says nothing). */
export const tokenLimit = z.int().check(z.positive());

/** A decimal as JSON writes one: digits, an optional fraction and an optional (short) exponent. No sign, no spaces. */
const DECIMAL = /^(\d{1,40})(?:\.(\d{1,40}))?(?:[eE]([-+]?\d{1,3}))?$/;

/**
 * A decimal (a string such as `"0.0000025"`, or a JSON number) times 10^shift, or undefined if it is
 * not one. The decimal point is moved, not multiplied by, so that no float error creeps in:
 * `"0.00000219"` shifted by 6 is exactly 2.19, where `0.00000219 * 1e6` is 2.1900000000000004.
 */
export function shiftDecimal(raw: string | number, shift: number): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : raw;
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, whole, fraction = '', exponent = '0'] = match;
  const value = Number(`${whole}${fraction}e${Number(exponent) - fraction.length + shift}`);
  return Number.isFinite(value) ? value : undefined;
}

/** US dollars per token as US dollars per million tokens: `"0.0000025"` is 2.5. */
export const perMillion = (perToken: string | number): number | undefined => shiftDecimal(perToken, 6);

/** A non-negative decimal string or finite JSON number, times 10^shift. */
const decimal = (shift: number) =>
  z.pipe(
    z.union([z.number().check(z.nonnegative()), z.string()]),
    z.transform((value, context) => {
      const shifted = shiftDecimal(value, shift);
      if (shifted === undefined) {
        context.issues.push({ code: 'custom', message: 'not a non-negative decimal', input: value });
        return z.NEVER;
      }
      return shifted;
    }),
  );

/** A price per token, as OpenRouter (decimal strings) and LiteLLM (JSON numbers) list them, read as per million tokens. */
export const perTokenPrice = decimal(6);
/** A US dollar amount (OpenRouter's fee per request). */
const dollars = decimal(0);

/** The value if it passes the schema, else undefined: one field, checked on its own. */
export function valid<T>(schema: z.ZodMiniType<T>, raw: unknown): T | undefined {
  if (raw == null) return undefined;
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** What a list says about a model beside its id. */
export type ListedFacts = Pick<
  ModelInfo,
  'name' | 'contextWindow' | 'maxContextWindow' | 'maxOutputTokens' | 'capabilities' | 'prices' | 'loaded'
>;

const SOURCED: readonly ModelInfoField[] = ['name', 'contextWindow', 'maxOutputTokens', 'capabilities', 'prices'];

/** The model with the facts a provider's list gave, each recorded as the provider's (they win over what it had). */
export function withListedFacts(model: ModelInfo, facts: ListedFacts): ModelInfo {
  const merged: ModelInfo = { ...model, sources: { ...model.sources } };
  for (const [key, value] of Object.entries(facts) as Array<[keyof ListedFacts, unknown]>) {
    if (value === undefined) continue;
    (merged as unknown as Record<string, unknown>)[key] = value;
    if ((SOURCED as readonly string[]).includes(key)) merged.sources![key as ModelInfoField] = 'provider';
  }
  return merged;
}

/** Prices with at least one field, or undefined. */
function somePrices(prices: ModelPrices): ModelPrices | undefined {
  const defined = Object.fromEntries(Object.entries(prices).filter(([, value]) => value !== undefined));
  return Object.keys(defined).length > 0 ? defined : undefined;
}

// OpenRouter, GET /api/v1/models: `pricing` holds US dollars per token (per request for `request`) as
// strings; "0" is free, "-1" means the price varies (openrouter/auto) and is dropped as not a price.
const openRouterPricing = z.object({
  prompt: z.optional(z.unknown()),
  completion: z.optional(z.unknown()),
  request: z.optional(z.unknown()),
  input_cache_read: z.optional(z.unknown()),
  input_cache_write: z.optional(z.unknown()),
  internal_reasoning: z.optional(z.unknown()),
});

/** An OpenRouter model's `pricing`, per million tokens (`perRequest` in dollars per request). */
export function openRouterPrices(raw: unknown): ModelPrices | undefined {
  const parsed = openRouterPricing.safeParse(raw);
  if (!parsed.success) return undefined;
  const pricing = parsed.data;
  // "0" for a cache, reasoning or request price means the model has no such price of its own (its
  // reasoning is billed as output), not that these tokens are free: left out, the input and output
  // prices apply to them.
  const extra = (schema: z.ZodMiniType<number>, raw: unknown) => valid(schema, raw) || undefined;
  return somePrices({
    input: valid(perTokenPrice, pricing.prompt),
    output: valid(perTokenPrice, pricing.completion),
    cachedInput: extra(perTokenPrice, pricing.input_cache_read),
    cacheWrite: extra(perTokenPrice, pricing.input_cache_write),
    reasoning: extra(perTokenPrice, pricing.internal_reasoning),
    // A fee per request, in dollars (not per token).
    perRequest: extra(dollars, pricing.request),
  });
}

// LiteLLM proxy, GET /model/info (and /v1/model/info): one entry per deployment, `model_name` being the
// id its /v1/models lists; `model_info` comes from the proxy's config and LiteLLM's cost map.
const liteLlmEntry = z.object({
  model_name: z.string(),
  model_info: z.nullish(
    z.object({
      input_cost_per_token: z.optional(z.unknown()),
      output_cost_per_token: z.optional(z.unknown()),
      cache_read_input_token_cost: z.optional(z.unknown()),
      cache_creation_input_token_cost: z.optional(z.unknown()),
      max_input_tokens: z.optional(z.unknown()),
      max_output_tokens: z.optional(z.unknown()),
    }),
  ),
});
const liteLlmInfo = z.object({ data: z.array(z.unknown()) });

/**
 * A LiteLLM proxy's `/model/info`, by model name. Deployments that share a name (load balancing) and
 * disagree are read cautiously: the smallest limits and the highest prices.
 */
export function readLiteLlmInfo(json: unknown): Map<string, ListedFacts> | undefined {
  const parsed = liteLlmInfo.safeParse(json);
  if (!parsed.success) return undefined;
  const byName = new Map<string, ListedFacts>();
  for (const raw of parsed.data.data) {
    const entry = liteLlmEntry.safeParse(raw);
    if (!entry.success) continue;
    const info = entry.data.model_info;
    const prices = somePrices({
      input: valid(perTokenPrice, info?.input_cost_per_token),
      output: valid(perTokenPrice, info?.output_cost_per_token),
      cachedInput: valid(perTokenPrice, info?.cache_read_input_token_cost),
      cacheWrite: valid(perTokenPrice, info?.cache_creation_input_token_cost),
    });
    const facts: ListedFacts = {
      contextWindow: valid(tokenLimit, info?.max_input_tokens),
      maxOutputTokens: valid(tokenLimit, info?.max_output_tokens),
      prices,
    };
    const seen = byName.get(entry.data.model_name);
    byName.set(entry.data.model_name, seen ? cautious(seen, facts) : facts);
  }
  return byName;
}

const lower = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);
const higher = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

function cautious(a: ListedFacts, b: ListedFacts): ListedFacts {
  const keys = ['input', 'output', 'cachedInput', 'cacheWrite'] as const;
  return {
    contextWindow: lower(a.contextWindow, b.contextWindow),
    maxOutputTokens: lower(a.maxOutputTokens, b.maxOutputTokens),
    prices: somePrices(Object.fromEntries(keys.map((key) => [key, higher(a.prices?.[key], b.prices?.[key])]))),
  };
}

// LM Studio, GET /api/v0/models (LM Studio 0.3.6+; its /v1/models has ids only): `state` is "loaded"
// or "not-loaded", `max_context_length` the most the model takes, and a loaded model's entry carries
// the context it was loaded with as `loaded_context_length`.
const lmStudioEntry = z.object({
  id: z.string(),
  state: z.optional(z.unknown()),
  max_context_length: z.optional(z.unknown()),
  loaded_context_length: z.optional(z.unknown()),
});
const lmStudioList = z.object({ data: z.array(z.unknown()) });

/** LM Studio's `/api/v0/models`, by model id. */
export function readLmStudioModels(json: unknown): Map<string, ListedFacts> | undefined {
  const parsed = lmStudioList.safeParse(json);
  if (!parsed.success) return undefined;
  const byId = new Map<string, ListedFacts>();
  for (const raw of parsed.data.data) {
    const entry = lmStudioEntry.safeParse(raw);
    if (!entry.success) continue;
    const { state } = entry.data;
    const loaded = state === 'loaded' ? true : state === 'not-loaded' ? false : undefined;
    const most = valid(tokenLimit, entry.data.max_context_length);
    const running = loaded ? valid(tokenLimit, entry.data.loaded_context_length) : undefined;
    byId.set(entry.data.id, { ...runningContext(running, most), loaded });
  }
  return byId;
}

/**
 * The context to fit prompts to, and the model's maximum where it runs with less: the context it
 * runs with where known (never more than its maximum), else the maximum.
 */
export function runningContext(
  running: number | undefined,
  most: number | undefined,
): Pick<ListedFacts, 'contextWindow' | 'maxContextWindow'> {
  if (running === undefined || (most !== undefined && running >= most)) return { contextWindow: most };
  return { contextWindow: running, maxContextWindow: most };
}
