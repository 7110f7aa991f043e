import * as vscode from 'vscode';
import {
  findTemplate,
  formatUsd,
  modelKey,
  recommend,
  requestsPerDay,
  typicalRequest,
  type Candidate,
  type ModelRef,
  type RankedModel,
  type Recommendation,
  type RecommendBudget,
  type TaskKind,
} from '../core';
import { LANGUAGE_MODEL_VENDOR } from '../platform/commandIds';
import type { Services } from '../services';
import { selectDefaultModel } from './modelPicker';

const TASKS: Array<vscode.QuickPickItem & { task: TaskKind }> = [
  { label: 'Chat', detail: 'Questions and explanations: the strongest model your budget buys', task: 'chat' },
  { label: 'Code', detail: 'Agents and edits: takes tools, reasoning preferred', task: 'code' },
  { label: 'Long context', detail: 'Whole files and long documents: the largest context window', task: 'long-context' },
  { label: 'Cheapest', detail: 'The lowest price per request', task: 'cheapest' },
];

const PERIODS: Array<vscode.QuickPickItem & { per: RecommendBudget['per'] }> = [
  { label: 'Per request', per: 'request' },
  { label: 'Per day', per: 'day' },
];

/** How many past days the requests of a day are averaged over. */
const DAYS_OF_HISTORY = 14;

/** What the command was given: the task and budget (each asked when absent). */
export interface RecommendArgs {
  task?: TaskKind;
  budget?: RecommendBudget;
}

/** What it ended with: the recommendation, and the model the user took and what for. */
export interface RecommendResult {
  recommendation: Recommendation;
  chosen?: ModelRef;
  use?: 'default' | 'chat';
}

/**
 * "Recommend a Model": for a kind of task and a budget per request or per day, ranks the user's
 * available models (enabled providers with a key, or none needed; their default and chosen models)
 * by their facts and prices for a typical request of this user, explains the pick and what the
 * runner-up costs, and offers to make it the default model or use it in chat.
 */
export async function recommendModel(
  services: Services,
  args: RecommendArgs = {},
): Promise<RecommendResult | undefined> {
  const { dialogs, cost } = services;
  const task = args.task ?? (await dialogs.pick(TASKS, { title: 'Recommend a model: for what?' }))?.task;
  if (!task) return undefined;
  const budget = args.budget ?? (await askBudget(services));
  if (!budget) return undefined;
  const candidates = await availableModels(services);
  if (candidates.length === 0) {
    void dialogs.info('Switchboard: no models to recommend yet. Add a provider with its key and choose its models.');
    return undefined;
  }
  const now = Date.now();
  const dailyCounts = [...cost.totals(now - DAYS_OF_HISTORY * 86_400_000, now, 'day').values()].map(
    (totals) => totals.requests,
  );
  const recommendation = recommend(candidates, {
    task,
    budget,
    typical: typicalRequest(await cost.recentRequests()),
    perDay: requestsPerDay(dailyCounts),
  });
  const [pick] = recommendation.ranked;
  if (!pick) {
    void dialogs.warn(`Switchboard: ${recommendation.explanation}`);
    return { recommendation };
  }
  type Row = vscode.QuickPickItem & { model: RankedModel };
  const rows: Row[] = recommendation.ranked.map((model, index) => ({
    label: `${index === 0 ? '$(star-full) ' : ''}${model.candidate.providerName} ${model.candidate.modelId}`,
    description: describeRanked(model),
    ...(index === 0 ? { detail: recommendation.explanation } : {}),
    model,
  }));
  const chosen = (
    await dialogs.pick(rows, {
      title: `Recommended for ${TASKS.find((item) => item.task === task)!.label.toLowerCase()}, best first`,
      placeHolder: 'Pick a model to make it your default or use it in chat',
      matchOnDescription: true,
      matchOnDetail: true,
    })
  )?.model.candidate;
  if (!chosen) return { recommendation };
  const ref = { providerId: chosen.providerId, modelId: chosen.modelId };
  const name = `${chosen.providerName} ${chosen.modelId}`;
  const use = await dialogs.pick(
    [
      { label: 'Make it the default model', use: 'default' as const },
      { label: 'Use it in chat', use: 'chat' as const },
    ],
    { title: `${name}: use it how?` },
  );
  if (!use) return { recommendation, chosen: ref };
  if (use.use === 'default') {
    if (!(await selectDefaultModel(services, { picked: ref }))) return { recommendation, chosen: ref };
  } else
    await vscode.commands.executeCommand('workbench.action.chat.open', {
      query: '@switchboard ',
      isPartialQuery: true,
      modelSelector: { vendor: LANGUAGE_MODEL_VENDOR, id: modelKey(ref) },
    });
  return { recommendation, chosen: ref, use: use.use };
}

/** "about $0.0006 per request · 128k context · tools, reasoning". */
function describeRanked({ candidate, usdPerRequest }: RankedModel): string {
  const { facts } = candidate;
  const traits = (['tools', 'vision', 'reasoning'] as const).filter((trait) => facts.capabilities.value[trait]);
  return [
    usdPerRequest === 0 ? 'free' : `about ${formatUsd(usdPerRequest)} per request`,
    `${Math.round(facts.contextWindow.value / 1000)}k context`,
    ...(traits.length > 0 ? [traits.join(', ')] : []),
  ].join(' · ');
}

async function askBudget({ dialogs }: Services): Promise<RecommendBudget | undefined> {
  const per = (await dialogs.pick(PERIODS, { title: 'Recommend a model: budget per…' }))?.per;
  if (!per) return undefined;
  const amount = await dialogs.input({
    title: `Recommend a model: budget per ${per} (US dollars)`,
    prompt: per === 'day' ? 'Spread over the requests you make on a day of use.' : 'What one answer may cost.',
    placeHolder: per === 'day' ? 'e.g. 2' : 'e.g. 0.05',
    validateInput: (value) => (Number(value.replace(/^\$/, '')) > 0 ? undefined : 'Enter an amount above 0.'),
  });
  if (amount === undefined) return undefined;
  return { per, usd: Number(amount.replace(/^\$/, '')) };
}

/** The user's models that can be asked now: enabled providers with a key (or needing none), their default and chosen models. */
async function availableModels({ registry }: Services): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (const entry of registry.list().filter((item) => item.enabled)) {
    const template = findTemplate(entry.template ?? '');
    if (template?.key === 'required' || !template) {
      // A key saved for another origin is never sent: as good as none.
      const key = await registry.keyState(entry.id);
      if (!(key.hasKey && key.origin === new URL(entry.baseUrl).origin)) continue;
    }
    const ids = new Set([
      ...(entry.defaultModel ? [entry.defaultModel] : []),
      ...entry.models.map((model) => model.id),
    ]);
    for (const modelId of ids)
      candidates.push({
        providerId: entry.id,
        providerName: entry.name,
        modelId,
        facts: await registry.modelFacts(entry.id, modelId),
      });
  }
  return candidates;
}
