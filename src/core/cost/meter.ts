import { ProviderError } from '../errors';
import type { ChatEvent, ChatRequest, Clock, Provider, ProviderType, Usage } from '../types';
import type { AdmitRequest, Budget, BudgetGuard, BudgetNotice, Reservation } from './budgets';
import { countPromptTokens, estimateCost } from './estimate';
import type { UsageLedger } from './ledger';
import type { Surface } from './ledgerTotals';
import { costOf, priceOf, type PricingContext } from './pricing';
import { capOutput } from './tokenCaps';

export interface MeterOptions {
  providerId: string;
  type: ProviderType;
  /** The model's price context: catalog ids, local, the user's price overrides. */
  pricing: (modelId: string) => PricingContext;
  /** The model's largest answer, when known (the user's setting, else the catalog): the worst case of a request without its own cap. */
  maxOutputTokens?: (modelId: string) => number | undefined | Promise<number | undefined>;
  /** The model's context window, when known: a usage report far beyond it is not believed. */
  contextWindow?: (modelId: string) => number | undefined | Promise<number | undefined>;
  /**
   * The provider's hard cap on a request's tokens (input plus output), read for each request: the
   * output cap is lowered to fit, and a request whose input alone is over it is refused unsent.
   */
  hardTokenCap?: () => { tokens: number; providerName: string } | undefined;
  ledger: UsageLedger;
  guard: BudgetGuard;
  surface: Surface;
  /** Who asked, where known (a vscode.lm request's calling extension): on the record, not in the aggregates. */
  initiator?: string;
  clock: Clock;
  /** A budget's alert threshold or limit was reached (the host tells the user once per period). */
  onNotice?: (notice: BudgetNotice) => void;
  /** A budget in 'ask' mode would be crossed: true goes past it for this request. Without it the request is refused. */
  confirmOverBudget?: (message: string, budget: Budget) => Promise<boolean>;
  /** Whether the user let this model through without a known price before (remembered by the host). */
  unknownPriceAllowed?: (modelId: string) => boolean;
  /**
   * Asks about a model nobody knows the price of, which a budget needs and the setting says to ask
   * about; absent where nobody can be asked (another extension's request: then it is refused). The
   * answer: `priced` (the user set its price, the host saved it: the request is priced again),
   * `allowed` (sent at the closest model's price, or at $0 without one; the host remembers it), or
   * undefined (nothing is sent).
   */
  askUnknownPrice?: (question: UnknownPriceQuestion) => Promise<'priced' | 'allowed' | undefined>;
  /** A request was let through a budget without any price (counted at $0): one line for the log. */
  onUnpriced?: (message: string) => void;
  /** A recording failed; the request itself was not affected. */
  onRecordError?: (error: unknown) => void;
  /** A provider's usage report was not believed (the request was priced from counted tokens): one line for the log. */
  onSuspectUsage?: (message: string) => void;
}

/** A model without a known price that a budget needs one for. */
export interface UnknownPriceQuestion {
  providerId: string;
  modelId: string;
  /** The closest known model, whose price the estimate is. */
  estimatedFrom?: string;
  /** That estimate, US dollars per million tokens: a suggestion for the user's own. */
  suggested?: { input: number; output: number };
  /** Why it is asked (the budget that needs a price). */
  message: string;
  budget: Budget;
}

/**
 * Beyond these a usage report is not believed, whatever the provider: twice the context window
 * (input and output together can never exceed it; twice leaves room for a window we know wrong),
 * else 10 million tokens, and $10,000 for one request (no request of any model priced today comes
 * within two orders of magnitude of either).
 */
