import { findTemplate, isValidModelId, priceOf, withCatalog, type DoctorReport, type ModelInfo, type ProviderEntry } from '../core';
import type { ModelRow, PanelReport } from '../shared/protocol';

/** A connection test as the panel shows it; the doctor lists what the server says, the catalog fills in windows and capabilities. */
export async function panelReport(templateId: string, report: DoctorReport, chosen: ProviderEntry['models'] = []): Promise<PanelReport> {
  return {
    ok: report.ok,
    stages: report.stages.map((stage) => ({ stage: stage.stage, status: stage.status, message: stage.message, ...(stage.ms !== undefined ? { ms: stage.ms } : {}), ...(stage.code ? { code: stage.code } : {}) })),
    ...(report.suggestedBaseUrl ? { suggestedBaseUrl: report.suggestedBaseUrl } : {}),
    ...(report.models ? { models: await modelRows(templateId, await withCatalog(report.models, findTemplate(templateId)?.catalogIds ?? []), chosen) } : {}),
  };
}

/** Model rows with limits and prices, as the pickers show them. */
export async function modelRows(templateId: string, models: ModelInfo[], chosen: ProviderEntry['models']): Promise<ModelRow[]> {
  const template = findTemplate(templateId);
  return Promise.all(
    // A listed id that could not be chosen (a control character, say) is not shown.
    models.filter((model) => isValidModelId(model.id)).slice(0, 500).map(async (model): Promise<ModelRow> => {
      const quote = await priceOf({ catalogIds: template?.catalogIds ?? [], local: template?.local, overrides: chosen.find((item) => item.id === model.id)?.prices }, model.id);
      return {
        id: model.id,
        ...(model.name ? { name: model.name } : {}),
        ...(model.contextWindow ? { contextWindow: model.contextWindow } : {}),
        ...(model.maxOutputTokens ? { maxOutputTokens: model.maxOutputTokens } : {}),
        ...(quote.prices ? { prices: { input: quote.prices.input, output: quote.prices.output, ...(quote.prices.cachedInput !== undefined ? { cachedInput: quote.prices.cachedInput } : {}) } } : {}),
        priceSource: quote.source,
        capabilities: (['tools', 'vision', 'reasoning'] as const).filter((capability) => model.capabilities?.[capability]),
        ...sources(model, chosen.find((item) => item.id === model.id)),
      };
    }),
  );
}

/** The user's override wins over what the provider or catalog said, and is labelled as theirs. */
function sources(model: ModelInfo, chosen: { contextWindow?: number; maxOutputTokens?: number } | undefined): Pick<ModelRow, 'sources' | 'contextWindow' | 'maxOutputTokens'> {
  const contextWindow = chosen?.contextWindow ?? model.contextWindow;
  const maxOutputTokens = chosen?.maxOutputTokens ?? model.maxOutputTokens;
  const found: NonNullable<ModelRow['sources']> = {};
  if (contextWindow !== undefined) found.contextWindow = chosen?.contextWindow !== undefined ? 'user' : (model.sources?.contextWindow ?? 'provider');
  if (maxOutputTokens !== undefined) found.maxOutputTokens = chosen?.maxOutputTokens !== undefined ? 'user' : (model.sources?.maxOutputTokens ?? 'provider');
  return { ...(contextWindow !== undefined ? { contextWindow } : {}), ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}), sources: found };
}
