import { ProviderError } from '../errors';
import type { ChatEvent, ChatRequest, Clock, Provider, ProviderType, Usage } from '../types';
import type { Budget, BudgetGuard, BudgetNotice, Reservation } from './budgets';
import { countPromptTokens, estimateCost } from './estimate';
import type { Surface, UsageLedger } from './ledger';
import { costOf, type PricingContext } from './pricing';

export interface MeterOptions {
  providerId: string;
  type: ProviderType;
  /** The model's price context: catalog ids, local, the user's price overrides. */
  pricing: (modelId: string) => PricingContext;
  /** The model's largest answer, when known (the user's setting, else the catalog): the worst case of a request without its own cap. */
  maxOutputTokens?: (modelId: string) => number | undefined | Promise<number | undefined>;
  ledger: UsageLedger;
  guard: BudgetGuard;
  surface: Surface;
  clock: Clock;
  /** A budget's alert threshold or limit was reached (the host tells the user once per period). */
  onNotice?: (notice: BudgetNotice) => void;
  /** A budget in 'ask' mode would be crossed: true goes past it for this request. Without it the request is refused. */
  confirmOverBudget?: (message: string, budget: Budget) => Promise<boolean>;
  /** A recording failed; the request itself was not affected. */
  onRecordError?: (error: unknown) => void;
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
  #usage: Usage | undefined;
  #output = '';
  #started = 0;
  #recorded = false;

  constructor(provider: Provider, request: ChatRequest, chatOptions: { signal?: AbortSignal } | undefined, options: MeterOptions) {
    this.#provider = provider;
    this.#request = request;
    this.#chatOptions = chatOptions;
    this.#options = options;
  }

  next(): Promise<IteratorResult<ChatEvent>> {
    return this.#inner ? this.#step() : this.#start();
  }

  async #start(): Promise<IteratorResult<ChatEvent>> {
    const { guard, providerId, type } = this.#options;
    const model = this.#request.model;
    const modelMax = await this.#options.maxOutputTokens?.(model);
    // Never ask for more than the model can give.
    const maxTokens = this.#request.maxTokens !== undefined && modelMax !== undefined ? Math.min(this.#request.maxTokens, modelMax) : (this.#request.maxTokens ?? modelMax);
    const estimate = await estimateCost(this.#options.pricing(model), this.#request, type, maxTokens);
    this.#inputTokens = estimate.inputTokens;
    this.#started = this.#options.clock.now();
    const admitRequest = {
      providerId,
      modelId: model,
      inputUsd: (estimate.inputUsd ?? 0) * (estimate.method === 'estimate' ? ESTIMATE_MARGIN : 1),
      outputUsdPerToken: estimate.outputUsdPerToken,
      maxTokens,
      minOutputTokens: MIN_OUTPUT_TOKENS,
    };
    let admission = guard.admit(admitRequest);
    const waived = new Set<string>();
    // Each 'ask' budget in the way is asked about in turn; a "no" refuses the request.
    while (!admission.allowed && admission.mode === 'ask' && !waived.has(admission.budget.id) && (await this.#options.confirmOverBudget?.(admission.message, admission.budget))) {
      waived.add(admission.budget.id);
      admission = guard.admit(admitRequest, waived);
    }
    for (const notice of admission.notices) this.#options.onNotice?.(notice);
    if (!admission.allowed) {
      // A budget the user set is a quota: the router moves on, the chat says why.
      throw new ProviderError('quota_exceeded', admission.message, { code: `budget_${admission.mode}` });
    }
    this.#reservation = admission.reservation;
    const request = admission.maxTokens !== undefined && admission.maxTokens !== this.#request.maxTokens ? { ...this.#request, maxTokens: admission.maxTokens } : this.#request;
    try {
      this.#inner = this.#provider.chat(request, this.#chatOptions)[Symbol.asyncIterator]();
    } catch (error) {
      this.#options.guard.settle(this.#reservation);
      throw error;
    }
    return this.#step();
  }

  #step(): Promise<IteratorResult<ChatEvent>> {
    return this.#inner!.next().then(
      (result) => {
        if (result.done) this.#finish('ok');
        else if (result.value.type === 'usage') this.#usage = result.value.usage;
        else if (result.value.type === 'text' || result.value.type === 'reasoning') this.#output += result.value.text;
        return result;
      },
      (error: unknown) => {
        this.#finish(error instanceof ProviderError && error.kind === 'cancelled' ? 'cancelled' : 'error');
        throw error;
      },
    );
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

  /** Records the request once, whatever ended it; the reservation is settled after the record. */
  #finish(outcome: 'ok' | 'error' | 'cancelled'): void {
    if (this.#recorded) return;
    this.#recorded = true;
    const latencyMs = this.#options.clock.now() - this.#started;
    void this.#record(outcome, latencyMs)
      .catch((error: unknown) => this.#options.onRecordError?.(error))
      .finally(() => this.#options.guard.settle(this.#reservation));
  }

  async #record(outcome: 'ok' | 'error' | 'cancelled', latencyMs: number): Promise<void> {
    const model = this.#request.model;
    let usage = this.#usage;
    let estimated = false;
    if (!usage && this.#output === '' && outcome !== 'ok') {
      // Refused or failed before any answer: nothing was generated, and providers do not bill that.
      usage = { inputTokens: 0, outputTokens: 0 };
    } else if (!usage) {
      // No usage from the provider (a cut stream, a server that never reports it): count what went and came.
      const output = await countPromptTokens({ model, messages: [{ role: 'assistant', content: this.#output }] }, this.#options.type);
      usage = { inputTokens: this.#inputTokens, outputTokens: Math.max(0, output.tokens - 4) };
      estimated = true;
    }
    const cost = await costOf(this.#options.pricing(model), model, usage, { estimated });
    // Booked when it was admitted, in the period its reservation was made for.
    this.#options.ledger.record({ at: this.#started, providerId: this.#options.providerId, modelId: model, usage, cost, surface: this.#options.surface, outcome, latencyMs });
  }
}
