import * as vscode from 'vscode';
import {
  findTemplate,
  formatPerMillion,
  modelKey,
  priceOf,
  type Logger,
  type ModelFacts,
  type ModelInfo,
  type ModelRef,
  type PriceQuote,
  type Registry,
} from '../core';
import { Commands } from '../platform/commands';
import type { Dialogs, LiveItems } from '../platform/dialogs';
import type { ModelPicker } from '../services';

interface ModelItem extends vscode.QuickPickItem {
  providerId?: string;
  modelId?: string;
}

/** "$2.50 in · $10 out /M · 128k context · tools, vision" for a picker row. */
export function describeModel(model: ModelInfo, quote: PriceQuote): string {
  const parts: string[] = [];
  if (quote.source === 'local') parts.push('free (local)');
  else if (quote.prices)
    parts.push(
      `${formatPerMillion(quote.prices.input)} in · ${formatPerMillion(quote.prices.output)} out /M${quote.source === 'user' ? ' (your price)' : ''}${quote.tiered ? ' (more past long prompts)' : ''}`,
    );
  else parts.push('price unknown');
  if (model.contextWindow) parts.push(`${Math.round(model.contextWindow / 1000)}k context`);
  const capabilities = Object.entries(model.capabilities ?? {})
    .filter(([, on]) => on)
    .map(([name]) => name);
  if (capabilities.length > 0) parts.push(capabilities.join(', '));
  return parts.join(' · ');
}

/**
 * A model's row from its facts (the same ones the panel, the model picker and routing use): the
 * price, the context window (marked assumed when nobody knows it) and capabilities.
 */
export function describeFacts(facts: ModelFacts): string {
  const known = facts.contextWindow.source !== 'default';
  const text = describeModel(
    {
      id: '',
      contextWindow: facts.contextWindow.value,
      ...(facts.capabilities.source !== 'default' ? { capabilities: facts.capabilities.value } : {}),
    },
    facts.price,
  );
  return known ? text : text.replace(/(\d+k context)/, '$1 (assumed)');
}

/**
 * Models across every enabled provider, each row with its prices and context window. Rows fill in
 * as each provider's model list arrives; a provider that fails says why. One model, or several
 * with `canPickMany` (then `selected` are ticked as they appear).
 */
async function pickModels(
  registry: Registry,
  log: Logger,
  dialogs: Dialogs,
  options: { title: string; canPickMany?: boolean; selected?: ModelRef[]; signal?: AbortSignal },
): Promise<ModelRef[] | undefined> {
  const providers = registry.list().filter((entry) => entry.enabled);
  if (options.signal?.aborted) return undefined;
  if (providers.length === 0) {
    void dialogs
      .info('No providers yet.', 'Add Provider')
      .then((choice) => choice && vscode.commands.executeCommand(Commands.addProvider));
    return undefined;
  }
  const sections = new Map<string, ModelItem[]>(
    providers.map((entry) => [
      entry.id,
      [{ label: entry.name, kind: vscode.QuickPickItemKind.Separator }, { label: '$(loading~spin) Loading models…' }],
    ]),
  );
  // Ticks by model, so they survive each re-render as providers' lists arrive; the caller's until the user ticks.
  const keyOf = (item: Partial<ModelRef>) =>
    modelKey({ providerId: item.providerId ?? '', modelId: item.modelId ?? '' });
  const ticked = new Set((options.selected ?? []).map(keyOf));
  const changed = new vscode.EventEmitter<void>();
  let pending = providers.length;
  const live: LiveItems<ModelItem> = {
    get items() {
      return providers.flatMap((entry) => sections.get(entry.id) ?? []);
    },
    get selected() {
      return this.items.filter((item) => item.providerId !== undefined && ticked.has(keyOf(item)));
    },
    get busy() {
      return pending > 0;
    },
    onDidChange: changed.event,
  };
  const controller = new AbortController();
  for (const entry of providers) {
    const template = findTemplate(entry.template ?? '');
    void registry
      .refreshModels(entry.id, { signal: controller.signal })
      .then(async (models) => {
        const rows = await Promise.all(
          models.map(async (model): Promise<ModelItem> => {
            const overrides = entry.models.find((chosen) => chosen.id === model.id)?.prices;
            const quote = await priceOf(
              { catalogIds: template?.catalogIds ?? [], local: template?.local, overrides },
              model.id,
            );
            const isDefault = registry.defaultProvider() === entry.id && entry.defaultModel === model.id;
            return {
              label: `${isDefault ? '$(check) ' : ''}${model.name ?? model.id}`,
              description: describeModel(model, quote),
              detail: model.name ? model.id : undefined,
              providerId: entry.id,
              modelId: model.id,
            };
          }),
        );
        sections.set(entry.id, [
          { label: entry.name, kind: vscode.QuickPickItemKind.Separator },
          ...(rows.length > 0 ? rows : [{ label: 'No models listed' }]),
        ]);
      })
      .catch((error: unknown) => {
        log.warn(`could not list the models of ${entry.id}`, error);
        const message = error instanceof Error ? error.message : String(error);
        sections.set(entry.id, [
          { label: entry.name, kind: vscode.QuickPickItemKind.Separator },
          { label: `$(warning) ${message}` },
        ]);
      })
      .finally(() => {
        pending--;
        changed.fire();
      });
  }
  const picked = await dialogs.livePick(live, {
    title: options.title,
    placeholder: 'Search models by name, provider or price',
    matchOnDescription: true,
    canPickMany: options.canPickMany ?? false,
    onDidSelect: (selected, shown) => {
      // Only the rows on show change: ticks waiting for a provider's list to arrive stay.
      const showing = new Set(shown.map(keyOf));
      for (const key of [...ticked]) if (showing.has(key)) ticked.delete(key);
      for (const item of selected) ticked.add(keyOf(item));
    },
    accepts: (items) => items.some((item) => item.providerId),
    signal: options.signal,
  });
  controller.abort();
  changed.dispose();
  if (options.signal?.aborted) return undefined;
  return picked?.flatMap((item) =>
    item.providerId && item.modelId ? [{ providerId: item.providerId, modelId: item.modelId }] : [],
  );
}

/** Adds a picked model to its provider's chosen models (where the user owns the entry), so it is remembered. */
async function rememberModel(registry: Registry, picked: ModelRef): Promise<void> {
  const entry = registry.get(picked.providerId);
  if (entry && !entry.readOnly && !entry.models.some((model) => model.id === picked.modelId)) {
    await registry.update(entry.id, { models: [...entry.models, { id: picked.modelId }] });
  }
}

/** Picks the default model across every enabled provider. */
export async function selectDefaultModel(registry: Registry, models: ModelPicker): Promise<ModelRef | undefined> {
  const [picked] = (await models.pick({ title: 'Default model' })) ?? [];
  if (!picked) return undefined;
  await models.remember(picked);
  await registry.setDefault(picked.providerId, picked.modelId);
  return picked;
}

export function createModelPicker(registry: Registry, log: Logger, dialogs: Dialogs): ModelPicker {
  return {
    pick: (options) => pickModels(registry, log, dialogs, options),
    remember: (picked) => rememberModel(registry, picked),
    describe: describeModel,
  };
}
