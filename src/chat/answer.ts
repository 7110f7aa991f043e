import type * as vscode from 'vscode';
import {
  answerRoom,
  continuationRequest,
  costOf,
  describeError,
  describeFailure,
  describeSkipSwitch,
  describeSwitch,
  estimateCost,
  fitToContext,
  formatUsd as usd,
  localTokenCounter,
  RouteError,
  SKIP_WORDS,
  type Attachment,
  type ChatMessage,
  type CostEstimate,
  type FallbackStep,
  type FitResult,
  type Usage,
} from '../core';
import { abortSignalFor } from '../platform/cancellation';
import { Commands } from '../platform/commandIds';
import type { CostService, Services } from '../services';
import { history, previousTurn, readReferences, softCapNotice } from './chatContext';
import { explainFailure, WaitCountdown } from './failure';
import { escapeMarkdown, FOOTER_MARK, REASONING_MARK, type SwitchboardChatMetadata } from './metadata';
import { stepName } from './model';
import type { ChatSession } from './participant';
import { carried, firstStep } from './turnState';

/** Room kept for the answer when fitting the prompt: the model's output limit, at most a quarter of the window. */

/** "$0.0012 – $0.16", "$0.0012 – $0.16 (price estimated from gpt-4.1-mini)", or what is unknown. */
export function range(estimate: CostEstimate): string {
  if (estimate.inputUsd === undefined) return 'price unknown';
  const text =
    estimate.maxUsd === undefined
      ? `${usd(estimate.inputUsd)} +`
      : `${usd(estimate.inputUsd)} – ${usd(estimate.maxUsd)}`;
  return estimate.estimatedFrom ? `${text} (price estimated from ${estimate.estimatedFrom})` : text;
}

/** "left out: the 4 oldest messages; big.ts cut to 12%; logo.png (not text)" — or nothing. */
export function describeLeftOut(fit: FitResult, unreadable: string[], contextWindow: number): string | undefined {
  const parts = [
    ...(fit.droppedMessages > 0
      ? [`the ${fit.droppedMessages} oldest message${fit.droppedMessages > 1 ? 's' : ''}`]
      : []),
    ...fit.shortened.map((item) =>
      item.keptFraction === 0
        ? `${item.label} (no room)`
        : `${item.label} cut to its first ${Math.max(1, Math.floor(item.keptFraction * 100))}%`,
    ),
  ];
  const fitted =
    parts.length > 0 ? `to fit the ${Math.round(contextWindow / 1000)}k context: ${parts.join('; ')}` : undefined;
  const skipped = unreadable.length > 0 ? `not text: ${unreadable.join(', ')}` : undefined;
  const all = [fitted, skipped].filter((part) => part !== undefined);
  return all.length > 0 ? `Left out ${all.join('; ')}` : undefined;
}

interface Answered {
  providerId: string;
  providerName: string;
  model: string;
  /** Picked by automatic failover (the fallback chain is empty), not by the user. */
  automatic?: boolean;
}

export interface Outcome {
  answeredBy?: Answered;
  usage?: Usage;
  /** "OpenAI gpt-4o returned 503 (overloaded)", "OpenAI gpt-4o was skipped (…)", per switch. */
  switches: string[];
  ms: number;
}

/** History, the prompt and the attachments, fitted to `step`'s window. */
export async function fit(
  { registry, routing }: Services,
  step: FallbackStep,
  conversation: ChatMessage[],
  prompt: string,
  attachments: Attachment[],
  sentAfter: string[] = [],
) {
  const limits = await routing.limits(step);
  const countTokens = await localTokenCounter();
  // Counts are OpenAI's tokenizer; other families' tokenizers count code higher: keep a margin for them.
  const type = registry.get(step.provider)?.type;
  const margin = type === 'openai' || type === 'azure-openai' ? 0 : Math.floor(limits.contextWindow * 0.15);
  const reserveForAnswer =
    answerRoom(limits.contextWindow, limits.maxOutputTokens) +
    margin +
    sentAfter.reduce((sum, text) => sum + countTokens(text) + 4, 0);
  const fitted = fitToContext(conversation, prompt, attachments, {
    contextWindow: limits.contextWindow,
    reserveForAnswer,
    countTokens,
  });
  const promptTokens = fitted.messages.reduce(
    (sum, message) =>
      sum + countTokens(typeof message.content === 'string' ? message.content : JSON.stringify(message.content)) + 4,
    0,
  );
  return { fitted, promptTokens, contextWindow: limits.contextWindow, maxOutputTokens: limits.maxOutputTokens };
}

