import * as z from '../zod';
import type { KeyValueStore } from '../storage';
import type { ModelInfo, ModelInfoField } from '../types';

/**
 * The last model list each provider gave, kept so that what it says (OpenRouter's and a LiteLLM
 * proxy's prices, LM Studio's and Ollama's loaded context) counts between one listing and the next,
 * and after a restart: a request is priced by the provider's list, not only when the list was just
 * read. Only what the provider itself said is kept (the catalog fills the rest on every read).
 *
 * Stored under its own key (never in the registry's document, whose format it would change),
 * versioned: data of a newer format is read where it can be and never written over; data that does
 * not parse is ignored and replaced by the next list (it is a copy of what the providers say, not
 * the user's).
 */
export const MODEL_LISTS_KEY = 'switchboard.modelLists';
export const MODEL_LISTS_SCHEMA_VERSION = 1;
/** Models kept per provider: OpenRouter lists about 350. */
export const MAX_KEPT_MODELS = 2_000;

export interface ProviderListing {
  /** When the list was read (ms since the epoch). */
  at: number;
  /** The base URL it was read from: a list read from another address says nothing about this one. */
  baseUrl: string;
  /** The provider's own facts, by model id (models it listed bare are left out). */
  models: Map<string, ModelInfo>;
}

const count = z.int().check(z.positive(), z.lte(1e9));
// No finiteness check needed: a zod number already refuses Infinity and NaN.
const dollars = z.number().check(z.nonnegative(), z.lte(1e6));
const keptModel = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(1000)),
  name: z.optional(z.string().check(z.maxLength(1000))),
  contextWindow: z.optional(count),
  maxContextWindow: z.optional(count),
  maxOutputTokens: z.optional(count),
  capabilities: z.optional(
    z.object({
      tools: z.optional(z.boolean()),
      vision: z.optional(z.boolean()),
      reasoning: z.optional(z.boolean()),
    }),
  ),
  prices: z.optional(
    z.object({
      input: z.optional(dollars),
      output: z.optional(dollars),
      cachedInput: z.optional(dollars),
      cacheWrite: z.optional(dollars),
      reasoning: z.optional(dollars),
      perRequest: z.optional(dollars),
    }),
  ),
  loaded: z.optional(z.boolean()),
});
const keptListing = z.object({
  at: z.int().check(z.nonnegative()),
  baseUrl: z.string(),
  models: z.array(z.unknown()),
});
const document = z.object({ schemaVersion: z.int().check(z.positive()), providers: z.record(z.string(), z.unknown()) });

const SOURCED: readonly ModelInfoField[] = ['name', 'contextWindow', 'maxOutputTokens', 'capabilities', 'prices'];

/** What the provider itself said of a model (its catalog-filled values dropped), or undefined when it said nothing. */
export function providerFacts(model: ModelInfo): ModelInfo | undefined {
  const kept: ModelInfo = { id: model.id };
  const sources: NonNullable<ModelInfo['sources']> = {};
  for (const field of SOURCED) {
    const value = model[field];
    // A value without a recorded source came from the provider's adapter (withListedFacts records the rest).
    if (value === undefined || (model.sources?.[field] ?? 'provider') !== 'provider') continue;
    (kept as unknown as Record<string, unknown>)[field] = value;
    sources[field] = 'provider';
  }
  if (model.maxContextWindow !== undefined) kept.maxContextWindow = model.maxContextWindow;
  if (model.loaded !== undefined) kept.loaded = model.loaded;
  if (Object.keys(kept).length === 1) return undefined;
  return { ...kept, sources };
}

/** Reads one kept model, or undefined when it does not validate (it is dropped alone). */
function readModel(raw: unknown): ModelInfo | undefined {
  const parsed = keptModel.safeParse(raw);
  if (!parsed.success) return undefined;
  const model = parsed.data as ModelInfo;
  const sources: NonNullable<ModelInfo['sources']> = {};
  for (const field of SOURCED) if (model[field] !== undefined) sources[field] = 'provider';
  return { ...model, sources };
}

