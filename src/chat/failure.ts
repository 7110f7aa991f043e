import type { ChatResponseStream, Command } from 'vscode';
import {
  describeError,
  findTemplate,
  GATEWAY_BUDGET_PREFIX,
  isLocalProvider,
  modelKey,
  RouteError,
  SKIP_WORDS,
  TEAM_BUDGET_PREFIX,
  TOKEN_CAP_CODE,
  TRANSIENT_KINDS,
  type FallbackStep,
  type ModelRef,
  type ProviderError,
  type RouteEvent,
} from '../core';
import { Commands } from '../platform/commandIds';
import type { Services } from '../services';
import { escapeMarkdown } from './metadata';
import { enabledModels } from './model';

/** "rate limited (429)". */
export const failedWith = (error: ProviderError) =>
  `${describeError(error.kind)}${error.status ? ` (${error.status})` : ''}`;

/** What a failure says in chat: one model's own sentence, or what happened to each model and what to do. */
export function plainError(error: unknown): string {
  const route = routeError(error);
  if (!route || route.failures.length + route.skipped.length < 2)
    return error instanceof Error ? error.message : String(error);
  return `${eachModel(route)}${hintFor(route)}`;
}

/** "No model could answer: OpenAI gpt-4o invalid key (401); Anthropic … skipped (…)." */
function eachModel(error: RouteError): string {
  const each = [
    ...error.failures.map(
      ({ target, error: failure }) => `${target.providerName} ${target.model} ${failedWith(failure)}`,
    ),
    ...error.skipped.map(
      ({ target, reason }) => `${target.providerName} ${target.model} skipped (${SKIP_WORDS[reason]})`,
    ),
  ];
  return `No model could answer: ${each.join('; ')}.`;
}

function hintFor(error: RouteError): string {
  const kinds = new Set(error.failures.map((failure) => failure.error.kind));
  return kinds.has('invalid_credentials')
    ? ' Check the key.'
    : [...kinds].every((kind) => TRANSIENT_KINDS.has(kind)) && kinds.size > 0
      ? ' Try again shortly.'
      : '';
}

/** A route error read by its fields: one made by another copy of the core (a test's bundle) fails `instanceof`. */
function routeError(error: unknown): RouteError | undefined {
  if (error instanceof RouteError) return error;
  const fields = error as { failures?: unknown; skipped?: unknown } | undefined;
  return error instanceof Error && Array.isArray(fields?.failures) && Array.isArray(fields.skipped)
    ? (error as RouteError)
    : undefined;
}

/** The plain sentence is VS Code's error text; the buttons are what fixes it. */
export function offerFix(stream: Pick<ChatResponseStream, 'button'>, error: unknown): void {
  const failures = routeError(error)?.failures ?? [];
  const refused = failures.find((failure) => failure.error.kind === 'invalid_credentials');
  const kind = error instanceof Error && 'kind' in error ? (error as ProviderError).kind : undefined;
  const last = failures.at(-1)?.target;
  // A budget needed a price nobody knows: setting it is the fix.
  const unpriced = failures.find((failure) => failure.error.code === 'budget_unknown_price')?.target;
  if (unpriced)
    stream.button({
      command: Commands.setModelPrice,
      title: 'Set Model Price',
      arguments: [{ providerId: unpriced.providerId, modelId: unpriced.model }],
    });
  else if (refused)
    stream.button({
      command: Commands.setApiKey,
      title: 'Set API Key',
      arguments: [{ providerId: refused.target.providerId }],
    });
  else if (failures.some((failure) => failure.error.code === TOKEN_CAP_CODE)) {
    // A token cap is set with the budgets, in the panel: not a setting the budgets' editor shows.
    stream.button({ command: Commands.openPanel, title: 'Change Token Caps', arguments: [{ section: 'budgets' }] });
  } else if (kind === 'quota_exceeded' && failures.some(isBudget)) {
    const budgetIds = failures.filter(isBudget).map((failure) => failure.error.budgetId ?? '');
    // A team gateway's remaining credit: read it again (a teammate's top-up, a new period).
    const gateway = budgetIds.find((id) => id.startsWith(GATEWAY_BUDGET_PREFIX));
    if (gateway)
      stream.button({
        command: Commands.refreshGateway,
        title: 'Refresh Team Gateway',
        arguments: [{ providerId: gateway.slice(GATEWAY_BUDGET_PREFIX.length) }],
      });
    // The user's own budgets; a team's (from the workspace file) is not theirs to change.
    if (budgetIds.some((id) => !id.startsWith(GATEWAY_BUDGET_PREFIX) && !id.startsWith(TEAM_BUDGET_PREFIX)))
      stream.button({
        command: 'workbench.action.openSettings',
        title: 'Change Budgets',
        arguments: ['switchboard.budgets'],
      });
  } else if (kind === 'model_not_found') {
    stream.button({
      command: 'workbench.action.chat.open',
      title: 'Choose Another Model',
      arguments: [{ query: '@switchboard /model ', isPartialQuery: true }],
    });
  } else if ((kind === 'network' || kind === 'timeout') && last) {
    stream.button({
      command: Commands.testConnection,
      title: 'Test Connection',
      arguments: [{ providerId: last.providerId, announce: true }],
    });
  } else if (kind === 'quota_exceeded') stream.button({ command: Commands.openPanel, title: 'Manage Providers' });
  if (!refused && kind !== 'cancelled')
    stream.button({ command: Commands.editFallbackChain, title: 'Edit Fallback Chain' });
}

