import type * as vscode from 'vscode';
import {
  formatPerMillion,
  modelKey,
  parseModelKey,
  sameModel,
  type FallbackStep,
  type ModelRef,
  type Registry,
} from '../core';
import { abortSignalFor } from '../platform/cancellation';
import type { Services } from '../services';
import { escapeMarkdown, type SwitchboardChatMetadata } from './metadata';

/** "OpenAI gpt-4o": a step as the user knows it. */
export const stepName = (registry: Registry, step: FallbackStep) =>
  `${registry.get(step.provider)?.name ?? step.provider} ${step.model}`;

/** Every enabled provider's default and chosen models: what commands can name without a network call. */
export function enabledModels(registry: Registry): ModelRef[] {
  return registry
    .list()
    .filter((entry) => entry.enabled)
    .flatMap((entry) =>
      [
        ...new Set([...(entry.defaultModel ? [entry.defaultModel] : []), ...entry.models.map((chosen) => chosen.id)]),
      ].map((modelId) => ({ providerId: entry.id, modelId })),
    );
}

/**
 * The models each word names (`model` or `provider/model`): Switchboard's chosen models and chain
 * first, then, for a word those do not name, each enabled provider's own list.
 */
export async function resolveModels(
  { registry, routing }: Services,
  words: string[],
  signal: AbortSignal,
): Promise<ModelRef[][]> {
  const chain = routing.steps().map((step) => ({ providerId: step.provider, modelId: step.model }));
  const known = [...enabledModels(registry), ...chain].filter(
    (model, index, all) => all.findIndex((other) => sameModel(other, model)) === index,
  );
  const matching = (models: ModelRef[], word: string) =>
    models.filter((model) => modelKey(model) === word || model.modelId === word);
  let listed: ModelRef[] | undefined;
  const results: ModelRef[][] = [];
  for (const word of words) {
    let found = matching(known, word);
    if (found.length === 0) {
      listed ??= (
        await Promise.allSettled(
          registry
            .list()
            .filter((entry) => entry.enabled)
            .map(async (entry) =>
              (await registry.refreshModels(entry.id, { signal })).map((model) => ({
                providerId: entry.id,
                modelId: model.id,
              })),
            ),
        )
      ).flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
      found = matching(listed, word);
    }
    results.push(found);
  }
  return results;
}

/** `/model [name]`: the model this conversation continues on, named or picked with prices and context. */
export async function chooseModel(
  services: Services,
  request: vscode.ChatRequest,
  stream: vscode.ChatResponseStream,
  keep: SwitchboardChatMetadata,
  token: vscode.CancellationToken,
): Promise<vscode.ChatResult> {
  const { registry, routing, models } = services;
  const wanted = request.prompt.trim();
  const cancellation = abortSignalFor(token);
  let picked: ModelRef | undefined;
  try {
    const [matches = []] = wanted ? await resolveModels(services, [wanted], cancellation.signal) : [];
    picked = matches.length === 1 ? matches[0] : undefined;
    if (!picked) {
      const title = wanted
        ? `Model for this conversation ("${wanted}" matches ${matches.length === 0 ? 'none' : 'several'})`
        : 'Model for this conversation';
      [picked] = (await models.pick({ title, signal: cancellation.signal })) ?? [];
    }
  } finally {
    cancellation.dispose();
  }
  const current =
    keep.providerId && keep.model
      ? escapeMarkdown(stepName(registry, { provider: keep.providerId, model: keep.model }))
      : 'the default model';
  if (!picked) {
    stream.markdown(`No change: this conversation stays on ${current}.`);
    return { metadata: { ...keep, command: 'model' } };
  }
  // What the change does to the cost of a typical answer; asked first when it multiplies it beyond the cost ratio.
  const change = await models.confirmChange(picked, {
    from: conversationModel(registry, keep),
    what: 'the model of this conversation',
    action: 'Switch Model',
  });
  if (!change.proceed) {
    stream.markdown(`No change: this conversation stays on ${current}.`);
    return { metadata: { ...keep, command: 'model' } };
  }
  await models.remember(picked);
  const step = { provider: picked.providerId, model: picked.modelId };
  // The one source of prices: the user's, the provider's own list, the catalog (as budgets count it).
  const [limits, { price: quote }] = await Promise.all([
    routing.limits(step),
    registry.modelFacts(picked.providerId, picked.modelId),
  ]);
  const price =
    quote.source === 'local'
      ? 'free (local)'
      : quote.prices
        ? `${formatPerMillion(quote.prices.input)} in · ${formatPerMillion(quote.prices.output)} out per million tokens`
        : 'price unknown';
  const window = `${limits.known ? '' : 'about '}${Math.round(limits.contextWindow / 1000)}k context`;
  stream.markdown(
    `This conversation now continues on **${escapeMarkdown(stepName(registry, step))}** (${price}, ${window}).${change.note ? ` ${escapeMarkdown(change.note)}` : ''} New conversations start on the model picked in the chat's model picker, or the default.`,
  );
  return { metadata: { ...keep, providerId: picked.providerId, model: picked.modelId, command: 'model' } };
}

/** The model this conversation is on before `/model`: the last to answer or chosen, else VS Code's picker, else the default. */
function conversationModel(registry: Registry, keep: SwitchboardChatMetadata): ModelRef | undefined {
  if (keep.providerId && keep.model) return { providerId: keep.providerId, modelId: keep.model };
  const picker = keep.picker ? parseModelKey(keep.picker) : undefined;
  if (picker) return picker;
  const provider = registry.defaultProvider();
  const model = registry.defaultModel();
  return provider && model ? { providerId: provider, modelId: model } : undefined;
}