export class ModelListStore {
  readonly #kv: KeyValueStore | undefined;
  readonly #memory = new Map<string, ProviderListing>();
  #loaded = false;
  /** Set when the stored data is of a newer format: read, never written over. */
  #newer = false;
  #queue: Promise<unknown> = Promise.resolve();
  /** Providers forgotten here, left out when the stored lists are written back. */
  readonly #deleted = new Set<string>();

  /** Without a store, lists are kept in memory only. */
  constructor(kv?: KeyValueStore) {
    this.#kv = kv;
  }

  #load(): void {
    if (this.#loaded) return;
    this.#loaded = true;
    const raw = this.#kv?.get<unknown>(MODEL_LISTS_KEY);
    const parsed = document.safeParse(raw);
    if (!parsed.success) return;
    this.#newer = parsed.data.schemaVersion > MODEL_LISTS_SCHEMA_VERSION;
    for (const [providerId, value] of Object.entries(parsed.data.providers)) {
      const listing = keptListing.safeParse(value);
      if (!listing.success) continue;
      const models = new Map<string, ModelInfo>();
      for (const item of listing.data.models.slice(0, MAX_KEPT_MODELS)) {
        const model = readModel(item);
        if (model) models.set(model.id, model);
      }
      this.#memory.set(providerId, { at: listing.data.at, baseUrl: listing.data.baseUrl, models });
    }
  }

  /** The last list read from this provider at this base URL, if any. */
  get(providerId: string, baseUrl: string): ProviderListing | undefined {
    this.#load();
    const listing = this.#memory.get(providerId);
    return listing?.baseUrl === baseUrl ? listing : undefined;
  }

  /**
   * Keeps a provider's list (what the provider said of each model); true when that differs from the
   * list kept before (a price, a limit, a model).
   */
  async set(providerId: string, baseUrl: string, models: readonly ModelInfo[], at: number): Promise<boolean> {
    this.#load();
    const kept = new Map<string, ModelInfo>();
    for (const model of models.slice(0, MAX_KEPT_MODELS)) {
      const facts = providerFacts(model);
      if (facts) kept.set(model.id, facts);
    }
    const before = this.#memory.get(providerId);
    const changed =
      before?.baseUrl !== baseUrl || JSON.stringify([...before.models.values()]) !== JSON.stringify([...kept.values()]);
    this.#memory.set(providerId, { at, baseUrl, models: kept });
    this.#deleted.delete(providerId);
    await this.#write();
    return changed;
  }

  /** Forgets a provider's list (it was removed). */
  async delete(providerId: string): Promise<void> {
    this.#load();
    this.#deleted.add(providerId);
    if (this.#memory.delete(providerId)) await this.#write();
  }

  #write(): Promise<void> {
    const kv = this.#kv;
    if (!kv || this.#newer) return Promise.resolve();
    const run = async () => {
      // Another window's lists for providers this one has not read stay (they are the same profile's).
      const stored = document.safeParse(kv.get<unknown>(MODEL_LISTS_KEY));
      if (stored.success && stored.data.schemaVersion > MODEL_LISTS_SCHEMA_VERSION) {
        this.#newer = true;
        return;
      }
      const providers: Record<string, unknown> = stored.success ? { ...stored.data.providers } : {};
      for (const key of this.#deleted) delete providers[key];
      for (const [providerId, listing] of this.#memory)
        providers[providerId] = {
          at: listing.at,
          baseUrl: listing.baseUrl,
          models: [...listing.models.values()].map(stripSources),
        };
      await kv.update(MODEL_LISTS_KEY, { schemaVersion: MODEL_LISTS_SCHEMA_VERSION, providers });
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/** Sources are all the provider's here: not stored. */
function stripSources(model: ModelInfo): Omit<ModelInfo, 'sources'> {
  const { sources: _sources, ...rest } = model;
  return rest;
}
