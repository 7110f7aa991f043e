import * as z from '../zod';
import { ProviderError } from '../errors';
import { BUDGET_ID_MAX } from '../registry/ids';
import { formatUsd as usd } from './money';

/** An id as budgets name them: a control character could make two scopes look alike in a log or a key. */
const id = z.string().check(
  z.minLength(1),
  z.maxLength(BUDGET_ID_MAX),
  z.refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters'),
);

export const budgetSchema = z.strictObject({
  id,
  scope: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('overall') }),
    z.strictObject({ kind: z.literal('provider'), providerId: id }),
    z.strictObject({ kind: z.literal('model'), providerId: id, modelId: id }),
  ]),
  period: z.enum(['daily', 'monthly']),
  limitUsd: z.number().check(z.positive()),
  /** Fraction of the limit at which the user is told (default 0.8). */
  alertAt: z._default(z.number().check(z.gt(0), z.lte(1)), 0.8),
  /**
   * warn: tell, never block; ask: ask before a request that would cross it; stop: refuse it;
   * switch: refuse it here so the router moves to a cheaper model in the fallback chain.
   */
  mode: z.enum(['warn', 'ask', 'stop', 'switch']),
});
export type Budget = z.output<typeof budgetSchema>;
/** A budget as the guard keeps it: the user's, or one Switchboard derives (a team gateway's remaining credit). */
export type EnforcedBudget = Budget & {
  /** How messages name it, where its period and limit would mislead. */
  label?: string;
};

/**
 * What a budget that refuses requests (stop, ask, switch) does with a model nobody knows the price
 * of (`switchboard.unknownPrice`): `ask` the user once per model (where someone can be asked; a
 * model they allowed passes), `allow` it (priced as the closest known model, or at $0 without one),
 * or `block` it.
 */
export const UNKNOWN_PRICE_POLICIES = ['ask', 'allow', 'block'] as const;
export type UnknownPricePolicy = (typeof UNKNOWN_PRICE_POLICIES)[number];
export type BudgetScope = Budget['scope'];

/** Spend already recorded (by the usage ledger) for a scope in the period containing `now`. */
export interface SpendSource {
  spentUsd(scope: BudgetScope, period: Budget['period'], now: number): number;
}

export interface BudgetNotice {
  budget: Budget;
  level: 'alert' | 'limit';
  /** Spend plus this request's worst case, as a fraction of the limit. */
  fraction: number;
  /** Identifies the period, so the host tells the user once per budget and period. */
  periodKey: string;
}

export interface AdmitRequest {
  providerId: string;
  modelId: string;
  /** What the prompt costs, known before sending. */
  inputUsd: number;
  /** Price of one output token; undefined when the model has no known price. */
  outputUsdPerToken: number | undefined;
  /** The request's cap (or the model's maximum output). */
  maxTokens?: number;
  /** The least output worth sending for; below this the request is refused rather than cut to nothing. */
  minOutputTokens?: number;
  /**
   * Nobody knows the model's price (implied when `outputUsdPerToken` is undefined). `estimatedFrom`:
   * it is priced as that known model (the closest: `inputUsd` and `outputUsdPerToken` are its);
   * `allowed`: the user let this model through without a price.
   */
  unknownPrice?: { estimatedFrom?: string; allowed?: boolean };
}

export type Admission =
  | {
      allowed: true;
      reservation?: Reservation;
      maxTokens?: number;
      notices: BudgetNotice[];
      /** Sent under a refusing budget without any price: counted at $0 (say so). */
      unpriced?: boolean;
    }
  | {
      allowed: false;
      budget: Budget;
      mode: 'ask' | 'stop' | 'switch';
      message: string;
      notices: BudgetNotice[];
      /** Refused for want of a price, under this policy (`ask`: the user may be asked, then it is admitted again). */
      unknownPrice?: UnknownPricePolicy;
    };

export interface BudgetGuardOptions {
  /** What refusing budgets do with a model nobody knows the price of (default `block`). */
  unknownPrice?: () => UnknownPricePolicy;
  /** How to set a model's price, said when one is refused for want of it. */
  setPriceHint?: string;
}

export interface Reservation {
  readonly id: string;
  readonly at: number;
  readonly worstUsd: number;
  readonly budgets: readonly string[];
  readonly periodKeys: readonly string[];
}