/** After a failure: the model the follow-up offers (the next one not tried, or one that failed for a passing reason). */
export function retryTarget(error: unknown, steps: FallbackStep[], others: ModelRef[]): FallbackStep | undefined {
  const route = routeError(error);
  if (!route) return undefined;
  if (route.partial?.remaining[0])
    return { provider: route.partial.remaining[0].providerId, model: route.partial.remaining[0].model };
  const untried = untriedSteps(route, steps, others)[0];
  if (untried) return untried;
  // Every model was tried: the first one that failed for a passing reason, as the user chose it first.
  const passing = route.failures.find((failure) => TRANSIENT_KINDS.has(failure.error.kind));
  return passing ? { provider: passing.target.providerId, model: passing.target.model } : undefined;
}

/** The chain's steps, then the other enabled models, that the route neither tried nor skipped. */
function untriedSteps(error: RouteError, steps: FallbackStep[], others: ModelRef[]): FallbackStep[] {
  const tried = new Set([
    ...error.failures.map((failure) => `${failure.target.providerId}/${failure.target.model}`),
    ...error.skipped.map((skip) => `${skip.target.providerId}/${skip.target.model}`),
  ]);
  return [...steps, ...others.map((model) => ({ provider: model.providerId, model: model.modelId }))].filter(
    (step, index, all) =>
      !tried.has(`${step.provider}/${step.model}`) &&
      all.findIndex((other) => other.provider === step.provider && other.model === step.model) === index,
  );
}

type RouteFailure = RouteError['failures'][number];
type RouteWait = Extract<RouteEvent, { type: 'route-wait' }>;
type Button = Command;

/** What chat shows after a failure: the sentence, and the model a "Retry on…" follow-up offers. */
export interface Explained {
  message: string;
  retry?: FallbackStep;
}

/**
 * After a failure: one sentence that says what to do, with the buttons that do it (Set API Key, a
 * switch to the closest model the provider has, its billing page, Retry), and the model the follow-up
 * offers; after a budget's refusal, only a cheaper model or none.
 */
export async function explainFailure(
  services: Pick<Services, 'registry'>,
  stream: Pick<ChatResponseStream, 'button'>,
  error: unknown,
  turn: { prompt: string; steps: FallbackStep[] },
): Promise<Explained> {
  const route = routeError(error);
  const first = route?.failures[0];
  const action = first && !isBudget(first) ? await actionFor(services, first, turn.prompt) : undefined;
  if (action) {
    for (const button of action.buttons) stream.button(button);
    if (first?.error.kind !== 'invalid_credentials')
      stream.button({ command: Commands.editFallbackChain, title: 'Edit Fallback Chain' });
  } else offerFix(stream, error);
  const several = route !== undefined && route.failures.length + route.skipped.length > 1;
  const message = action ? (several ? `${eachModel(route)} ${action.sentence}` : action.sentence) : plainError(error);
  const retry = route ? await retryStep(services, route, turn.steps, action?.alternative) : undefined;
  return { message, ...(retry ? { retry } : {}) };
}

