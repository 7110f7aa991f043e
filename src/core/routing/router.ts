import { ProviderError, type ProviderErrorDetails } from '../errors';
import type { ChatEvent, ChatMessage, ChatRequest, Clock, Provider } from '../types';
import { boundedMs, CircuitBreakers, DEFAULT_RETRY_POLICY, type RateLimitPacer, type RetryPolicy } from './health';
import { tryTarget } from './tryTarget';
import { answerUnlessCancelled, cancelled } from './waits';

/** One (provider, model) of a fallback chain, with what the router needs to judge it. */
export interface RouteTarget {
  providerId: string;
  /** How messages name it: "OpenAI", "Anthropic". */
  providerName: string;
  model: string;
  /** The provider as the host built it (metered, so each try is priced under the model that ran). */
  provider: Provider;
  contextWindow?: number;
  /** false when the model is known not to take tools. */
  tools?: boolean;
  /** US dollars per million tokens, where known. */
  prices?: { input?: number; output?: number };
  /** Not in the user's chain: another provider's default model, picked because the chain is empty. */
  automatic?: boolean;
}

export type SkipReason =
  'circuit-open' | 'no-tools' | 'context-too-small' | 'too-expensive' | 'declined' | 'failing-checks' | 'not-cheaper';

export type RouteEvent =
  | ChatEvent
  /** Waiting before a try: after a transient failure, or because the provider's rate-limit headers said so. */
  | { type: 'route-wait'; target: RouteTarget; delayMs: number; attempt: number; reason: ProviderError | 'pacing' }
  | { type: 'route-skip'; target: RouteTarget; reason: SkipReason }
  /** Moving on after `from` failed with `error` and retries did not fix it. */
  | { type: 'route-switch'; from: RouteTarget; to: RouteTarget; error: ProviderError }
  /** Moving on because `from` was skipped (no failure since the last try): a switch all the same. */
  | { type: 'route-skip-switch'; from: RouteTarget; to: RouteTarget; reason: SkipReason }
  /** Comes right before the answer's first event: who is answering (and whether it is a fallback). */
  | { type: 'route-answering'; target: RouteTarget; fallback: boolean };

export interface SwitchQuestion {
  /** The model failed (with `error`) or, without one, the first model, skipped as unfit. */
  from: RouteTarget;
  to: RouteTarget;
  error?: ProviderError;
  /** How many times the first model's price the new one costs; absent when the first is free or unpriced. */
  costRatio?: number;
}

export interface RouteOptions {
  clock: Clock;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  /** Shared across requests, so a failing model is skipped by the next request too. */
  circuits?: CircuitBreakers;
  pacer?: RateLimitPacer;
  /** The prompt's tokens (counted before the run): models with a smaller context are skipped. */
  promptTokens?: number;
  /**
   * A fallback more than this many times the first model's price is not used without asking (default
   * 3); nor is a priced model when the first one is free or has no known price.
   */
  maxCostRatio?: number;
  /** Ask before moving to another provider, not only to a much pricier model. */
  askBeforeSwitchingProviders?: boolean;
  /** Asks the user about a switch; without it, a switch that needs asking is skipped. */
  confirmSwitch?: (question: SwitchQuestion) => Promise<boolean>;
  /** A key was refused: tell the user and offer to fix it; true continues down the chain. Without it the route stops. */
  onInvalidCredentials?: (target: RouteTarget, error: ProviderError) => Promise<boolean>;
  /**
   * Whether a provider's background health checks are failing: it is skipped while a later model
   * of the chain is not (the last hope is still tried).
   */
  failingChecks?: (providerId: string) => boolean;
  /** Tests make jitter deterministic. */
  random?: () => number;
}

export interface RouteFailure {
  target: RouteTarget;
  error: ProviderError;
}

/** What a RouteError carries beyond the failures: the deciding failure's details, and any shown part. */
export interface RouteErrorDetails extends Omit<ProviderErrorDetails, 'cause'> {
  /** Set when part of the answer was already shown: continue on `remaining` with `continuationRequest`. */
  partial?: { text: string; target: RouteTarget; remaining: RouteTarget[] };
}

/** Every member of the chain failed or was skipped, or the answer broke off after it had begun. */
export class RouteError extends ProviderError {
  readonly partial?: RouteErrorDetails['partial'];

  constructor(
    kind: ProviderError['kind'],
    message: string,
    readonly failures: RouteFailure[],
    readonly skipped: Array<{ target: RouteTarget; reason: SkipReason }>,
    { partial, ...details }: RouteErrorDetails = {},
  ) {
    super(kind, message, { ...details, cause: failures.at(-1)?.error });
    this.partial = partial;
  }
}

/**
 * The deciding failure's code, status and the rest, for the error that leaves the router: callers
 * act on them (a budget's `budget_stop` becomes VS Code's Blocked, a status shows in chat).
 */