const PLAUSIBLE_WINDOW_FACTOR = 2;
const PLAUSIBLE_TOKENS = 10_000_000;
const PLAUSIBLE_USD = 10_000;

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Why a usage report cannot be used as it is, or undefined when it can. */
export function usageProblem(usage: Usage, contextWindow: number | undefined): string | undefined {
  for (const field of [
    'inputTokens',
    'outputTokens',
    'cachedInputTokens',
    'cacheWriteInputTokens',
    'reasoningTokens',
  ] as const) {
    const value = usage[field];
    if ((field === 'inputTokens' || field === 'outputTokens' || value !== undefined) && !isCount(value))
      return `${field} is ${JSON.stringify(value) ?? String(value)}, not a count of tokens`;
  }
  if (
    usage.costUsd !== undefined &&
    !(typeof usage.costUsd === 'number' && Number.isFinite(usage.costUsd) && usage.costUsd >= 0)
  )
    return `the reported cost is ${String(usage.costUsd)}`;
  const tokens = usage.inputTokens + usage.outputTokens;
  const limit =
    contextWindow !== undefined && contextWindow > 0 ? contextWindow * PLAUSIBLE_WINDOW_FACTOR : PLAUSIBLE_TOKENS;
  if (tokens > limit)
    return `${tokens.toLocaleString('en-US')} tokens is more than ${contextWindow !== undefined ? `twice the model's context window (${contextWindow.toLocaleString('en-US')})` : 'any one request uses'}`;
  if ((usage.costUsd ?? 0) > PLAUSIBLE_USD)
    return `a reported cost of $${usage.costUsd!.toLocaleString('en-US')} for one request`;
  return undefined;
}

/** The least answer worth a request: a budget that cannot cover this refuses instead of cutting to nothing. */
const MIN_OUTPUT_TOKENS = 16;
/**
 * A prompt counted with another family's tokenizer can be undercounted; its worst case gets this
 * much room so a hard stop is not crossed by the count's error.
 */
const ESTIMATE_MARGIN = 1.25;

/**
 * A Provider whose every request goes through the budgets first (worst case reserved, output capped
 * to fit, refused when nothing fits) and is recorded in the ledger afterwards with what it cost:
 * reported, computed from the usage, or estimated from counted tokens when the provider gave none.
 */
export function metered(provider: Provider, options: MeterOptions): Provider {
  return {
    type: provider.type,
    chat: (request, chatOptions) => new MeteredEvents(provider, request, chatOptions, options),
    listModels: (listOptions) => provider.listModels(listOptions),
  };
}

class MeteredEvents implements AsyncIterableIterator<ChatEvent> {
  readonly #provider: Provider;
  readonly #request: ChatRequest;
  readonly #chatOptions: { signal?: AbortSignal } | undefined;
  readonly #options: MeterOptions;
  #inner: AsyncIterator<ChatEvent> | undefined;
  #reservation: Reservation | undefined;
  #inputTokens = 0;
  #countMethod: 'provider' | 'tokenizer' | 'estimate' = 'tokenizer';
  #usage: Usage | undefined;
  /** Set when the provider's usage report was not believed: the usage passed on and recorded is counted here. */
  #suspect = false;
  #contextWindow: number | undefined;
  #output = '';
  #started = 0;
  #recorded = false;

  constructor(
    provider: Provider,
    request: ChatRequest,
    chatOptions: { signal?: AbortSignal } | undefined,
    options: MeterOptions,
  ) {
    this.#provider = provider;
    this.#request = request;
    this.#chatOptions = chatOptions;
    this.#options = options;
  }

  next(): Promise<IteratorResult<ChatEvent>> {
    return this.#inner ? this.#step() : this.#start();
  }