/** Streams one answer: reasoning as a quote before it, the text as it comes, progress for waits and switches. */
export async function streamAnswer(
  { registry, routing }: Services,
  stream: vscode.ChatResponseStream,
  messages: ChatMessage[],
  steps: FallbackStep[],
  promptTokens: number,
  signal: AbortSignal,
  showReasoning = true,
  /** The conversation's answer may fall over to other providers when no chain is set up; /compare's rows may not. */
  automaticFallback = false,
): Promise<Outcome> {
  const started = Date.now();
  const outcome: Outcome = { switches: [], ms: 0 };
  // A continuation's reasoning would land after the shown part, where the next turn could not cut it.
  let shownText = !showReasoning;
  let inReasoning = false;
  // A wait counts down in the progress line until the next event (or its own end).
  const countdown = new WaitCountdown(stream);
  for await (const event of routing.run(
    { messages },
    { surface: 'chat', signal, steps, promptTokens, askAboutKeys: false, automaticFallback },
  )) {
    countdown.stop();
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
    else if (event.type === 'route-wait') countdown.show(event);
    else if (event.type === 'route-switch') {
      outcome.switches.push(
        `${escapeMarkdown(stepName(registry, { provider: event.from.providerId, model: event.from.model }))} ${event.error.status ? `returned ${event.error.status}` : 'failed'} (${describeError(event.error.kind)})`,
      );
      stream.progress(escapeMarkdown(describeSwitch(event)));
    } else if (event.type === 'route-skip-switch') {
      // A skip moves the answer elsewhere just as a failure does: said the same way.
      outcome.switches.push(
        `${escapeMarkdown(stepName(registry, { provider: event.from.providerId, model: event.from.model }))} was skipped (${SKIP_WORDS[event.reason]})`,
      );
      stream.progress(escapeMarkdown(describeSkipSwitch(event)));
    } else if (event.type === 'route-answering')
      outcome.answeredBy = {
        providerId: event.target.providerId,
        providerName: event.target.providerName,
        model: event.target.model,
        ...(event.target.automatic ? { automatic: true } : {}),
      };
  }
  outcome.ms = Date.now() - started;
  return outcome;
}

export async function priced(cost: CostService, outcome: Outcome): Promise<{ text: string; usd?: number }> {
  if (!outcome.answeredBy || !outcome.usage) return { text: 'no usage reported' };
  const result = await costOf(
    cost.pricing(outcome.answeredBy.providerId, outcome.answeredBy.model),
    outcome.answeredBy.model,
    outcome.usage,
  );
  return {
    text:
      result.usd === undefined
        ? 'price unknown'
        : `${usd(result.usd)}${result.basis === 'reported' ? ' (reported)' : result.estimatedFrom ? ` (estimated from ${result.estimatedFrom})` : ''}`,
    usd: result.usd,
  };
}

