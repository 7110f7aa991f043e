import * as vscode from 'vscode';
import {
  catalogFacts,
  continuationRequest,
  costOf,
  estimateCost,
  findTemplate,
  fitToContext,
  formatUsd as usd,
  localTokenCounter,
  priceOf,
  RouteError,
  SKIP_WORDS,
  TRANSIENT_KINDS,
  type Attachment,
  type ChatMessage,
  type CostEstimate,
  type FallbackStep,
  type FitResult,
  type Logger,
  type ProviderError,
  type Registry,
  type Usage,
} from './core';
import { CHAT_PARTICIPANT_ID, escapeMarkdown, FOOTER_MARK, history, previousTurn, readReferences, REASONING_MARK, type SwitchboardChatMetadata } from './chatContext';
import { Commands } from './platform/commands';
import type { CostHost } from './costHost';
import { LANGUAGE_MODEL_VENDOR } from './languageModels';
import { pickModels, rememberModel, type PickedModel } from './modelPicker';
import { describeSwitch, describeWait, type RoutingHost } from './routingHost';

export { CHAT_PARTICIPANT_ID, type SwitchboardChatMetadata } from './chatContext';

/** Without a known output limit, the answer a request is assumed to reach at most (the budgets' default cap). */
const ASSUMED_MAX_OUTPUT = 16_384;
/** `/cost` prices what it is given up to the largest windows there are (2M tokens); beyond that nothing could take it. */
const COST_WINDOW = 2_000_000;
/** Room kept for the answer when fitting the prompt: the model's output limit, at most a quarter of the window. */
const ANSWER_ROOM = 4096;


/** Every enabled provider's default and chosen models: what commands can name without a network call. */
function enabledModels(registry: Registry): PickedModel[] {
  return registry
    .list()
    .filter((entry) => entry.enabled)
    .flatMap((entry) => [...new Set([...(entry.defaultModel ? [entry.defaultModel] : []), ...entry.models.map((chosen) => chosen.id)])].map((modelId) => ({ providerId: entry.id, modelId })));
}

export interface CostEstimateRow {
  providerId: string;
  providerName: string;
  model: string;
  estimate: CostEstimate;
}

/** What this prompt would cost on each model of each enabled provider, counted locally: nothing is sent. */
export async function costEstimates(registry: Registry, cost: CostHost, messages: ChatMessage[]): Promise<CostEstimateRow[]> {
  const rows: CostEstimateRow[] = [];
  for (const { providerId, modelId: model } of enabledModels(registry)) {
    const entry = registry.get(providerId)!;
    const template = findTemplate(entry.template ?? '');
    const maxOutput = entry.models.find((chosen) => chosen.id === model)?.maxOutputTokens ?? (await catalogFacts(template?.catalogIds ?? [], model)).maxOutputTokens ?? ASSUMED_MAX_OUTPUT;
    const estimate = await estimateCost(cost.pricing(entry.id, model), { model, messages }, entry.type, maxOutput);
    rows.push({ providerId: entry.id, providerName: entry.name, model, estimate });
  }
  return rows;
}

/** "$0.0012 – $0.16", or what is unknown. */
function range(estimate: CostEstimate): string {
  if (estimate.inputUsd === undefined) return 'price unknown';
  return estimate.maxUsd === undefined ? `${usd(estimate.inputUsd)} +` : `${usd(estimate.inputUsd)} – ${usd(estimate.maxUsd)}`;
}

/** "left out: the 4 oldest messages; big.ts cut to 12%; logo.png (not text)" — or nothing. */
function describeLeftOut(fit: FitResult, unreadable: string[], contextWindow: number): string | undefined {
  const parts = [
    ...(fit.droppedMessages > 0 ? [`the ${fit.droppedMessages} oldest message${fit.droppedMessages > 1 ? 's' : ''}`] : []),
    ...fit.shortened.map((item) => (item.keptFraction === 0 ? `${item.label} (no room)` : `${item.label} cut to its first ${Math.max(1, Math.floor(item.keptFraction * 100))}%`)),
  ];
  const fitted = parts.length > 0 ? `to fit the ${Math.round(contextWindow / 1000)}k context: ${parts.join('; ')}` : undefined;
  const skipped = unreadable.length > 0 ? `not text: ${unreadable.join(', ')}` : undefined;
  const all = [fitted, skipped].filter((part) => part !== undefined);
  return all.length > 0 ? `Left out ${all.join('; ')}` : undefined;
}