function detailsOf(error: ProviderError): RouteErrorDetails {
  const retryAfterMs = error.retryAfterMs === undefined ? undefined : boundedMs(error.retryAfterMs);
  return {
    status: error.status,
    code: error.code,
    providerMessage: error.providerMessage,
    requestId: error.requestId,
    budgetId: error.budgetId,
    retryAfterMs,
  };
}

export const SKIP_WORDS: Record<SkipReason, string> = {
  'circuit-open': 'paused after repeated failures',
  'no-tools': 'does not take tools',
  'context-too-small': 'context window too small for this prompt',
  'too-expensive': 'much pricier than the first choice',
  declined: 'you chose not to switch to it',
  'failing-checks': 'its background health checks are failing',
  'not-cheaper': 'not cheaper than the model a budget refused',
};

/** Failures that end the route: moving on would not help, or must not happen without the user. */
function endsRoute(error: ProviderError): boolean {
  if (error.kind === 'cancelled' || error.kind === 'content_filter') return true;
  // A budget in 'stop' or 'ask' mode refuses on purpose; only 'switch' asks for the next model.
  return (
    error.kind === 'quota_exceeded' &&
    error.code !== undefined &&
    error.code.startsWith('budget_') &&
    error.code !== 'budget_switch'
  );
}

function blendedPrice(target: RouteTarget): number | undefined {
  const { input, output } = target.prices ?? {};
  return input === undefined || output === undefined ? undefined : input + output;
}

const label = (target: RouteTarget) => `${target.providerName} ${target.model}`;

/**
 * Sends the request down an ordered chain of models: transient failures are retried with backoff
 * (or the provider's Retry-After), then the next capable model is tried. Until the answer's first
 * text, reasoning or tool call nothing has been shown, so a failure falls back unseen; after it, the
 * shown part is kept and a RouteError with `partial` lets the caller offer to continue elsewhere.
 *
 * Stop a route with `options.signal`: an async generator queues `return()` behind a pending wait or
 * read, so `return()` alone can let a retry start first.
 */
export async function* route(
  chain: readonly RouteTarget[],
  request: ChatRequest,
  options: RouteOptions,
): AsyncGenerator<RouteEvent, void, undefined> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  // No wait outlasts the longest pause, whatever a host passes.
  policy.maxRetryAfterMs = boundedMs(policy.maxRetryAfterMs);
  const random = options.random ?? Math.random;
  const maxCostRatio = options.maxCostRatio ?? 3;
  const primary = chain[0];
  const primaryPrice = primary ? blendedPrice(primary) : undefined;
  const failures: RouteFailure[] = [];
  const skipped: Array<{ target: RouteTarget; reason: SkipReason }> = [];
  // After a context-length refusal only a model with a larger window is worth trying.
  let mustExceedContext: number | undefined;
  let anyContextRefusal = false;

  const failing = (target: RouteTarget) => options.failingChecks?.(target.providerId) === true;
  // After a budget in 'switch' mode refused a model, the route downgrades: only a cheaper one is tried.
  let switchCeiling: number | undefined;
  const skipReason = async (target: RouteTarget, index: number): Promise<SkipReason | undefined> => {
    if (request.tools?.length && target.tools === false) return 'no-tools';
    if (
      options.promptTokens !== undefined &&
      target.contextWindow !== undefined &&
      options.promptTokens >= target.contextWindow
    )
      return 'context-too-small';
    if (
      anyContextRefusal &&
      (target.contextWindow === undefined ||
        (mustExceedContext !== undefined && target.contextWindow <= mustExceedContext))
    )
      return 'context-too-small';
    if (options.circuits && !options.circuits.available(CircuitBreakers.key(target.providerId, target.model)))
      return 'circuit-open';
    if (failing(target) && chain.slice(index + 1).some((later) => !failing(later))) return 'failing-checks';
    if (switchCeiling !== undefined && !((blendedPrice(target) ?? Number.POSITIVE_INFINITY) < switchCeiling))
      return 'not-cheaper';
    // The first model is the user's choice; every other one is judged against it, whether the
    // route got here by a failure or by skipping an unfit model.
    if (!primary || target === primary) return undefined;
    const price = blendedPrice(target);
    const costRatio =
      price !== undefined && primaryPrice !== undefined && primaryPrice > 0 ? price / primaryPrice : undefined;
    const pricier = costRatio !== undefined ? costRatio > maxCostRatio : price !== undefined && price > 0;
    const askProvider = options.askBeforeSwitchingProviders === true && target.providerId !== primary.providerId;
    if (!pricier && !askProvider) return undefined;
    if (!options.confirmSwitch) return pricier ? 'too-expensive' : 'declined';
    const last = failures.at(-1);
    const question: SwitchQuestion = { from: last?.target ?? primary, to: target };
    if (last) question.error = last.error;
    if (costRatio !== undefined) question.costRatio = costRatio;
    const yes = await answerUnlessCancelled(options.confirmSwitch(question), options.signal);
    return yes ? undefined : pricier ? 'too-expensive' : 'declined';
  };

  // What happened since the last try: a failure explains the next switch; else the last skip does.
  let failedSinceTry = false;
  let lastSkip: { target: RouteTarget; reason: SkipReason } | undefined;
  for (const [index, target] of chain.entries()) {
    if (options.signal?.aborted) throw cancelled();
    const reason = await skipReason(target, index);
    if (reason) {
      lastSkip = { target, reason };
      skipped.push(lastSkip);
      yield { type: 'route-skip', target, reason };
      continue;
    }
    const previous = failures.at(-1);
    if (previous && failedSinceTry)
      yield { type: 'route-switch', from: previous.target, to: target, error: previous.error };
    else if (lastSkip) yield { type: 'route-skip-switch', from: lastSkip.target, to: target, reason: lastSkip.reason };
    failedSinceTry = false;
    lastSkip = undefined;
    // Any model after the first is a fallback, whether the first failed or was skipped.
    const outcome = yield* tryTarget(target, request, options, policy, random, index > 0);
    if (outcome === 'answered') return;
    if (outcome === 'circuit-open') {
      lastSkip = { target, reason: 'circuit-open' };
      skipped.push(lastSkip);
      yield { type: 'route-skip', target, reason: 'circuit-open' };
      continue;
    }
    const { error, shownText } = outcome;
    failedSinceTry = true;
    failures.push({ target, error });
    if (error.code === 'budget_switch') {
      const refusedPrice = blendedPrice(target);
      // A refused model of unknown price sets no ceiling: nothing can be said to be cheaper.
      if (refusedPrice !== undefined) switchCeiling = Math.min(switchCeiling ?? refusedPrice, refusedPrice);
    }
    if (shownText !== undefined) {
      throw new RouteError(
        error.kind,
        `${label(target)} stopped partway through its answer: ${error.message}`,
        failures,
        skipped,
        {
          ...detailsOf(error),
          partial: { text: shownText, target, remaining: chain.slice(index + 1) },
        },
      );
    }
    if (error.kind === 'invalid_credentials') {
      const goOn = options.onInvalidCredentials
        ? await answerUnlessCancelled(options.onInvalidCredentials(target, error), options.signal)
        : false;
      if (!goOn) throw new RouteError(error.kind, error.message, failures, skipped, detailsOf(error));
      continue;
    }
    if (endsRoute(error))
      throw error.kind === 'cancelled'
        ? error
        : new RouteError(error.kind, error.message, failures, skipped, detailsOf(error));
    if (error.code === 'context_length_exceeded') {
      anyContextRefusal = true;
      if (target.contextWindow !== undefined)
        mustExceedContext = Math.max(mustExceedContext ?? 0, target.contextWindow);
    }
  }
  throw exhausted(failures, skipped, options);
}