const isBudget = (failure: RouteFailure) => failure.error.code?.startsWith('budget_') === true;

interface Action {
  sentence: string;
  buttons: Button[];
  /** The model that failed for lack of it was replaced by this one of the same provider. */
  alternative?: FallbackStep;
}

/** The sentence and buttons for the failure of the model the user asked for, where its kind has a fix. */
async function actionFor(
  { registry }: Pick<Services, 'registry'>,
  { target, error }: RouteFailure,
  prompt: string,
): Promise<Action | undefined> {
  const provider = target.providerName;
  const entry = registry.get(target.providerId);
  // The same question again, on the same model: what Retry means after a passing failure.
  const retry: Button = {
    command: 'workbench.action.chat.open',
    title: 'Retry',
    arguments: [{ query: `@switchboard ${prompt}` }],
  };
  switch (error.kind) {
    case 'invalid_credentials':
      return {
        sentence: `Your ${provider} API key is invalid. Please check and try again.`,
        buttons: [
          { command: Commands.setApiKey, title: 'Set API Key', arguments: [{ providerId: target.providerId }] },
        ],
      };
    case 'rate_limited': {
      const seconds = error.retryAfterMs === undefined ? undefined : Math.ceil(error.retryAfterMs / 1000);
      return {
        sentence: `${provider} rate limit hit. ${seconds ? `Try again in ${plural(seconds, 'second')}.` : 'Try again in a moment.'}`,
        buttons: [retry],
      };
    }
    case 'model_not_found': {
      const name = (await registry.modelFacts(target.providerId, target.model)).name.value;
      const alternative = await closestModel(registry, target.providerId, target.model);
      if (!alternative)
        return {
          sentence: `${name} is unavailable right now. Choose another model.`,
          buttons: [
            {
              command: 'workbench.action.chat.open',
              title: 'Choose Another Model',
              arguments: [{ query: '@switchboard /model ', isPartialQuery: true }],
            },
          ],
        };
      const altName = (await registry.modelFacts(target.providerId, alternative)).name.value;
      return {
        sentence: `${name} is unavailable right now. Try ${altName} instead?`,
        buttons: [
          {
            command: 'workbench.action.chat.open',
            title: `Switch to ${altName}`,
            arguments: [
              { query: `@switchboard /model ${modelKey({ providerId: target.providerId, modelId: alternative })}` },
            ],
          },
        ],
        alternative: { provider: target.providerId, model: alternative },
      };
    }
    case 'quota_exceeded': {
      const other = registry.list().find((candidate) => candidate.enabled && candidate.id !== target.providerId);
      const billing = findTemplate(entry?.template ?? '')?.billingUrl;
      return {
        sentence: `You've hit your ${provider} usage cap. Upgrade your plan${other ? ` or use ${other.name}` : ''}.`,
        buttons: [
          ...(billing ? [{ command: 'vscode.open', title: 'Open Billing Page', arguments: [billing] }] : []),
          { command: Commands.openPanel, title: 'Manage Providers' },
        ],
      };
    }
    case 'network':
    case 'timeout':
      return {
        sentence:
          entry && isLocalProvider(entry)
            ? `Can't reach ${provider}. Check that it is running on this machine.`
            : `Can't reach ${provider}. Check your internet connection.`,
        buttons: [
          retry,
          {
            command: Commands.testConnection,
            title: 'Test Connection',
            arguments: [{ providerId: target.providerId, announce: true }],
          },
        ],
      };
    default:
      return undefined;
  }
}

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;

/** How long a provider's model list may take when a missing model's replacement is looked for. */
const LIST_WAIT_MS = 5_000;

