import * as z from '../core/zod';
import { done, modelId, newModelId, providerId, usd } from './protocolFields';

const limitSource = z.optional(z.enum(['provider', 'catalog', 'user']));
const label = z.optional(z.string().check(z.maxLength(300)));
/** A model row: limits and prices (US dollars per million tokens), each with where it came from. */
export const modelRow = z.strictObject({
  id: modelId,
  name: z.optional(z.string()),
  contextWindow: z.optional(z.int().check(z.positive())),
  /** The most the model takes, where a local server runs it with less (`contextWindow`). */
  maxContextWindow: z.optional(z.int().check(z.positive())),
  /** A local server has the model in memory now. */
  loaded: z.optional(z.boolean()),
  maxOutputTokens: z.optional(z.int().check(z.positive())),
  prices: z.optional(z.strictObject({ input: usd, output: usd, cachedInput: z.optional(usd) })),
  /** `provider`: the provider's own model list (OpenRouter, a LiteLLM proxy). */
  priceSource: z.enum(['catalog', 'provider', 'user', 'local', 'estimated', 'unknown']),
  capabilities: z.array(z.enum(['tools', 'vision', 'reasoning'])),
  /** Where the limits came from: the provider's own list, the catalog, or the user. */
  sources: z.optional(z.strictObject({ contextWindow: limitSource, maxOutputTokens: limitSource })),
  /** Each fact's source and its date in words: "listed by OpenRouter, 2026-12-05", "catalog, 2026-09-23", "yours". */
  labels: z.optional(z.strictObject({ contextWindow: label, maxOutputTokens: label, price: label })),
  /** What changed since the user last looked: a new model, or its price ("price changed $2.50 → $3.00 in"). */
  change: z.optional(z.strictObject({ kind: z.enum(['new', 'price']), text: z.string().check(z.maxLength(300)) })),
  /** The model this one runs (an Azure deployment's): its facts and prices are that model's. */
  baseModel: z.optional(modelId),
});
export type ModelRow = z.infer<typeof modelRow>;

const catalogRow = z.extend(modelRow, {
  providerId,
  providerName: z.string(),
  chosen: z.boolean(),
  editable: z.boolean(),
  /** The user's own values only (what the edit form starts from). */
  userValues: z.strictObject({
    contextWindow: z.optional(z.number()),
    maxOutputTokens: z.optional(z.number()),
    input: z.optional(z.number()),
    output: z.optional(z.number()),
    cachedInput: z.optional(z.number()),
  }),
});
export type CatalogRow = z.infer<typeof catalogRow>;

const catalog = z.strictObject({
  rows: z.array(catalogRow),
  failed: z.array(z.strictObject({ providerName: z.string(), error: z.string() })),
  /** Models a provider no longer lists, since the user last looked (shown once). */
  gone: z.optional(
    z.array(
      z.strictObject({
        providerId,
        providerName: z.string(),
        id: modelId,
        /** Its last price, per million tokens. */
        was: z.optional(z.strictObject({ input: usd, output: usd })),
      }),
    ),
  ),
});
export type PanelCatalog = z.infer<typeof catalog>;

const limit = (max: number) => z.nullable(z.number().check(z.positive(), z.lte(max)));
const price = z.nullable(z.number().check(z.nonnegative(), z.lte(100_000)));

/** The models section: every enabled provider's models, and the user's own limits and prices. */
export const modelRequests = {
  /** Every enabled provider's models (each provider asked for its list), for the models table. */
  allModels: { params: z.strictObject({}), result: catalog },
  /** The user's own limits and prices for one model (a custom model the catalog does not know). */
  saveOverrides: {
    params: z.strictObject({
      providerId,
      modelId: newModelId,
      // A number sets the user's own value; null clears it (the provider's or catalog's applies again).
      contextWindow: limit(100_000_000),
      maxOutputTokens: limit(100_000_000),
      input: price,
      output: price,
      cachedInput: price,
    }),
    result: done,
  },
} as const;
