import type { ChatResponseStream } from 'vscode';
import {
  describeError,
  RouteError,
  SKIP_WORDS,
  TRANSIENT_KINDS,
  type FallbackStep,
  type ModelRef,
  type ProviderError,
} from '../core';
import { Commands } from '../platform/commandIds';

/** "rate limited (429)". */
export const failedWith = (error: ProviderError) =>
  `${describeError(error.kind)}${error.status ? ` (${error.status})` : ''}`;

/** What a failure says in chat: one model's own sentence, or what happened to each model and what to do. */
export function plainError(error: unknown): string {
  if (!(error instanceof RouteError) || error.failures.length + error.skipped.length < 2)
    return error instanceof Error ? error.message : String(error);
  const each = [
    ...error.failures.map(
      ({ target, error: failure }) => `${target.providerName} ${target.model} ${failedWith(failure)}`,
    ),
    ...error.skipped.map(
      ({ target, reason }) => `${target.providerName} ${target.model} skipped (${SKIP_WORDS[reason]})`,
    ),
  ];
  const kinds = new Set(error.failures.map((failure) => failure.error.kind));
  const hint = kinds.has('invalid_credentials')
    ? ' Check the key.'
    : [...kinds].every((kind) => TRANSIENT_KINDS.has(kind)) && kinds.size > 0
      ? ' Try again shortly.'
      : '';
  return `No model could answer: ${each.join('; ')}.${hint}`;
}

/** The plain sentence is VS Code's error text; the buttons are what fixes it. */
export function offerFix(stream: Pick<ChatResponseStream, 'button'>, error: unknown): void {
  const failures = error instanceof RouteError ? error.failures : [];
  const refused = failures.find((failure) => failure.error.kind === 'invalid_credentials');
  const kind =
    error instanceof RouteError || (error instanceof Error && 'kind' in error)
      ? (error as ProviderError).kind
      : undefined;
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
  else if (kind === 'quota_exceeded' && failures.some((failure) => failure.error.code?.startsWith('budget_'))) {
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
  if (!(error instanceof RouteError)) return undefined;
  if (error.partial?.remaining[0])
    return { provider: error.partial.remaining[0].providerId, model: error.partial.remaining[0].model };
  const tried = new Set([
    ...error.failures.map((failure) => `${failure.target.providerId}/${failure.target.model}`),
    ...error.skipped.map((skip) => `${skip.target.providerId}/${skip.target.model}`),
  ]);
  const untried = [...steps, ...others.map((model) => ({ provider: model.providerId, model: model.modelId }))].find(
    (step) => !tried.has(`${step.provider}/${step.model}`),
  );
  if (untried) return untried;
  // Every model was tried: the first one that failed for a passing reason, as the user chose it first.
  const passing = error.failures.find((failure) => TRANSIENT_KINDS.has(failure.error.kind));
  return passing ? { provider: passing.target.providerId, model: passing.target.model } : undefined;
}
