import {
  findTemplate,
  isValidModelId,
  priceOf,
  withCatalog,
  type ConnectionTestReport,
  type ModelInfo,
  type ProviderEntry,
  type StageResult,
} from '../core';
import type { ModelRow, PanelReport, PanelStage } from '../shared/protocol';

/** A connection test as the panel shows it; the connection test lists what the server says, the catalog fills in windows and capabilities. */
export async function panelReport(
  templateId: string,
  report: ConnectionTestReport,
  chosen: ProviderEntry['models'] = [],
): Promise<PanelReport> {
  return {
    ok: report.ok,
    stages: report.stages.map(panelStage),
    ...(report.suggestedBaseUrl ? { suggestedBaseUrl: report.suggestedBaseUrl } : {}),
    ...(report.models
      ? {
          models: await modelRows(
            templateId,
            await withCatalog(report.models, findTemplate(templateId)?.catalogIds ?? []),
            chosen,
          ),
        }
      : {}),
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

/** Model rows with limits and prices, as the pickers show them. */
export async function modelRows(
  templateId: string,
  models: ModelInfo[],
  chosen: ProviderEntry['models'],
): Promise<ModelRow[]> {
  const template = findTemplate(templateId);
  return Promise.all(
    // A listed id that could not be chosen (a control character, say) is not shown.
    models
      .filter((model) => isValidModelId(model.id))
      .slice(0, 500)
      .map(async (model): Promise<ModelRow> => {
        const quote = await priceOf(
          {
            catalogIds: template?.catalogIds ?? [],
            local: template?.local,
            overrides: chosen.find((item) => item.id === model.id)?.prices,
          },
          model.id,
        );
        return {
          id: model.id,
          ...(model.name ? { name: model.name } : {}),
          ...(model.contextWindow ? { contextWindow: model.contextWindow } : {}),
          ...(model.maxOutputTokens ? { maxOutputTokens: model.maxOutputTokens } : {}),
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
            (capability) => model.capabilities?.[capability],
          ),
          ...sources(
            model,
            chosen.find((item) => item.id === model.id),
          ),
        };
      }),
  );
}

/** The user's override wins over what the provider or catalog said, and is labelled as theirs. */
function sources(
  model: ModelInfo,
  chosen: { contextWindow?: number; maxOutputTokens?: number } | undefined,
): Pick<ModelRow, 'sources' | 'contextWindow' | 'maxOutputTokens'> {
  const contextWindow = chosen?.contextWindow ?? model.contextWindow;
  const maxOutputTokens = chosen?.maxOutputTokens ?? model.maxOutputTokens;
  const found: NonNullable<ModelRow['sources']> = {};
  if (contextWindow !== undefined)
    found.contextWindow = chosen?.contextWindow !== undefined ? 'user' : (model.sources?.contextWindow ?? 'provider');
  if (maxOutputTokens !== undefined)
    found.maxOutputTokens =
      chosen?.maxOutputTokens !== undefined ? 'user' : (model.sources?.maxOutputTokens ?? 'provider');
  return {
    ...(contextWindow !== undefined ? { contextWindow } : {}),
    ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
    sources: found,
  };
}