/** One clear error naming what happened to each member of the chain. */
function exhausted(
  failures: RouteFailure[],
  skipped: Array<{ target: RouteTarget; reason: SkipReason }>,
  options: RouteOptions,
): RouteError {
  const parts = [
    ...failures.map(({ target, error }) => `${label(target)}: ${error.message}`),
    ...skipped.map(({ target, reason }) => `${label(target)}: skipped, ${SKIP_WORDS[reason]}`),
  ];
  const last = failures.at(-1)?.error;
  if (parts.length === 0)
    return new RouteError(
      'bad_request',
      'No model is set up to answer: the fallback chain is empty',
      failures,
      skipped,
    );
  const pausedUntil = skipped
    .filter(({ reason }) => reason === 'circuit-open')
    .map(
      ({ target }) =>
        options.circuits
          ?.snapshot()
          .find((circuit) => circuit.key === CircuitBreakers.key(target.providerId, target.model))?.retryAt,
    )
    .filter((at): at is number => at !== undefined);
  const kind = last?.kind ?? (pausedUntil.length > 0 ? 'overloaded' : 'bad_request');
  // The last failure decides the kind, so its code and status go with it; a paused model says when to try again.
  return new RouteError(kind, `No model in the chain could answer. ${parts.join('; ')}`, failures, skipped, {
    ...(last ? detailsOf(last) : {}),
    ...(pausedUntil.length > 0 ? { retryAfterMs: Math.max(0, Math.min(...pausedUntil) - options.clock.now()) } : {}),
  });
}

/**
 * The request that continues a broken-off answer on another model: the shown part goes back as the
 * assistant's turn, and the model is asked to carry on from its last word.
 */
export function continuationRequest(request: ChatRequest, partialText: string): ChatRequest {
  const messages: ChatMessage[] = [
    ...request.messages,
    { role: 'assistant', content: partialText },
    {
      role: 'user',
      content: 'Your answer above was cut off. Continue it exactly where it stopped, without repeating anything.',
    },
  ];
  return { ...request, messages };
}