/** A question to the conversation's model, through the fallback chain and the budgets, ending with a cost footer. */
export async function answer(
  session: ChatSession,
  request: vscode.ChatRequest,
  context: vscode.ChatContext,
  stream: vscode.ChatResponseStream,
  token: vscode.CancellationToken,
): Promise<vscode.ChatResult> {
  const { services, log } = session;
  const { registry, routing, cost } = services;
  const usable = (step: FallbackStep | undefined) => (step && registry.get(step.provider)?.enabled ? step : undefined);
  const previous = previousTurn(context);
  const keep = carried(request, previous);
  const first = firstStep(request, previous, usable);
  const steps = [
    ...(first ? [first] : []),
    ...routing.steps().filter((step) => step.provider !== first?.provider || step.model !== first.model),
  ];
  if (steps.length === 0) {
    stream.markdown(
      'No model is set up in Switchboard yet. Add a provider and choose a default model to chat with it here.',
    );
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
  const continued = partial
    ? continuationRequest({ model: head.model, messages: [] }, partial).messages.map(
        (message) => message.content as string,
      )
    : [];
  const { fitted, promptTokens, contextWindow, maxOutputTokens } = await fit(
    services,
    head,
    history(context),
    request.prompt,
    attachments,
    continued,
  );
  const leftOut = describeLeftOut(fitted, unreadable, contextWindow);
  if (leftOut) stream.progress(escapeMarkdown(leftOut));
  const messages = partial
    ? continuationRequest({ model: head.model, messages: fitted.messages }, partial).messages
    : fitted.messages;
  const headEntry = registry.get(head.provider);
  if (headEntry) {
    const estimate = await estimateCost(
      cost.pricing(head.provider, head.model),
      { model: head.model, messages },
      headEntry.type,
      maxOutputTokens,
    );
    stream.progress(`${escapeMarkdown(`Asking ${headEntry.name} ${head.model}`)} · estimated ${range(estimate)}`);
    const overSoftCap = softCapNotice(services, head.provider, estimate.inputTokens, maxOutputTokens);
    if (overSoftCap) stream.progress(escapeMarkdown(overSoftCap));
  }
  if (partial) stream.markdown(partial);
  const cancellation = abortSignalFor(token);
  let outcome: Outcome;
  try {
    outcome = await streamAnswer(services, stream, messages, steps, promptTokens, cancellation.signal, !partial, true);
  } catch (error) {
    if (token.isCancellationRequested) return { metadata: keep };
    log.info(`chat request failed: ${describeFailure(error)}`);
    const explained = await explainFailure(services, stream, error, { prompt: request.prompt, steps });
    const next = explained.retry;
    const shown = (partial ?? '') + (error instanceof RouteError && error.partial ? error.partial.text : '');
    const lostModel = error instanceof RouteError && error.kind === 'model_not_found';
    const metadata: SwitchboardChatMetadata = {
      ...(lostModel ? { ...(keep.picker ? { picker: keep.picker } : {}) } : keep),
      ...(next
        ? {
            retry: {
              prompt: request.prompt,
              providerId: next.provider,
              model: next.model,
              modelName: stepName(registry, next),
            },
          }
        : {}),
      ...(next && shown ? { partial: shown } : {}),
    };
    // VS Code renders the message as Markdown, and it can quote a remote server.
    return { errorDetails: { message: escapeMarkdown(explained.message) }, metadata };
  } finally {
    cancellation.dispose();
  }
  if (!outcome.answeredBy) return { metadata: keep };
  const who = `${escapeMarkdown(outcome.answeredBy.providerName)} · ${escapeMarkdown(outcome.answeredBy.model)}`;
  const parts = [who];
  if (outcome.usage)
    parts.push(
      `${outcome.usage.inputTokens.toLocaleString()} in / ${outcome.usage.outputTokens.toLocaleString()} out`,
      (await priced(cost, outcome)).text,
    );
  parts.push(`${(outcome.ms / 1000).toFixed(1)} s`);
  const notes = [
    ...(outcome.switches.length > 0
      ? [
          `Answered by ${escapeMarkdown(`${outcome.answeredBy.providerName} ${outcome.answeredBy.model}`)} after ${outcome.switches.join(', ')}.`,
        ]
      : []),
    ...(outcome.answeredBy.automatic
      ? [
          'Picked by automatic failover: your fallback chain is empty, so Switchboard tried the cheapest of your other providers that can take this request (set a chain, or turn this off, in the Fallback section).',
        ]
      : []),
    ...(leftOut ? [`${escapeMarkdown(leftOut)}.`] : []),
  ];
  stream.markdown(`${FOOTER_MARK}${parts.join(' · ')}*${notes.map((note) => `  \n${note}`).join('')}`);
  return { metadata: { ...keep, providerId: outcome.answeredBy.providerId, model: outcome.answeredBy.model } };
}