/**
 * The provider's model closest to one it does not serve: among what it lists (else the models chosen
 * for it), the one of the longest shared name (gpt-4o → gpt-4o-mini), then the nearest price.
 */
async function closestModel(registry: Services['registry'], providerId: string, missing: string) {
  const entry = registry.get(providerId);
  if (!entry) return undefined;
  const listed = await registry
    .refreshModels(providerId, { signal: AbortSignal.timeout(LIST_WAIT_MS) })
    .then((models) => models.map((model) => model.id))
    .catch(() => []);
  const chosen = [...(entry.defaultModel ? [entry.defaultModel] : []), ...entry.models.map((model) => model.id)];
  const candidates = [...new Set(listed.length > 0 ? listed : chosen)].filter((id) => id !== missing);
  if (candidates.length === 0) return undefined;
  const price = async (id: string) => priceOf(await registry.modelFacts(providerId, id));
  const missingPrice = await price(missing);
  const ranked = await Promise.all(
    candidates.map(async (id) => {
      const own = await price(id);
      return {
        id,
        shared: sharedPrefix(id.toLowerCase(), missing.toLowerCase()),
        distance:
          own === undefined || missingPrice === undefined
            ? Infinity
            : Math.abs(Math.log((own + 1e-9) / (missingPrice + 1e-9))),
      };
    }),
  );
  ranked.sort((a, b) => b.shared - a.shared || a.distance - b.distance || a.id.localeCompare(b.id));
  return ranked[0]?.id;
}

function sharedPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length++;
  return length;
}

/** Input and output price per million tokens added up; 0 for a local model; undefined when not known. */
function priceOf(facts: Awaited<ReturnType<Services['registry']['modelFacts']>>): number | undefined {
  if (facts.price.source === 'local') return 0;
  const prices = facts.price.prices;
  return prices ? prices.input + prices.output : undefined;
}

/**
 * The follow-up's model: the replacement of a missing model, else the next one not tried. After a
 * budget refused a model, only one known to cost less than every refused one (else none): a budget
 * that said no to gpt-4o-mini is not answered with "Retry on gpt-4o".
 */
async function retryStep(
  { registry }: Pick<Services, 'registry'>,
  route: RouteError,
  steps: FallbackStep[],
  alternative: FallbackStep | undefined,
): Promise<FallbackStep | undefined> {
  const refused = route.failures.filter(isBudget);
  if (refused.length === 0) return alternative ?? retryTarget(route, steps, enabledModels(registry));
  const cost = async (step: FallbackStep) => priceOf(await registry.modelFacts(step.provider, step.model));
  const ceilings = await Promise.all(
    refused.map((failure) => cost({ provider: failure.target.providerId, model: failure.target.model })),
  );
  if (ceilings.some((ceiling) => ceiling === undefined)) return undefined;
  const ceiling = Math.min(...(ceilings as number[]));
  for (const step of untriedSteps(route, steps, enabledModels(registry))) {
    const price = await cost(step);
    if (price !== undefined && price < ceiling) return step;
  }
  return undefined;
}

/**
 * A retry wait in chat, counted down each second ("OpenAI rate limit hit. Retrying in 30 seconds…")
 * until the next event or the end of the wait.
 */
export class WaitCountdown {
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly stream: Pick<ChatResponseStream, 'progress'>) {}

  show(event: RouteWait): void {
    this.stop();
    const ends = Date.now() + event.delayMs;
    const say = () => {
      const left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
      this.stream.progress(escapeMarkdown(waitSentence(event, left)));
      if (left === 0) this.stop();
    };
    say();
    this.#timer = setInterval(say, 1000);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function waitSentence(event: RouteWait, seconds: number): string {
  const name = event.target.providerName;
  const left = plural(seconds, 'second');
  if (event.reason === 'pacing')
    return `${name} has no requests left for now (its rate-limit headers). Waiting ${left}…`;
  if (event.reason.kind === 'rate_limited') return `${name} rate limit hit. Retrying in ${left}…`;
  return `${name}: ${describeError(event.reason.kind)}. Retrying in ${left}…`;
}