interface Answered {
  providerId: string;
  providerName: string;
  model: string;
}

interface Outcome {
  answeredBy?: Answered;
  usage?: Usage;
  /** "OpenAI gpt-4o returned 503 (overloaded)", per switch. */
  switches: string[];
  ms: number;
}

const ERROR_WORDS: Partial<Record<ProviderError['kind'], string>> = {
  rate_limited: 'rate limited',
  overloaded: 'overloaded',
  server_error: 'server error',
  network: 'unreachable',
  timeout: 'timed out',
  invalid_credentials: 'key refused',
  quota_exceeded: 'out of quota',
  model_not_found: 'model not found',
};

const failedWith = (error: ProviderError) => `${ERROR_WORDS[error.kind] ?? error.kind.replace(/_/g, ' ')}${error.status ? ` (${error.status})` : ''}`;

/** What a failure says in chat: one model's own sentence, or what happened to each model and what to do. */
export function plainError(error: unknown): string {
  if (!(error instanceof RouteError) || error.failures.length + error.skipped.length < 2) return error instanceof Error ? error.message : String(error);
  const each = [
    ...error.failures.map(({ target, error: failure }) => `${target.providerName} ${target.model} ${failedWith(failure)}`),
    ...error.skipped.map(({ target, reason }) => `${target.providerName} ${target.model} skipped (${SKIP_WORDS[reason]})`),
  ];
  const kinds = new Set(error.failures.map((failure) => failure.error.kind));
  const hint =
    kinds.has('invalid_credentials') ? ' Check the key.'
    : [...kinds].every((kind) => TRANSIENT_KINDS.has(kind)) && kinds.size > 0 ? ' Try again shortly.'
    : '';
  return `No model could answer: ${each.join('; ')}.${hint}`;
}

/**
 * `@switchboard` in VS Code's chat: streams the answer from the conversation's model through the
 * fallback chain and the budgets, says what happened on the way, and ends with a cost footer.
 * Commands: `/model`, `/compare`, `/cost`, `/usage`.
 */
