import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  contextWindowText,
  factLabel,
  formatPerMillion,
  modelKey,
  type FactDates,
  type Logger,
  type ModelFacts,
  type ModelInfo,
  type ModelRef,
  type PriceQuote,
  type Registry,
} from '../core';
import { Commands } from '../platform/commands';
import type { Dialogs, LiveItems } from '../platform/dialogs';
import type { Settings } from '../platform/settings';
import type { CostService, ModelChanges, ModelPicker, PriceData, Services } from '../services';
import { confirmChange } from './choiceCost';

interface ModelItem extends vscode.QuickPickItem {
  providerId?: string;
  modelId?: string;
}

/** Where a row's price and context window came from, and of when ("listed by OpenRouter, 2026-12-05"). */
export interface FactLabels {
  price?: string | undefined;
  context?: string | undefined;
}

/**
 * "$2.50 in · $10 out /M · 128k context · tools, vision" for a picker row; with `labels`, where the
 * price and the window came from after it ("· listed by OpenRouter, 2026-12-05", or each apart when
 * they differ). A local server running the model with less than it takes: "4,096 of 131,072 (loaded) context".
 */
export function describeModel(model: ModelInfo, quote: PriceQuote, labels?: FactLabels): string {
  const parts: string[] = [];
  if (quote.source === 'local') parts.push('free (local)');
  else if (quote.prices)
    parts.push(
      `${formatPerMillion(quote.prices.input)} in · ${formatPerMillion(quote.prices.output)} out /M${quote.source === 'user' && !labels ? ' (your price)' : ''}${quote.source === 'estimated' && !labels ? ` (estimated from ${quote.estimatedFrom ?? 'a similar model'})` : ''}${quote.tiered ? ' (more past long prompts)' : ''}`,
    );
  else parts.push('price unknown');
  if (model.contextWindow)
    parts.push(
      model.maxContextWindow !== undefined && model.maxContextWindow > model.contextWindow
        ? `${contextWindowText(model.contextWindow, model.maxContextWindow, model.loaded)} context`
        : `${Math.round(model.contextWindow / 1000)}k context`,
    );
  const capabilities = Object.entries(model.capabilities ?? {})
    .filter(([, on]) => on)
    .map(([name]) => name);
  if (capabilities.length > 0) parts.push(capabilities.join(', '));
  const price = quote.source === 'local' ? undefined : labels?.price;
  const context = model.contextWindow ? labels?.context : undefined;
  if (price && context && price !== context) parts.push(`price ${price}; context ${context}`);
  else if (price ?? context) parts.push((price ?? context)!);
  return parts.join(' · ');
}

/**
 * A model's row from its facts (the same ones the panel, the model picker and routing use): the
 * price, the context window (marked assumed when nobody knows it) and capabilities; with `dates`,
 * where each came from and of when. `listed`: the model as its provider's list gave it (a local
 * server's loaded context beside the most the model takes).
 */
export function describeFacts(facts: ModelFacts, dates?: FactDates, listed?: ModelInfo): string {
  const known = facts.contextWindow.source !== 'default';
  const fromList = facts.contextWindow.source === 'provider';
  const text = describeModel(
    {
      id: '',
      contextWindow: facts.contextWindow.value,
      ...(fromList && listed?.maxContextWindow !== undefined ? { maxContextWindow: listed.maxContextWindow } : {}),
      ...(fromList && listed?.loaded !== undefined ? { loaded: listed.loaded } : {}),
      ...(facts.capabilities.source !== 'default' ? { capabilities: facts.capabilities.value } : {}),
    },
    facts.price,
    dates && {
      price: factLabel('price', facts.price.source, dates, facts.price.estimatedFrom),
      // "(assumed)" already follows the window.
      context: known ? factLabel('contextWindow', facts.contextWindow.source, dates) : undefined,
    },
  );
  return known ? text : text.replace(/(\d+k context)/, '$1 (assumed)');
}

/**
 * Models across every enabled provider, each row with its prices and context window. Rows fill in
 * as each provider's model list arrives; a provider that fails says why. One model, or several
 * with `canPickMany` (then `selected` are ticked as they appear).
 */
