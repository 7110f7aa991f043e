import * as vscode from 'vscode';
import { isValidModelId, type ModelInfo } from '../core';
import { Commands } from '../platform/commands';
import type { LiveItems } from '../platform/dialogs';
import type { Services } from '../services';
import { describeFacts, selectDefaultModel } from './modelPicker';

interface ChoiceItem extends vscode.QuickPickItem {
  modelId?: string;
  /** The row that opens the box for an id the provider does not list. */
  typeOne?: boolean;
}

export const TYPE_MODEL_LABEL = '$(edit) Type a model ID that is not listed';

/** What the model step ended with: the ids chosen (saved), and whether the provider listed its models. */
export interface ModelChoice {
  chosen: string[];
  listed: boolean;
}

/**
 * The model step every way of adding a provider ends with (and Edit Provider → Models): the
 * provider's listed models in one multi-select quick pick, each row with its price and context
 * window from the registry's model facts; or, for an endpoint without a model list, model ids
 * typed one by one, each checked with a one-token request (the connection test's chat stage).
 * Saves the choice; the user's global default model moves only when there is none yet.
 * Undefined: the user closed it, nothing changed.
 */
export async function chooseModels(services: Services, providerId: string): Promise<ModelChoice | undefined> {
  const { registry, dialogs, log, prices } = services;
  const entry = registry.get(providerId);
  if (!entry || entry.readOnly) return undefined;
  const listing = await dialogs.progress<{ models: ModelInfo[] } | { error: string }>(
    `Listing the models of ${entry.name}`,
    true,
    async (_progress, signal) => {
      try {
        return { models: await registry.refreshModels(entry.id, { signal }) };
      } catch (error) {
        if (signal.aborted) return { error: 'cancelled' };
        log.warn(`could not list the models of ${entry.id}`, error);
        return { error: error instanceof Error ? error.message : String(error) };
      }
    },
  );
  // Cancelled while listing: the provider stays as it was.
  if ('error' in listing && listing.error === 'cancelled') return undefined;
  const listed: ModelInfo[] = 'models' in listing ? listing.models : [];
  const before = [...new Set([...(entry.defaultModel ? [entry.defaultModel] : []), ...entry.models.map((m) => m.id)])];
  let chosen: string[];
  if (listed.length === 0) {
    const reason = 'error' in listing ? listing.error : 'it lists no models';
    const typed = await typeModelIds(services, entry.id, reason);
    if (typed.length === 0) return undefined;
    chosen = [...before, ...typed];
  } else {
    const listedAt = registry.modelList(entry.id)?.at;
    const dates = {
      providerName: entry.name,
      ...(listedAt !== undefined ? { listedAt } : {}),
      priceDataDate: prices.state.date,
    };
    // The models chosen before stay on offer (an id typed earlier is not in the list).
    const rows = await Promise.all(
      [
        ...listed.map((model) => ({ id: model.id, listed: model })),
        ...before.filter((id) => !listed.some((model) => model.id === id)).map((id) => ({ id, listed: undefined })),
      ].map(async ({ id, listed: model }): Promise<ChoiceItem> => {
        const facts = await registry.modelFacts(entry.id, id, model);
        return {
          label: id,
          description: describeFacts(facts, dates, model),
          ...(facts.name.value !== id ? { detail: facts.name.value } : {}),
          modelId: id,
        };
      }),
    );
    const items: ChoiceItem[] = [{ label: TYPE_MODEL_LABEL, typeOne: true, alwaysShow: true }, ...rows];
    const never = new vscode.EventEmitter<void>();
    const live: LiveItems<ChoiceItem> = {
      items,
      selected: rows.filter((row) => row.modelId && before.includes(row.modelId)),
      busy: false,
      onDidChange: never.event,
    };
    const picked = await dialogs.livePick(live, {
      title: `${entry.name}: choose models`,
      placeholder: 'Tick the models to use (in VS Code’s model picker, @switchboard and the fallback chain)',
      matchOnDescription: true,
      canPickMany: true,
      accepts: (selected) => selected.length > 0,
    });
    never.dispose();
    if (!picked) return undefined;
    const typed = picked.some((item) => item.typeOne) ? await typeModelIds(services, entry.id) : [];
    chosen = [...picked.flatMap((item) => (item.modelId ? [item.modelId] : [])), ...typed];
    if (chosen.length === 0) return undefined;
  }
  await saveChoice(services, entry.id, [...new Set(chosen)]);
  return { chosen: [...new Set(chosen)], listed: listed.length > 0 };
}