export function registerChatParticipant(extensionUri: vscode.Uri, registry: Registry, routing: RoutingHost, cost: CostHost, log: Logger): vscode.Disposable {
  const name = (step: FallbackStep) => `${registry.get(step.provider)?.name ?? step.provider} ${step.model}`;
  const usable = (step: FallbackStep | undefined) => (step && registry.get(step.provider)?.enabled ? step : undefined);
  /** The models last compared in this window: offered again by the next `/compare`. */
  let lastCompared: PickedModel[] | undefined;

  /**
   * The model a turn starts on: the one a "Retry on…" follow-up names; else VS Code's picker, when
   * it holds a Switchboard model the user picked since the last turn; else the model the
   * conversation is on (the last to answer, or `/model`'s choice); else the picker; else the default.
   */
  function firstStep(request: vscode.ChatRequest, previous: ReturnType<typeof previousTurn>): FallbackStep | undefined {
    const meta = previous?.metadata;
    const pickerId = request.model.vendor === LANGUAGE_MODEL_VENDOR ? request.model.id : undefined;
    const slash = pickerId?.indexOf('/') ?? -1;
    const picker = pickerId && slash > 0 ? { provider: pickerId.slice(0, slash), model: pickerId.slice(slash + 1) } : undefined;
    const retry = meta?.retry && request.prompt === meta.retry.prompt ? usable({ provider: meta.retry.providerId, model: meta.retry.model }) : undefined;
    if (retry) return retry;
    if (picker && pickerId !== meta?.picker) return usable(picker);
    return usable(meta?.providerId && meta.model ? { provider: meta.providerId, model: meta.model } : undefined) ?? usable(picker);
  }

  /**
   * The models each word names (`model` or `provider/model`): Switchboard's chosen models and chain
   * first, then, for a word those do not name, each enabled provider's own list.
   */
  async function resolveModels(words: string[], signal: AbortSignal): Promise<PickedModel[][]> {
    const chain = routing.steps().map((step) => ({ providerId: step.provider, modelId: step.model }));
    const known = [...enabledModels(registry), ...chain].filter((model, index, all) => all.findIndex((other) => other.providerId === model.providerId && other.modelId === model.modelId) === index);
    const matching = (models: PickedModel[], word: string) => models.filter((model) => `${model.providerId}/${model.modelId}` === word || model.modelId === word);
    let listed: PickedModel[] | undefined;
    const results: PickedModel[][] = [];
    for (const word of words) {
      let found = matching(known, word);
      if (found.length === 0) {
        listed ??= (
          await Promise.allSettled(
            registry.list().filter((entry) => entry.enabled).map(async (entry) => (await registry.refreshModels(entry.id, { signal })).map((model) => ({ providerId: entry.id, modelId: model.id }))),
          )
        ).flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
        found = matching(listed, word);
      }
      results.push(found);
    }
    return results;
  }

  /** The conversation's state, carried through turns that do not change it (commands, cancels). */
  const carried = (request: vscode.ChatRequest, previous: ReturnType<typeof previousTurn>): SwitchboardChatMetadata => ({
    ...(previous?.metadata.providerId && previous.metadata.model ? { providerId: previous.metadata.providerId, model: previous.metadata.model } : {}),
    ...(request.model.vendor === LANGUAGE_MODEL_VENDOR ? { picker: request.model.id } : {}),
  });

  /** History, the prompt and the attachments, fitted to `step`'s window. */
  async function fit(step: FallbackStep, conversation: ChatMessage[], prompt: string, attachments: Attachment[], sentAfter: string[] = []) {
    const limits = await routing.limits(step);
    const countTokens = await localTokenCounter();
    // Counts are OpenAI's tokenizer; other families' tokenizers count code higher: keep a margin for them.
    const type = registry.get(step.provider)?.type;
    const margin = type === 'openai' || type === 'azure-openai' ? 0 : Math.floor(limits.contextWindow * 0.15);
    const reserveForAnswer = Math.min(limits.maxOutputTokens ?? ANSWER_ROOM, Math.floor(limits.contextWindow / 4)) + margin + sentAfter.reduce((sum, text) => sum + countTokens(text) + 4, 0);
    const fitted = fitToContext(conversation, prompt, attachments, { contextWindow: limits.contextWindow, reserveForAnswer, countTokens });
    const promptTokens = fitted.messages.reduce((sum, message) => sum + countTokens(typeof message.content === 'string' ? message.content : JSON.stringify(message.content)) + 4, 0);
    return { fitted, promptTokens, contextWindow: limits.contextWindow, maxOutputTokens: limits.maxOutputTokens };
  }

  /** Streams one answer: reasoning as a quote before it, the text as it comes, progress for waits and switches. */
  async function streamAnswer(stream: vscode.ChatResponseStream, messages: ChatMessage[], steps: FallbackStep[], promptTokens: number, signal: AbortSignal, showReasoning = true): Promise<Outcome> {
    const started = Date.now();
    const outcome: Outcome = { switches: [], ms: 0 };
    // A continuation's reasoning would land after the shown part, where the next turn could not cut it.
    let shownText = !showReasoning;
    let inReasoning = false;
    for await (const event of routing.run({ messages }, { surface: 'chat', signal, steps, promptTokens, askAboutKeys: false })) {
      if (event.type === 'reasoning' && !shownText) {
        // Only reasoning before the answer is shown: it is cut from the next turn's context by its mark.
        stream.markdown(`${inReasoning ? '' : REASONING_MARK}${event.text.replace(/\n/g, '\n> ')}`);
        inReasoning = true;
      } else if (event.type === 'text') {
        if (inReasoning) stream.markdown('\n\n');
        inReasoning = false;
        shownText = true;
        stream.markdown(event.text);
      } else if (event.type === 'usage') outcome.usage = event.usage;
      // Progress is Markdown: names and model ids come from configuration and remote servers.
      else if (event.type === 'route-wait') stream.progress(escapeMarkdown(describeWait(event)));
      else if (event.type === 'route-switch') {
        outcome.switches.push(`${escapeMarkdown(name({ provider: event.from.providerId, model: event.from.model }))} ${event.error.status ? `returned ${event.error.status}` : 'failed'} (${ERROR_WORDS[event.error.kind] ?? event.error.kind.replace(/_/g, ' ')})`);
        stream.progress(escapeMarkdown(describeSwitch(event)));
      } else if (event.type === 'route-answering') outcome.answeredBy = { providerId: event.target.providerId, providerName: event.target.providerName, model: event.target.model };
    }
    outcome.ms = Date.now() - started;
    return outcome;
  }

  async function priced(outcome: Outcome): Promise<{ text: string; usd?: number }> {
    if (!outcome.answeredBy || !outcome.usage) return { text: 'no usage reported' };
    const result = await costOf(cost.pricing(outcome.answeredBy.providerId, outcome.answeredBy.model), outcome.answeredBy.model, outcome.usage);
    return { text: result.usd === undefined ? 'price unknown' : `${usd(result.usd)}${result.basis === 'reported' ? ' (reported)' : ''}`, usd: result.usd };
  }

  /** The plain sentence is VS Code's error text; the buttons are what fixes it. */
  function offerFix(stream: vscode.ChatResponseStream, error: unknown): void {
    const failures = error instanceof RouteError ? error.failures : [];
    const refused = failures.find((failure) => failure.error.kind === 'invalid_credentials');
    const kind = error instanceof RouteError || (error instanceof Error && 'kind' in error) ? (error as ProviderError).kind : undefined;
    const last = failures.at(-1)?.target;
    if (refused) stream.button({ command: Commands.setApiKey, title: 'Set API Key', arguments: [{ providerId: refused.target.providerId }] });
    else if (kind === 'quota_exceeded' && failures.some((failure) => failure.error.code?.startsWith('budget_'))) {
      stream.button({ command: 'workbench.action.openSettings', title: 'Change Budgets', arguments: ['switchboard.budgets'] });
    } else if (kind === 'model_not_found') {
      stream.button({ command: 'workbench.action.chat.open', title: 'Choose Another Model', arguments: [{ query: '@switchboard /model ', isPartialQuery: true }] });
    } else if ((kind === 'network' || kind === 'timeout') && last) {
      stream.button({ command: Commands.testConnection, title: 'Test Connection', arguments: [{ providerId: last.providerId, announce: true }] });
    } else if (kind === 'quota_exceeded') stream.button({ command: Commands.openPanel, title: 'Manage Providers' });
    if (!refused && kind !== 'cancelled') stream.button({ command: Commands.editFallbackChain, title: 'Edit Fallback Chain' });
  }

  /** After a failure: the model the follow-up offers (the next one not tried, or one that failed for a passing reason). */
  function retryTarget(error: unknown, steps: FallbackStep[]): FallbackStep | undefined {
    if (!(error instanceof RouteError)) return undefined;
    if (error.partial?.remaining[0]) return { provider: error.partial.remaining[0].providerId, model: error.partial.remaining[0].model };
    const tried = new Set([...error.failures.map((failure) => `${failure.target.providerId}/${failure.target.model}`), ...error.skipped.map((skip) => `${skip.target.providerId}/${skip.target.model}`)]);
    const untried = [...steps, ...enabledModels(registry).map((model) => ({ provider: model.providerId, model: model.modelId }))].find((step) => !tried.has(`${step.provider}/${step.model}`));
    if (untried) return untried;
    // Every model was tried: the first one that failed for a passing reason, as the user chose it first.
    const passing = error.failures.find((failure) => TRANSIENT_KINDS.has(failure.error.kind));
    return passing ? { provider: passing.target.providerId, model: passing.target.model } : undefined;
  }

  async function answer(request: vscode.ChatRequest, context: vscode.ChatContext, stream: vscode.ChatResponseStream, token: vscode.CancellationToken): Promise<vscode.ChatResult> {
    const previous = previousTurn(context);
    const keep = carried(request, previous);
    const first = firstStep(request, previous);
    const steps = [...(first ? [first] : []), ...routing.steps().filter((step) => step.provider !== first?.provider || step.model !== first.model)];
    if (steps.length === 0) {
      stream.markdown('No model is set up in Switchboard yet. Add a provider and choose a default model to chat with it here.');
      stream.button({ command: Commands.addProvider, title: 'Add Provider' });
      return { metadata: keep };
    }
    const head = steps[0]!;
    // A "Retry on…" follow-up carries only the prompt: the failed turn's attachments go again.
    const retrying = previous?.metadata.retry !== undefined && request.prompt === previous.metadata.retry.prompt;
    const references = request.references.length === 0 && retrying ? (previous?.references ?? []) : request.references;
    const { attachments, unreadable, used } = await readReferences(references);
    for (const reference of used) stream.reference(reference);
    // A follow-up that continues a broken-off answer: the part shown before goes first, then the rest.
    const partial = retrying ? previous?.metadata.partial : undefined;
    const continued = partial ? continuationRequest({ model: head.model, messages: [] }, partial).messages.map((message) => message.content as string) : [];
    const { fitted, promptTokens, contextWindow, maxOutputTokens } = await fit(head, history(context), request.prompt, attachments, continued);
    const leftOut = describeLeftOut(fitted, unreadable, contextWindow);
    if (leftOut) stream.progress(escapeMarkdown(leftOut));
    const messages = partial ? continuationRequest({ model: head.model, messages: fitted.messages }, partial).messages : fitted.messages;
    const headEntry = registry.get(head.provider);
    if (headEntry) {
      const estimate = await estimateCost(cost.pricing(head.provider, head.model), { model: head.model, messages }, headEntry.type, maxOutputTokens ?? ASSUMED_MAX_OUTPUT);
      stream.progress(`${escapeMarkdown(`Asking ${headEntry.name} ${head.model}`)} · estimated ${range(estimate)}`);
    }
    if (partial) stream.markdown(partial);
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    let outcome: Outcome;
    try {
      outcome = await streamAnswer(stream, messages, steps, promptTokens, controller.signal, !partial);
    } catch (error) {
      if (token.isCancellationRequested) return { metadata: keep };
      log.info(`chat request failed: ${error instanceof Error ? error.message : String(error)}`);
      offerFix(stream, error);
      const next = retryTarget(error, steps);
      const shown = (partial ?? '') + (error instanceof RouteError && error.partial ? error.partial.text : '');
      const lostModel = error instanceof RouteError && error.kind === 'model_not_found';
      const metadata: SwitchboardChatMetadata = {
        ...(lostModel ? { ...(keep.picker ? { picker: keep.picker } : {}) } : keep),
        ...(next ? { retry: { prompt: request.prompt, providerId: next.provider, model: next.model, modelName: name(next) } } : {}),
        ...(next && shown ? { partial: shown } : {}),
      };
      // VS Code renders the message as Markdown, and it can quote a remote server.
      return { errorDetails: { message: escapeMarkdown(plainError(error)) }, metadata };
    } finally {
      cancel.dispose();
    }
    if (!outcome.answeredBy) return { metadata: keep };
    const who = `${escapeMarkdown(outcome.answeredBy.providerName)} · ${escapeMarkdown(outcome.answeredBy.model)}`;
    const parts = [who];
    if (outcome.usage) parts.push(`${outcome.usage.inputTokens.toLocaleString()} in / ${outcome.usage.outputTokens.toLocaleString()} out`, (await priced(outcome)).text);
    parts.push(`${(outcome.ms / 1000).toFixed(1)} s`);
    const notes = [
      ...(outcome.switches.length > 0 ? [`Answered by ${escapeMarkdown(`${outcome.answeredBy.providerName} ${outcome.answeredBy.model}`)} after ${outcome.switches.join(', ')}.`] : []),
      ...(leftOut ? [`${escapeMarkdown(leftOut)}.`] : []),
    ];
    stream.markdown(`${FOOTER_MARK}${parts.join(' · ')}*${notes.map((note) => `  \n${note}`).join('')}`);
    return { metadata: { ...keep, providerId: outcome.answeredBy.providerId, model: outcome.answeredBy.model } };
  }

  /** `/model [name]`: the model this conversation continues on, named or picked with prices and context. */
  async function chooseModel(request: vscode.ChatRequest, stream: vscode.ChatResponseStream, keep: SwitchboardChatMetadata, token: vscode.CancellationToken): Promise<vscode.ChatResult> {
    const wanted = request.prompt.trim();
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    let picked: PickedModel | undefined;
    try {
      const [matches = []] = wanted ? await resolveModels([wanted], controller.signal) : [];
      picked = matches.length === 1 ? matches[0] : undefined;
      if (!picked) {
        const title = wanted ? `Model for this conversation ("${wanted}" matches ${matches.length === 0 ? 'none' : 'several'})` : 'Model for this conversation';
        [picked] = (await pickModels(registry, log, { title, signal: controller.signal })) ?? [];
      }
    } finally {
      cancel.dispose();
    }
    const current = keep.providerId && keep.model ? escapeMarkdown(name({ provider: keep.providerId, model: keep.model })) : 'the default model';
    if (!picked) {
      stream.markdown(`No change: this conversation stays on ${current}.`);
      return { metadata: { ...keep, command: 'model' } };
    }
    await rememberModel(registry, picked);
    const step = { provider: picked.providerId, model: picked.modelId };
    const entry = registry.get(picked.providerId);
    const template = findTemplate(entry?.template ?? '');
    const [limits, quote] = await Promise.all([
      routing.limits(step),
      priceOf({ catalogIds: template?.catalogIds ?? [], local: template?.local, overrides: entry?.models.find((model) => model.id === picked.modelId)?.prices }, picked.modelId),
    ]);
    const price = quote.source === 'local' ? 'free (local)' : quote.prices ? `$${quote.prices.input} in · $${quote.prices.output} out per million tokens` : 'price unknown';
    const window = `${limits.known ? '' : 'about '}${Math.round(limits.contextWindow / 1000)}k context`;
    stream.markdown(`This conversation now continues on **${escapeMarkdown(name(step))}** (${price}, ${window}). New conversations start on the model picked in the chat's model picker, or the default.`);
    return { metadata: { ...keep, providerId: picked.providerId, model: picked.modelId, command: 'model' } };
  }

  /** `/compare [model, model:] prompt`: the same prompt to each model in turn, then a table. */
  async function compare(request: vscode.ChatRequest, context: vscode.ChatContext, stream: vscode.ChatResponseStream, keep: SwitchboardChatMetadata, token: vscode.CancellationToken): Promise<vscode.ChatResult> {
    const metadata = { ...keep, command: 'compare' };
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    try {
      // "gpt-4o, claude-sonnet-4-5: question" names the models; otherwise they are picked.
      const named = /^([^:\n]+):\s*([\s\S]+)$/.exec(request.prompt.trim());
      const wanted = named?.[1]!.split(/[\s,]+/).filter(Boolean) ?? [];
      // A model list is a few short words; "Explain this: …" is a prompt, not worth listing every provider's models for.
      const resolved = wanted.length >= 2 && wanted.length <= 6 ? await resolveModels(wanted, controller.signal) : [];
      const byName = named && resolved.length >= 2 && resolved.every((found) => found.length === 1) ? resolved.map((found) => found[0]!) : undefined;
      const prompt = byName ? named![2]!.trim() : request.prompt.trim();
      if (!prompt) {
        stream.markdown('Write the prompt after `/compare`, e.g. `/compare gpt-4o, claude-sonnet-4-5: Explain this regex`.');
        return { metadata };
      }
      const chain = routing.steps().map((step) => ({ providerId: step.provider, modelId: step.model }));
      const models = byName ?? (await pickModels(registry, log, { title: 'Compare which models? (two or more)', canPickMany: true, selected: lastCompared ?? chain.slice(0, 2), signal: controller.signal }));
      if (!models || models.length < 2) {
        stream.markdown(models ? 'Pick two or more models to compare.' : 'Nothing compared.');
        return { metadata };
      }
      lastCompared = models;
      const { attachments, unreadable, used } = await readReferences(request.references);
      for (const reference of used) stream.reference(reference);
      const rows: string[] = [];
      let totalUsd = 0;
      for (const model of models) {
        if (token.isCancellationRequested) break;
        const step = { provider: model.providerId, model: model.modelId };
        const label = escapeMarkdown(name(step));
        stream.markdown(`### ${label}\n\n`);
        const { fitted, promptTokens, contextWindow } = await fit(step, history(context), prompt, attachments);
        const leftOut = describeLeftOut(fitted, unreadable, contextWindow);
        try {
          // One model each, no fallback: a comparison of what each one does.
          const outcome = await streamAnswer(stream, fitted.messages, [step], promptTokens, controller.signal);
          const price = await priced(outcome);
          totalUsd += price.usd ?? 0;
          const tokens = outcome.usage ? `${outcome.usage.inputTokens.toLocaleString()} / ${outcome.usage.outputTokens.toLocaleString()}` : '–';
          rows.push(`| ${label} | ${tokens} | ${price.text} | ${(outcome.ms / 1000).toFixed(1)} s |`);
          stream.markdown(leftOut ? `\n\n*${escapeMarkdown(leftOut)}.*\n\n` : '\n\n');
        } catch (error) {
          if (token.isCancellationRequested) break;
          stream.markdown(`\n\n*${escapeMarkdown(plainError(error))}*\n\n`);
          rows.push(`| ${label} | – | ${error instanceof Error && 'kind' in error ? failedWith(error as ProviderError) : 'failed'} | – |`);
        }
      }
      if (rows.length > 0) stream.markdown(`${FOOTER_MARK}Compared*\n\n| Model | Tokens in / out | Cost | Time |\n| --- | ---: | ---: | ---: |\n${rows.join('\n')}\n\nTotal ${usd(totalUsd)}.`);
      return { metadata };
    } finally {
      cancel.dispose();
    }
  }

  const handler: vscode.ChatRequestHandler = async (request, context, stream, token): Promise<vscode.ChatResult> => {
    const keep = carried(request, previousTurn(context));
    switch (request.command) {
      case 'cost': {
        const { attachments } = await readReferences(request.references);
        const messages = fitToContext(history(context), request.prompt, attachments, { contextWindow: COST_WINDOW, reserveForAnswer: 0, countTokens: await localTokenCounter() }).messages;
        const rows = await costEstimates(registry, cost, messages);
        if (rows.length === 0) stream.markdown('No models to price yet: add a provider and choose its models.');
        else {
          stream.markdown(`What this prompt would cost (nothing was sent; tokens counted locally):\n\n| Model | Prompt tokens | Cost: prompt only – longest answer |\n| --- | ---: | ---: |\n`);
          for (const row of rows) {
            const counted = `${row.estimate.method === 'tokenizer' ? '' : '≈ '}${row.estimate.inputTokens.toLocaleString()}`;
            stream.markdown(`| ${escapeMarkdown(`${row.providerName} · ${row.model}`)} | ${counted} | ${range(row.estimate)}${row.estimate.maxOutputTokens ? ` (${row.estimate.maxOutputTokens.toLocaleString()} out)` : ''} |\n`);
          }
        }
        return { metadata: { ...keep, command: 'cost' } };
      }
      case 'usage':
        stream.markdown(cost.usageSummary());
        stream.button({ command: Commands.showUsage, title: 'Full Usage Report' });
        stream.button({ command: Commands.setBudget, title: 'Set Budget' });
        return { metadata: { ...keep, command: 'usage' } };
      case 'model':
        return chooseModel(request, stream, keep, token);
      case 'compare':
        return compare(request, context, stream, keep, token);
      default:
        return answer(request, context, stream, token);
    }
  };

  // VS Code's model picker starts on a model of its own choosing (extensions cannot mark a default):
  // this opens the chat with Switchboard's default model picked, ready for a question.
  const openChat = vscode.commands.registerCommand(Commands.openChat, async () => {
    const provider = registry.defaultProvider();
    const model = registry.defaultModel();
    // Only a model VS Code has (enabled, with a key for its address): otherwise the chat refuses to open.
    const offered = provider && model ? await vscode.lm.selectChatModels({ vendor: LANGUAGE_MODEL_VENDOR, id: `${provider}/${model}` }) : [];
    await vscode.commands.executeCommand('workbench.action.chat.open', {
      query: '@switchboard ',
      isPartialQuery: true,
      ...(offered.length > 0 ? { modelSelector: { vendor: LANGUAGE_MODEL_VENDOR, id: `${provider}/${model}` } } : {}),
    });
  });
  const participant = vscode.chat.createChatParticipant(CHAT_PARTICIPANT_ID, handler);
  participant.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
  participant.followupProvider = {
    provideFollowups(result: vscode.ChatResult): vscode.ChatFollowup[] {
      const retry = (result.metadata as SwitchboardChatMetadata | undefined)?.retry;
      if (!retry) return [];
      const partial = (result.metadata as SwitchboardChatMetadata).partial;
      return [{ prompt: retry.prompt, label: `${partial ? 'Continue' : 'Retry'} on ${retry.modelName}` }];
    },
  };
  return vscode.Disposable.from(participant, openChat);
}