async function pickModels(
  { registry, log, dialogs, prices, changes }: PickerDeps,
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
  // This opening of the picker: what changed since the last look is marked here, once.
  const viewId = `picker-${randomUUID()}`;
  for (const entry of providers) {
    void registry
      .refreshModels(entry.id, { signal: controller.signal })
      .then(async (models) => {
        const dates: FactDates = {
          providerName: entry.name,
          ...(registry.modelList(entry.id) ? { listedAt: registry.modelList(entry.id)!.at } : {}),
          priceDataDate: prices.state.date,
        };
        const marks = await changes.take(viewId, entry.id);
        const rows = await Promise.all(
          models.map(async (model): Promise<ModelItem> => {
            // The same facts as the panel, routing and budgets: the user's values, the provider's list, the catalog.
            const facts = await registry.modelFacts(entry.id, model.id, model);
            const isDefault = registry.defaultProvider() === entry.id && entry.defaultModel === model.id;
            const mark = marks.get(model.id);
            return {
              label: `${isDefault ? '$(check) ' : ''}${mark?.kind === 'new' ? '$(sparkle) ' : ''}${model.name ?? model.id}`,
              description: `${mark ? `${mark.text} · ` : ''}${describeFacts(facts, dates, model)}`,
              detail: model.name ? model.id : undefined,
              providerId: entry.id,
              modelId: model.id,
            };
          }),
        );
        // Models the provider no longer lists, named once so the user knows where they went.
        const gone: ModelItem[] = [...marks]
          .filter(([, mark]) => mark.kind === 'gone')
          .map(([modelId]) => ({ label: `$(circle-slash) ${modelId}`, description: 'gone: no longer listed' }));
        sections.set(entry.id, [
          { label: entry.name, kind: vscode.QuickPickItemKind.Separator },
          ...(rows.length > 0 ? rows : [{ label: 'No models listed' }]),
          ...gone,
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

/**
 * Picks the default model across every enabled provider (or takes `picked`), says what it does to
 * the cost of a typical answer, and asks first when it multiplies that beyond the cost ratio.
 * `ask` false: a scripted change (another extension, a test's setup) is made without a question.
 */
export async function selectDefaultModel(
  { registry, models, dialogs }: Pick<Services, 'registry' | 'models' | 'dialogs'>,
  options: { picked?: ModelRef; ask?: boolean } = {},
): Promise<ModelRef | undefined> {
  const picked = options.picked ?? ((await models.pick({ title: 'Default model' })) ?? [])[0];
  if (!picked) return undefined;
  const provider = registry.defaultProvider();
  const model = registry.defaultModel();
  const answer =
    options.ask === false
      ? { proceed: true }
      : await models.confirmChange(picked, {
          from: provider && model ? { providerId: provider, modelId: model } : undefined,
          what: 'your default model',
          action: 'Make Default',
        });
  if (!answer.proceed) return undefined;
  if (!options.picked) await models.remember(picked);
  await registry.setDefault(picked.providerId, picked.modelId);
  if (answer.note)
    void dialogs.info(
      `Your default model is now ${registry.get(picked.providerId)?.name ?? picked.providerId} ${picked.modelId}. ${answer.note}`,
    );
  return picked;
}

/** What the model picker reads: the models and their facts, the price data's date, what changed, and the cost of a change. */
export interface PickerDeps {
  registry: Registry;
  log: Logger;
  dialogs: Dialogs;
  prices: PriceData;
  changes: ModelChanges;
  /** The user's recent requests: the typical size a change of model is priced on. */
  cost: Pick<CostService, 'recentRequests'>;
  /** The fallback cost ratio: a change beyond it is asked about. */
  settings: Pick<Settings, 'current'>;
}

export function createModelPicker(deps: PickerDeps): ModelPicker {
  const { registry } = deps;
  return {
    pick: (options) => pickModels(deps, options),
    remember: (picked) => rememberModel(registry, picked),
    confirmChange: (to, question) => confirmChange(deps, to, question),
    describe: describeModel,
  };
}
