import { withCatalog } from '../catalog';
import { modelFacts, type ModelFacts } from '../modelFacts';
import { findTemplate } from '../templates';
import type { ModelInfo, Provider } from '../types';
import { FirstListings } from './firstListings';
import { ModelListStore, type ProviderListing } from './modelLists';
import type { ModelListEvent } from './registry';
import { isValidModelId, type ProviderEntry } from './schema';
import { isLocalProvider } from './templateOf';

/**
 * What is known of the registry's providers' models: each provider's own list (read, kept between
 * sessions, announced to listeners), read ahead of a request whose price needs it, and the facts
 * of one model every surface uses.
 */
export class ProviderModels {
  readonly #lists: ModelListStore;
  readonly #listeners = new Set<(event: ModelListEvent) => void>();
  readonly #firstListings: FirstListings;

  constructor(
    private readonly now: () => number,
    /** The entry with this id, wherever it is declared. */
    private readonly find: (id: string) => ProviderEntry | undefined,
    /** The entry's adapter, with its current key. */
    private readonly build: (id: string) => Promise<Provider>,
    lists: ModelListStore = new ModelListStore(),
  ) {
    this.#lists = lists;
    this.#firstListings = new FirstListings(
      now,
      (id) => this.refresh(id),
      (entry) => this.#lists.get(entry.id, entry.baseUrl)?.at,
    );
  }

  onDidList(listener: (event: ModelListEvent) => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  /** The provider was removed: its kept list goes with it. */
  async forget(id: string): Promise<void> {
    this.#firstListings.forget(id);
    await this.#lists.delete(id).catch(() => undefined);
  }

  async facts(id: string, modelId: string, listed?: ModelInfo): Promise<ModelFacts> {
    const entry = this.find(id);
    listed ??= entry ? this.#lists.get(id, entry.baseUrl)?.models.get(modelId) : undefined;
    const chosen = entry?.models.find((model) => model.id === modelId);
    const template = findTemplate(entry?.template ?? '');
    return modelFacts({
      type: entry?.type ?? 'openai-compatible',
      template: { catalogIds: template?.catalogIds ?? [], local: entry ? isLocalProvider(entry) : false },
      modelId,
      ...(chosen
        ? {
            user: {
              ...(chosen.name ? { name: chosen.name } : {}),
              ...(chosen.baseModel ? { baseModel: chosen.baseModel } : {}),
              contextWindow: chosen.contextWindow,
              maxOutputTokens: chosen.maxOutputTokens,
              prices: chosen.prices,
            },
          }
        : {}),
      ...(listed ? { listed } : {}),
    });
  }

  async refresh(id: string, options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    const entry = this.find(id);
    if (!entry) throw new Error(`No provider "${id}".`);
    const provider = await this.build(id);
    // An id that could not be chosen (a control character, say) is not offered.
    const listed = (await provider.listModels(options)).filter((model) => isValidModelId(model.id));
    // A long list comes back partly bare (Ollama describes only its first models): the models in use
    // (chosen, or the default) are described now, one request each; the rest only when chosen.
    const inUse = new Set([...entry.models.map((model) => model.id), entry.defaultModel]);
    const describe = provider.describeModel?.bind(provider);
    const models = describe
      ? await Promise.all(
          listed.map((model) =>
            model.contextWindow === undefined && inUse.has(model.id)
              ? describe(model.id, options).catch(() => model)
              : Promise.resolve(model),
          ),
        )
      : listed;
    const at = this.now();
    // Kept for the next request and the next session; a store that cannot be written leaves it in memory.
    const changed = await this.#lists.set(id, entry.baseUrl, models, at).catch(() => true);
    this.#firstListings.listed(id);
    const filled = await withCatalog(models, findTemplate(entry.template ?? '')?.catalogIds ?? []);
    for (const listener of [...this.#listeners]) listener({ providerId: id, models: filled, at, changed });
    return filled;
  }

  listing(id: string): ProviderListing | undefined {
    const entry = this.find(id);
    return entry ? this.#lists.get(id, entry.baseUrl) : undefined;
  }

  async ensureListing(id: string, modelId: string): Promise<void> {
    const entry = this.find(id);
    if (entry) await this.#firstListings.ensure(entry, modelId);
  }
}