/** Saves the chosen models (keeping the user's own values for those kept); the global default moves only for the first provider. */
async function saveChoice({ registry }: Services, providerId: string, chosen: string[]): Promise<void> {
  const entry = registry.get(providerId);
  if (!entry) return;
  const before = { provider: registry.defaultProvider(), model: registry.defaultModel() };
  const defaultModel = entry.defaultModel && chosen.includes(entry.defaultModel) ? entry.defaultModel : chosen[0];
  // Only the first provider's model becomes the default; announceChoice offers it for any later one.
  const adopted = defaultModel !== undefined && (await registry.adoptDefault(entry.id, defaultModel));
  await registry.update(entry.id, {
    models: chosen.map((id) => entry.models.find((model) => model.id === id) ?? { id }),
    defaultModel,
  });
  // The provider's own default is the global one when no model was pinned: put it back as it was.
  if (!adopted && before.provider && registry.defaultModel() !== before.model)
    await registry.setDefault(before.provider, before.model);
}

/**
 * Model ids typed by hand, each checked with a one-token request before it is kept; one that fails
 * is kept only when the user insists (Save Anyway). Ends when the user closes the box.
 */
async function typeModelIds(
  { registry, dialogs, cost, log }: Services,
  providerId: string,
  reason?: string,
): Promise<string[]> {
  const name = registry.get(providerId)?.name ?? providerId;
  const typed: string[] = [];
  let last: string | undefined;
  for (;;) {
    const value = await dialogs.input({
      title: typed.length === 0 && last === undefined ? `${name}: model ID` : `${name}: another model ID`,
      prompt:
        last !== undefined
          ? `${last} Type another model ID, or press Escape when done.`
          : `${reason ? `${name} does not list its models (${reason.replace(/\.$/, '')}). ` : ''}Type the ID of a model it serves: a one-token request checks it.`,
      placeHolder: 'e.g. gpt-4o',
      ignoreFocusOut: true,
      validateInput: (input) => {
        const id = input.trim();
        if (!id) return 'Enter a model ID.';
        if (!isValidModelId(id)) return 'A model ID has no control characters and is at most 256 characters long.';
        return typed.includes(id) ? `${id} is added already.` : undefined;
      },
    });
    if (value === undefined) break;
    const model = value.trim();
    const check = await dialogs.progress(`Checking ${model} on ${name} with a one-token request`, true, (_p, signal) =>
      registry.checkModel(providerId, model, {
        signal,
        // A real request: it counts against budgets and is recorded, like the connection test's.
        wrapChat: (provider) => cost.meter(provider, providerId, 'connection-test'),
      }),
    );
    log.info(`model check of ${providerId}/${model}: ${check.ok ? 'answered' : check.stage.message}`);
    if (check.ok) {
      typed.push(model);
      last = `${model} answered.`;
    } else if (
      await dialogs.confirm(
        `${model} did not answer: ${check.stage.message}`,
        'Save Anyway',
        'Saved anyway, requests to it fail the same way until the provider serves it.',
      )
    ) {
      typed.push(model);
      last = `${model} saved without a check.`;
    } else last = `${model} was not saved.`;
  }
  return typed;
}

/** What the user sees at the end of adding a provider: its models and the default, or how to choose them later. */
export async function announceChoice(
  services: Services,
  providerId: string,
  choice: ModelChoice | undefined,
): Promise<void> {
  const { registry, dialogs } = services;
  const entry = registry.get(providerId);
  if (!entry) return;
  if (!choice) {
    const answer = await dialogs.info(
      `Added ${entry.name} without models: it is not in VS Code's model picker or the fallback chain yet. Choose them any time with Switchboard: Edit Provider → Models.`,
      'Choose Models',
    );
    if (answer === 'Choose Models')
      await announceChoice(services, providerId, await chooseModels(services, providerId));
    return;
  }
  const models = choice.chosen.length > 3 ? `${choice.chosen.length} models` : choice.chosen.join(', ');
  const isDefault = registry.defaultProvider() === entry.id && registry.defaultModel() === entry.defaultModel;
  // Typed models were each checked already; a provider without a list always fails the test's model stage.
  const actions = [...(choice.listed ? ['Test Connection'] : []), ...(isDefault ? [] : ['Make Default'])];
  const answer = await dialogs.info(
    isDefault
      ? `${entry.name} is ready with ${models}; ${entry.defaultModel} is your default model.`
      : `${entry.name} is ready with ${models}, in VS Code's model picker and for the fallback chain.${entry.defaultModel ? ` Make ${entry.name} · ${entry.defaultModel} the default model?` : ''} Your default model stays ${registry.defaultModel() ?? 'unset'} unless you do.`,
    ...actions,
  );
  if (answer === 'Test Connection')
    await vscode.commands.executeCommand(Commands.testConnection, { providerId: entry.id, announce: true });
  else if (answer === 'Make Default' && entry.defaultModel)
    await selectDefaultModel(services, { picked: { providerId: entry.id, modelId: entry.defaultModel } });
}
