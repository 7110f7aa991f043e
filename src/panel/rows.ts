import {
  factLabel,
  findTemplate,
  isValidModelId,
  modelFacts,
  recommendedAmong,
  withCatalog,
  type ConnectionTestReport,
  type Fact,
  type FactDates,
  type ModelFacts,
  type ModelInfo,
  type ProviderEntry,
  type Registry,
  type StageResult,
} from '../core';
import type { ModelRow, PanelReport, PanelStage } from '../shared/protocol';

/** A connection test as the panel shows it; the connection test lists what the server says, the catalog fills in windows and capabilities. */
export async function panelReport(
  templateId: string,
  report: ConnectionTestReport,
  rows: RowSource,
): Promise<PanelReport> {
  const template = findTemplate(templateId);
  const recommended =
    template &&
    report.models &&
    recommendedAmong(
      template,
      report.models.map((model) => model.id),
    );
  return {
    ok: report.ok,
    stages: report.stages.map(panelStage),
    ...(report.suggestedBaseUrl ? { suggestedBaseUrl: report.suggestedBaseUrl } : {}),
    ...(recommended ? { recommendedModel: recommended } : {}),
    ...(report.models
      ? {
          models: await modelRows(await withCatalog(report.models, template?.catalogIds ?? []), rows),
        }
      : {}),
  };
}

/** Rows for a saved provider: the registry's model facts (its kept list, the user's values), dated. */
export function entryRowSource(
  registry: Registry,
  entry: { id: string; name: string },
  priceDataDate: string,
): RowSource {
  const listedAt = registry.modelList(entry.id)?.at;
  return {
    facts: (model) => registry.modelFacts(entry.id, model.id, model),
    dates: { providerName: entry.name, ...(listedAt !== undefined ? { listedAt } : {}), priceDataDate },
  };
}

/**
 * Rows for a provider not saved yet (the add wizard), or a list just read: the core's model facts
 * with the list as the provider's, read now.
 */
export function draftRowSource(
  templateId: string,
  priceDataDate: string,
  chosen: ProviderEntry['models'] = [],
): RowSource {
  const template = findTemplate(templateId);
  return {
    facts: (model) => {
      const own = chosen.find((item) => item.id === model.id);
      return modelFacts({
        type: template?.type ?? 'openai-compatible',
        ...(template ? { template } : {}),
        modelId: model.id,
        listed: model,
        ...(own
          ? {
              user: {
                ...(own.name ? { name: own.name } : {}),
                ...(own.baseModel ? { baseModel: own.baseModel } : {}),
                contextWindow: own.contextWindow,
                maxOutputTokens: own.maxOutputTokens,
                prices: own.prices,
              },
            }
          : {}),
      });
    },
    dates: { providerName: template?.name ?? 'the provider', listedAt: Date.now(), priceDataDate },
  };
}

/** A server's words fit in the sentence; a raw body (JSON, a page, lines of text) does not. */
const isProse = (text: string) => text.length <= 200 && !/[\n{}<>]/.test(text);

/**
 * A stage as the panel says it: the failure in one sentence, with the server's raw body apart (the
 * panel shows it behind a disclosure); the base URL is named only for the stages that reach it
 * first (a chat that fails after the model list loaded came through the right URL).
 */
export function panelStage(stage: StageResult): PanelStage {
  return {
    stage: stage.stage,
    status: stage.status,
    ...inWords(stage),
    ...(stage.ms !== undefined ? { ms: stage.ms } : {}),
    ...(stage.code ? { code: stage.code } : {}),
  };
}

function inWords(stage: StageResult): Pick<PanelStage, 'message' | 'detail'> {
  if (stage.status !== 'fail') return { message: stage.message };
  let message =
    stage.stage === 'connect' || stage.stage === 'models'
      ? stage.message
      : stage.message.replace('; check the base URL', '');
  const detail = stage.detail;
  if (detail === undefined || isProse(detail)) return { message };
  message = message.replace(`: ${detail}`, '');
  return { message, detail };
}

/** What a model row is made of: its facts (the one source every surface uses) and their dates. */
export interface RowSource {
  facts: (model: ModelInfo) => Promise<ModelFacts>;
  dates: FactDates;
}

/** Model rows with limits and prices, each with where it came from and of when, as the pickers show them. */
export async function modelRows(models: ModelInfo[], { facts: factsOf, dates }: RowSource): Promise<ModelRow[]> {
  return Promise.all(
    // A listed id that could not be chosen (a control character, say) is not shown.
    models
      .filter((model) => isValidModelId(model.id))
      .slice(0, 500)
      .map(async (model): Promise<ModelRow> => {
        const facts = await factsOf(model);
        const quote = facts.price;
        // Known values only: a default is not the model's, and the table leaves it out.
        const known = <T>(fact: Fact<T>) => (fact.source === 'default' ? undefined : fact);
        const context = known(facts.contextWindow);
        const output = known(facts.maxOutputTokens);
        const capabilities = known(facts.capabilities);
        const running =
          context?.source === 'provider' &&
          model.maxContextWindow !== undefined &&
          model.maxContextWindow > context.value;
        const labels = {
          ...(context ? { contextWindow: factLabel('contextWindow', context.source, dates) } : {}),
          ...(output ? { maxOutputTokens: factLabel('maxOutputTokens', output.source, dates) } : {}),
          ...(quote.source !== 'local' ? { price: factLabel('price', quote.source, dates, quote.estimatedFrom) } : {}),
        };
        return {
          id: model.id,
          ...(facts.name.source !== 'default' ? { name: facts.name.value } : {}),
          ...(context ? { contextWindow: context.value } : {}),
          ...(running ? { maxContextWindow: model.maxContextWindow } : {}),
          ...(model.loaded !== undefined ? { loaded: model.loaded } : {}),
          ...(output ? { maxOutputTokens: output.value } : {}),
          ...(quote.prices
            ? {
                prices: {
                  input: quote.prices.input,
                  output: quote.prices.output,
                  ...(quote.prices.cachedInput !== undefined ? { cachedInput: quote.prices.cachedInput } : {}),
                },
              }
            : {}),
          priceSource: quote.source,
          capabilities: (['tools', 'vision', 'reasoning'] as const).filter(
            (capability) => capabilities?.value[capability],
          ),
          sources: {
            ...(context && context.source !== 'default' ? { contextWindow: context.source } : {}),
            ...(output && output.source !== 'default' ? { maxOutputTokens: output.source } : {}),
          },
          labels: Object.fromEntries(Object.entries(labels).filter(([, value]) => value !== undefined)),
        };
      }),
  );
}
