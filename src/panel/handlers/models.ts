import type { CatalogRow, PanelCatalog } from '../../shared/protocol';
import { providerEntry, writable, type Handlers } from '../handler';
import { entryRowSource, modelRows } from '../rows';

/**
 * The models table: every enabled provider's models, each fact with where it came from and of when,
 * what changed since the user last looked (new models, prices changed, models gone: shown by this
 * opening of the table, not the next), and the user's own limits and prices.
 */
export const modelHandlers: Handlers<'allModels' | 'saveOverrides'> = {
  async allModels(_params, { registry, cost, prices, changes, viewId, signal }) {
    const providers = registry.list().filter((entry) => entry.enabled);
    const results = await Promise.allSettled(
      providers.map(async (entry) => {
        const listed = await registry.refreshModels(entry.id, { signal });
        // Chosen models the provider does not list (Azure deployments, ids the user typed) are the user's too.
        const unlisted = entry.models.filter((model) => !listed.some((item) => item.id === model.id));
        const models = [...listed, ...unlisted.map((model) => ({ id: model.id }))];
        const rows = await modelRows(models, entryRowSource(registry, entry, prices.state.date));
        return { rows, marks: await changes.take(viewId, entry.id) };
      }),
    );
    const rows: CatalogRow[] = [];
    const gone: NonNullable<PanelCatalog['gone']> = [];
    const failed: Array<{ providerName: string; error: string }> = [];
    results.forEach((result, index) => {
      const entry = providers[index]!;
      if (result.status === 'rejected') {
        failed.push({
          providerName: entry.name,
          error: result.reason instanceof Error ? result.reason.message : String(result.reason),
        });
        return;
      }
      const { marks } = result.value;
      // A chosen model the team gateway does not let this key use is not listed: say why.
      const allowed = cost.gateways.allowedModels(entry.id);
      for (const model of entry.models)
        if (allowed && !allowed.includes(model.id) && !result.value.rows.some((row) => row.id === model.id))
          failed.push({
            providerName: entry.name,
            error: `${model.id} is not listed: the team gateway does not allow this model for this key (it may use ${allowed.join(', ')}).`,
          });
      for (const [modelId, mark] of marks)
        if (mark.kind === 'gone')
          gone.push({
            providerId: entry.id,
            providerName: entry.name,
            id: modelId,
            ...(mark.was ? { was: mark.was } : {}),
          });
      for (const row of result.value.rows) {
        const own = entry.models.find((model) => model.id === row.id);
        const userValues = Object.fromEntries(
          Object.entries({
            contextWindow: own?.contextWindow,
            maxOutputTokens: own?.maxOutputTokens,
            input: own?.prices?.input,
            output: own?.prices?.output,
            cachedInput: own?.prices?.cachedInput,
          }).filter(([, value]) => value !== undefined),
        );
        const mark = marks.get(row.id);
        rows.push({
          ...row,
          ...(mark && mark.kind !== 'gone' ? { change: { kind: mark.kind, text: mark.text } } : {}),
          providerId: entry.id,
          providerName: entry.name,
          chosen: own !== undefined || entry.defaultModel === row.id,
          editable: !entry.readOnly,
          userValues,
        });
      }
    });
    return { rows, failed, ...(gone.length > 0 ? { gone } : {}) };
  },
  async saveOverrides(request, { registry }) {
    const entry = writable(providerEntry(registry, request.providerId), ': change its models there.');
    const existing = entry.models.find((model) => model.id === request.modelId);
    // Field by field: what the form does not show (cache-write prices, reasoning settings) stays.
    const set = <T>(value: T | null, current: T | undefined) => (value === null ? undefined : (value ?? current));
    const prices = {
      ...existing?.prices,
      input: set(request.input, existing?.prices?.input),
      output: set(request.output, existing?.prices?.output),
      cachedInput: set(request.cachedInput, existing?.prices?.cachedInput),
    };
    const cleanPrices = Object.fromEntries(Object.entries(prices).filter(([, value]) => value !== undefined));
    const updated = {
      ...(existing ?? { id: request.modelId }),
      contextWindow: set(request.contextWindow, existing?.contextWindow),
      maxOutputTokens: set(request.maxOutputTokens, existing?.maxOutputTokens),
      prices: Object.keys(cleanPrices).length > 0 ? cleanPrices : undefined,
    };
    const clean = Object.fromEntries(
      Object.entries(updated).filter(([, value]) => value !== undefined),
    ) as typeof updated;
    // Overrides live with the provider's chosen models: a model edited here is added to them.
    await registry.update(entry.id, {
      models: existing
        ? entry.models.map((model) => (model.id === request.modelId ? clean : model))
        : [...entry.models, clean],
    });
    return null;
  },
};
