import { catalogFacts } from './catalog';
import { priceOf, type ModelPrices, type PriceQuote } from './cost/pricing';
import type { ProviderTemplate } from './templates';
import type { ModelInfo, ModelInfoField, ProviderType } from './types';

/** Where a fact about a model came from: the user, the provider's own model list, the catalog, or Switchboard's default. */
export type FactSource = 'user' | 'provider' | 'catalog' | 'default';

export interface Fact<T> {
  value: T;
  source: FactSource;
}

export interface ModelFactsInput {
  type: ProviderType;
  /** The provider's template: local or not, and where the catalog knows its models. */
  template?: Pick<ProviderTemplate, 'local' | 'catalogIds'>;
  modelId: string;
  /**
   * The user's own values for this model (settings, the panel's Edit); `baseModel`: the model it runs
   * (an Azure deployment's), whose catalog facts and prices it has.
   */
  user?: { name?: string; baseModel?: string; contextWindow?: number; maxOutputTokens?: number; prices?: ModelPrices };
  /** The model as the provider's own list describes it, where it was read (its prices included). */
  listed?: ModelInfo;
}

export interface ModelFacts {
  name: Fact<string>;
  contextWindow: Fact<number>;
  maxOutputTokens: Fact<number>;
  /** Room for the prompt: the context window less what is kept for the answer (see answerRoom). */
  maxInputTokens: number;
  capabilities: Fact<{ tools: boolean; vision: boolean; reasoning: boolean }>;
  price: PriceQuote;
}

/**
 * The context window assumed when nobody knows it, per kind of provider. A local server runs a
 * model with the context it loads by default, whatever the model could take: Ollama and LM Studio
 * load 4,096 tokens (a longer prompt is cut from the front). Hosted APIs: current models take at
 * least 128,000.
 */
export const DEFAULT_CONTEXT_WINDOW = { local: 4_096, hosted: 128_000 } as const;
/** The longest answer assumed when nobody knows it (never more than a quarter of the window: see answerRoom). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;

/** Tokens kept free for the answer: the model's output limit, but never more than a quarter of a small window. */
export function answerRoom(contextWindow: number, maxOutputTokens: number): number {
  return Math.min(maxOutputTokens, Math.floor(contextWindow / 4));
}

/**
 * Everything Switchboard needs to know about a model, with the source of each value: the user's
 * value, else the provider's own list, else the catalog, else the documented default for the kind of
 * provider. Prices follow the same order (`price.source`: `user`, `provider`, `catalog`; `local` for
 * a local server, `unknown` where nobody says). Every surface (chat, VS Code's model picker, routing, budgets, the panel) asks here, so
 * they all agree.
 */
export async function modelFacts(input: ModelFactsInput): Promise<ModelFacts> {
  const { template, modelId, user, listed } = input;
  const catalogIds = template?.catalogIds ?? [];
  const baseModel = user?.baseModel;
  const [catalog, price] = await Promise.all([
    catalogFacts(catalogIds, baseModel ?? modelId),
    priceOf(
      // A model nobody prices is estimated as the closest known one, as the meter prices it: every surface agrees.
      {
        catalogIds,
        ...(baseModel ? { catalogModel: baseModel } : {}),
        local: template?.local,
        overrides: user?.prices,
        listed: listed?.prices,
        closest: true,
      },
      modelId,
    ),
  ]);
  const listedSource = (field: ModelInfoField): FactSource => {
    const source = listed?.sources?.[field];
    return source === 'catalog' || source === 'user' ? source : 'provider';
  };
  const pick = <T>(
    field: ModelInfoField,
    fromUser: T | undefined,
    fromList: T | undefined,
    fromCatalog: T | undefined,
  ): Fact<T> | undefined =>
    fromUser !== undefined
      ? { value: fromUser, source: 'user' }
      : fromList !== undefined
        ? { value: fromList, source: listedSource(field) }
        : fromCatalog !== undefined
          ? { value: fromCatalog, source: 'catalog' }
          : undefined;

  const local = template?.local === true || input.type === 'ollama';
  const fallback = local ? DEFAULT_CONTEXT_WINDOW.local : DEFAULT_CONTEXT_WINDOW.hosted;
  const contextWindow = pick('contextWindow', user?.contextWindow, listed?.contextWindow, catalog.contextWindow) ?? {
    // Never more than the most the provider says the model takes.
    value: Math.min(fallback, listed?.maxContextWindow ?? fallback),
    source: 'default',
  };
  const maxOutputTokens = pick(
    'maxOutputTokens',
    user?.maxOutputTokens,
    listed?.maxOutputTokens,
    catalog.maxOutputTokens,
  ) ?? {
    value: Math.min(DEFAULT_MAX_OUTPUT_TOKENS, Math.floor(contextWindow.value / 4)),
    source: 'default',
  };
  const capabilities = pick('capabilities', undefined, listed?.capabilities, catalog.capabilities);
  return {
    // A deployment keeps its own name: the catalog's would be its base model's.
    name: pick('name', user?.name, listed?.name, baseModel ? undefined : catalog.name) ?? {
      value: modelId,
      source: 'default',
    },
    contextWindow,
    maxOutputTokens,
    maxInputTokens: Math.max(1, contextWindow.value - answerRoom(contextWindow.value, maxOutputTokens.value)),
    // Unknown capabilities: tools are assumed (most models take them, and a refusal moves on), images and reasoning not.
    capabilities: capabilities
      ? {
          value: {
            tools: capabilities.value.tools ?? true,
            vision: capabilities.value.vision ?? false,
            reasoning: capabilities.value.reasoning ?? false,
          },
          source: capabilities.source,
        }
      : { value: { tools: true, vision: false, reasoning: false }, source: 'default' },
    price,
  };
}