/** Spend and reservations as one decision sees them, every window's included. */
export interface SpendView extends SpendSource {
  /** Worst cases of requests in flight (in any window) that count against this budget in this period. */
  reservedUsd(budgetId: string, periodKey: string): number;
  reserve(worstUsd: number, budgets: string[], periodKeys: string[]): Reservation;
}

/** Where spend is kept (the usage ledger): decisions are made one at a time across every window. */
export interface SpendBook extends SpendSource {
  decide<T>(decide: (view: SpendView) => T): Promise<T>;
  /** Gives up a reservation whose request was never sent (a recorded request settles its own). */
  release(reservation: Reservation): Promise<void>;
}

/** The period a moment falls in, in the user's local time: `2026-11-21` or `2026-11`. */
export function periodKey(period: Budget['period'], now: number): string {
  const date = new Date(now);
  const month = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`;
  return period === 'monthly' ? month : `${month}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Whether a budget's scope covers a request to this provider and model. */
export function budgetApplies(scope: BudgetScope, request: Pick<AdmitRequest, 'providerId' | 'modelId'>): boolean {
  switch (scope.kind) {
    case 'overall':
      return true;
    case 'provider':
      return scope.providerId === request.providerId;
    case 'model':
      return scope.providerId === request.providerId && scope.modelId === request.modelId;
  }
}

/** Dollar amounts are sums of floats: $5 − $4.90 − $0.05 is 0.04999…; this is far below any real token price. */
const EPSILON = 1e-9;
/**
 * The cap a budget gives a request that has none (its model's limit unknown): the whole remaining
 * budget would be a cap no provider accepts, and would reserve the whole budget for one request.
 */
export const DEFAULT_OUTPUT_CAP = 16_384;

/**
 * Keeps spend inside budgets before requests are sent, not after, across every window of the
 * machine. A request's worst case (its known input cost plus its output cap at the output price) is
 * checked against what each applicable budget has left, after every window's spend and the worst
 * cases of requests still in flight anywhere; the cap is lowered to fit when that suffices, and the
 * request refused when even a minimal answer would not fit. Decisions are made one at a time (the
 * book's lock), so any number of requests started at once, in any windows, cannot overspend
 * together. Once a request ends, its record settles its reservation.
 */
export class BudgetGuard {
  readonly #budgets: () => readonly EnforcedBudget[];
  readonly #book: SpendBook;
  readonly #now: () => number;
  readonly #options: BudgetGuardOptions;

  constructor(
    budgets: () => readonly EnforcedBudget[],
    book: SpendBook,
    now: () => number = Date.now,
    options: BudgetGuardOptions = {},
  ) {
    this.#budgets = budgets;
    this.#book = book;
    this.#now = now;
    this.#options = options;
  }

  /** `waived`: budgets in 'ask' mode the user chose to go past for this one request (they only warn). */
  async admit(request: AdmitRequest, waived: ReadonlySet<string> = new Set()): Promise<Admission> {
    // A model nobody knows the price of is not free because the closest known one is.
    const free = request.inputUsd === 0 && request.outputUsdPerToken === 0 && !request.unknownPrice;
    const budgets = free ? [] : this.#budgets().filter((budget) => budgetApplies(budget.scope, request));
    if (budgets.length === 0)
      return {
        allowed: true,
        ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
        notices: [],
      };
    try {
      const policy = this.#options.unknownPrice?.() ?? 'block';
      const hint = this.#options.setPriceHint ?? 'Set its price to use it under this budget.';
      return await this.#book.decide((view) => decide(request, budgets, waived, this.#now(), view, policy, hint));
    } catch (error) {
      // Without every window's spend the budget cannot be kept: not sent, and not the provider's fault
      // (a budget code ends the route without counting against any model's circuit).
      throw new ProviderError(
        'quota_exceeded',
        `The request was not sent: Switchboard could not check your budget with your other windows (${error instanceof Error ? error.message : String(error)}).`,
        { code: 'budget_unavailable', cause: error },
      );
    }
  }

  /** A reservation whose request was never sent or recorded. */
  release(reservation: Reservation | undefined): Promise<void> {
    return reservation ? this.#book.release(reservation) : Promise.resolve();
  }
}

function decide(
  request: AdmitRequest,
  budgets: readonly EnforcedBudget[],
  waived: ReadonlySet<string>,
  now: number,
  view: SpendView,
  policy: UnknownPricePolicy,
  hint: string,
): Admission {
  const notices: BudgetNotice[] = [];
  let maxTokens = request.maxTokens;
  const minOutput = request.minOutputTokens ?? 1;
  const unknown = request.unknownPrice ?? (request.outputUsdPerToken === undefined ? {} : undefined);
  // Let through: the setting says so, or the user allowed this model when asked ('block' is the user's last word).
  const letThrough = policy === 'allow' || (policy === 'ask' && unknown?.allowed === true);
  let unpriced = false;
  const standings = budgets.map((budget) => {
    const key = periodKey(budget.period, now);
    const committed = view.spentUsd(budget.scope, budget.period, now) + view.reservedUsd(budget.id, key);
    return {
      budget,
      key,
      committed,
      remaining: budget.limitUsd - committed,
      enforcing: budget.mode !== 'warn' && !waived.has(budget.id),
      name: budget.label ?? `${budget.period} budget of ${usd(budget.limitUsd)}`,
    };
  });
  const exceeds = ({ budget, remaining, name }: (typeof standings)[number]): Admission => ({
    allowed: false,
    budget,
    mode: budget.mode as 'ask' | 'stop' | 'switch',
    message: `This request would exceed the ${name}: ${usd(Math.max(0, remaining))} left.`,
    notices,
  });
  // A budget already used up refuses whatever the price: nobody is asked about a model's price
  // (or to set one) for a request no price could let through (a team gateway's spent key, say).
  const usedUp =
    unknown && !letThrough && standings.find((standing) => standing.enforcing && standing.remaining <= EPSILON);
  if (usedUp) return exceeds(usedUp);

  for (const standing of standings) {
    const { budget, key, committed, remaining, enforcing, name } = standing;
    // The price rule holds under every budget that is not a warning: a "send anyway" lets a request go
    // over a limit, not go unpriced.
    const priced = budget.mode !== 'warn';
    if (unknown && priced && !letThrough) {
      const estimate = unknown.estimatedFrom ? ` (a similar model, ${unknown.estimatedFrom}, has one)` : '';
      return {
        allowed: false,
        budget,
        mode: budget.mode as 'ask' | 'stop' | 'switch',
        message:
          policy === 'block'
            ? `${request.modelId} has no known price${estimate}, and models without one are blocked under the ${name}. ${hint}`
            : `${request.modelId} has no known price${estimate}, so the ${name} cannot be kept without asking you. ${hint}`,
        notices,
        unknownPrice: policy,
      };
    }
    if (request.outputUsdPerToken === undefined) {
      // Let through without any price: counted at $0, and the host says so.
      if (priced) unpriced = true;
      continue;
    }
    const worst = (tokens: number | undefined) => request.inputUsd + (tokens ?? 0) * request.outputUsdPerToken!;
    if (enforcing) {
      // 'ask' asks before a request that could cross the limit, rather than cutting its answer short.
      const crossing = budget.mode === 'ask' ? worst(maxTokens ?? DEFAULT_OUTPUT_CAP) : worst(minOutput);
      if (crossing > remaining + EPSILON) return exceeds(standing);
      // Output that fits what is left, never above the request's own cap (or a default one);
      // a free-output model (price 0) needs no cap.
      if (request.outputUsdPerToken > 0) {
        const fits = Math.floor((remaining - request.inputUsd + EPSILON) / request.outputUsdPerToken);
        maxTokens = Math.min(fits, maxTokens ?? DEFAULT_OUTPUT_CAP);
      }
    }
    // Told by what is spent and reserved, and this prompt: a capped answer alone does not reach a limit.
    const fraction = (committed + request.inputUsd) / budget.limitUsd;
    if (fraction >= 1 - EPSILON) notices.push({ budget, level: 'limit', fraction, periodKey: key });
    else if (fraction >= budget.alertAt) notices.push({ budget, level: 'alert', fraction, periodKey: key });
  }

  if (request.outputUsdPerToken === undefined)
    return {
      allowed: true,
      ...(maxTokens === undefined ? {} : { maxTokens }),
      notices,
      ...(unpriced ? { unpriced } : {}),
    };
  const reservation = view.reserve(
    request.inputUsd + (maxTokens ?? 0) * request.outputUsdPerToken,
    budgets.map((budget) => budget.id),
    [...new Set(budgets.map((budget) => periodKey(budget.period, now)))],
  );
  return { allowed: true, reservation, ...(maxTokens === undefined ? {} : { maxTokens }), notices };
}