  async #start(): Promise<IteratorResult<ChatEvent>> {
    const { guard, providerId } = this.#options;
    const model = this.#request.model;
    const modelMax = await this.#options.maxOutputTokens?.(model);
    // Never ask for more than the model can give.
    let maxTokens =
      this.#request.maxTokens !== undefined && modelMax !== undefined
        ? Math.min(this.#request.maxTokens, modelMax)
        : (this.#request.maxTokens ?? modelMax);
    this.#contextWindow = await this.#options.contextWindow?.(model);
    this.#started = this.#options.clock.now();
    let { admitRequest, suggested } = await this.#admitRequest(maxTokens);
    const hardCap = this.#options.hardTokenCap?.();
    if (hardCap) {
      // Counted with another family's tokenizer, the input gets the same room for error as a budget's worst case.
      const inputTokens = Math.ceil(this.#inputTokens * (this.#countMethod === 'estimate' ? ESTIMATE_MARGIN : 1));
      maxTokens = capOutput({ inputTokens, maxTokens }, hardCap.tokens, hardCap.providerName);
      admitRequest = { ...admitRequest, maxTokens };
    }
    let admission = await guard.admit(admitRequest);
    const waived = new Set<string>();
    let askedPrice = false;
    while (!admission.allowed) {
      if (admission.unknownPrice === 'ask' && !askedPrice && this.#options.askUnknownPrice) {
        // A model nobody knows the price of: its price, or allowing it, or nothing sent.
        askedPrice = true;
        const answer = await this.#options.askUnknownPrice({
          providerId,
          modelId: model,
          ...(admitRequest.unknownPrice?.estimatedFrom
            ? { estimatedFrom: admitRequest.unknownPrice.estimatedFrom }
            : {}),
          ...(suggested ? { suggested } : {}),
          message: admission.message,
          budget: admission.budget,
        });
        if (answer === undefined)
          throw new ProviderError('quota_exceeded', `Not sent: ${model} has no known price.`, {
            code: 'budget_unknown_price',
          });
        if (answer === 'allowed')
          admitRequest = { ...admitRequest, unknownPrice: { ...admitRequest.unknownPrice, allowed: true } };
        else ({ admitRequest, suggested } = await this.#admitRequest(maxTokens));
      } else if (
        // Each 'ask' budget in the way is asked about in turn; a "no" refuses the request.
        admission.mode === 'ask' &&
        !admission.unknownPrice &&
        !waived.has(admission.budget.id) &&
        (await this.#options.confirmOverBudget?.(admission.message, admission.budget))
      )
        waived.add(admission.budget.id);
      else break;
      admission = await guard.admit(admitRequest, waived);
    }
    for (const notice of admission.notices) this.#options.onNotice?.(notice);
    if (!admission.allowed) {
      // A budget the user set is a quota: the router moves on (a 'switch' budget), the chat says why.
      const code =
        admission.unknownPrice && admission.mode !== 'switch' ? 'budget_unknown_price' : `budget_${admission.mode}`;
      throw new ProviderError('quota_exceeded', admission.message, { code, budgetId: admission.budget.id });
    }
    if (admission.unpriced)
      this.#options.onUnpriced?.(
        `${providerId} ${model} has no known price and no similar model to estimate it from: sent under your budget and counted at $0`,
      );
    this.#reservation = admission.reservation;
    const request =
      admission.maxTokens !== undefined && admission.maxTokens !== this.#request.maxTokens
        ? { ...this.#request, maxTokens: admission.maxTokens }
        : this.#request;
    try {
      this.#inner = this.#provider.chat(request, this.#chatOptions)[Symbol.asyncIterator]();
    } catch (error) {
      await this.#options.guard.release(this.#reservation);
      throw error;
    }
    return this.#step();
  }

  /** What the budgets are asked: the prompt's cost and the output price, estimated or not known. */
  async #admitRequest(
    maxTokens: number | undefined,
  ): Promise<{ admitRequest: AdmitRequest; suggested?: { input: number; output: number } }> {
    const model = this.#request.model;
    const estimate = await estimateCost(this.#options.pricing(model), this.#request, this.#options.type, maxTokens);
    this.#inputTokens = estimate.inputTokens;
    this.#countMethod = estimate.method;
    const unknown = estimate.priceSource === 'estimated' || estimate.priceSource === 'unknown';
    const admitRequest: AdmitRequest = {
      providerId: this.#options.providerId,
      modelId: model,
      inputUsd: (estimate.inputUsd ?? 0) * (estimate.method === 'estimate' ? ESTIMATE_MARGIN : 1),
      outputUsdPerToken: estimate.outputUsdPerToken,
      maxTokens,
      minOutputTokens: MIN_OUTPUT_TOKENS,
      ...(unknown
        ? {
            unknownPrice: {
              ...(estimate.estimatedFrom ? { estimatedFrom: estimate.estimatedFrom } : {}),
              allowed: this.#options.unknownPriceAllowed?.(model) ?? false,
            },
          }
        : {}),
    };
    // The closest model's price, offered as the user's starting point.
    const prices = estimate.estimatedFrom ? (await priceOf(this.#options.pricing(model), model)).prices : undefined;
    return { admitRequest, ...(prices ? { suggested: { input: prices.input, output: prices.output } } : {}) };
  }

  #step(): Promise<IteratorResult<ChatEvent>> {
    return this.#inner!.next().then(
      async (result) => {
        if (result.done) this.#finish('ok');
        else if (result.value.type === 'usage')
          return { done: false, value: { type: 'usage', usage: await this.#believed(result.value.usage) } };
        else if (result.value.type === 'text' || result.value.type === 'reasoning') this.#output += result.value.text;
        return result;
      },
      (error: unknown) => {
        this.#finish(error instanceof ProviderError && error.kind === 'cancelled' ? 'cancelled' : 'error');
        throw error;
      },
    );
  }

  /**
   * The usage to pass on and record: the provider's, or, when it is beyond belief, what was counted
   * here (so the chat's footer shows the figures the ledger records, not the provider's).
   */
  async #believed(reported: Usage): Promise<Usage> {
    const problem = usageProblem(reported, this.#contextWindow);
    if (!problem) return (this.#usage = reported);
    this.#options.onSuspectUsage?.(
      `${this.#options.providerId} ${this.#request.model}: usage report not used (${problem}); priced from counted tokens`,
    );
    this.#suspect = true;
    return (this.#usage = await this.#counted());
  }

  /** The request's tokens as counted here: the prompt when it was admitted, the answer so far. */
  async #counted(): Promise<Usage> {
    const output = await countPromptTokens(
      { model: this.#request.model, messages: [{ role: 'assistant', content: this.#output }] },
      this.#options.type,
    );
    return { inputTokens: this.#inputTokens, outputTokens: Math.max(0, output.tokens - 4) };
  }

  async return(): Promise<IteratorResult<ChatEvent>> {
    // Never started: nothing was sent, nothing to record.
    if (!this.#inner) return { value: undefined, done: true };
    await this.#inner.return?.();
    this.#finish(this.#usage ? 'ok' : 'cancelled');
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Records the request once, whatever ended it; the record settles the reservation (released if no record could be made). */
  #finish(outcome: 'ok' | 'error' | 'cancelled'): void {
    if (this.#recorded) return;
    this.#recorded = true;
    const latencyMs = this.#options.clock.now() - this.#started;
    void this.#record(outcome, latencyMs).catch(async (error: unknown) => {
      this.#options.onRecordError?.(error);
      await this.#options.guard.release(this.#reservation);
    });
  }

  async #record(outcome: 'ok' | 'error' | 'cancelled', latencyMs: number): Promise<void> {
    const model = this.#request.model;
    let usage = this.#usage;
    // Counted here rather than reported (not believed, or never sent): an estimate.
    let estimated = this.#suspect;
    if (!usage && this.#output === '' && outcome !== 'ok') {
      // Refused or failed before any answer: nothing was generated, and providers do not bill that.
      usage = { inputTokens: 0, outputTokens: 0 };
    } else if (!usage) {
      // No usage from the provider (a cut stream, a server that never reports it): count what went and came.
      usage = await this.#counted();
      estimated = true;
    }
    const cost = await costOf(this.#options.pricing(model), model, usage, { estimated });
    // Booked when it was admitted, in the period its reservation was made for; the record settles the reservation.
    this.#options.ledger.record(
      {
        at: this.#started,
        providerId: this.#options.providerId,
        modelId: model,
        usage,
        cost,
        surface: this.#options.surface,
        ...(this.#options.initiator ? { initiator: this.#options.initiator } : {}),
        outcome,
        latencyMs,
        ...(this.#suspect ? { suspect: true } : {}),
      },
      this.#reservation,
    );
  }
}
