import * as vscode from 'vscode';
import {
  findTemplate,
  formatUsd as usd,
  gatewayBudget,
  gatewayModels,
  isProviderError,
  periodKey,
  reconcileSpend,
  type EnforcedBudget,
  type GatewayReading,
  type GatewayStatus,
  type Logger,
  type Registry,
  type UsageLedger,
} from '../core';
import type { Dialogs } from '../platform/dialogs';
import type { Settings } from '../platform/settings';
import type { GatewayComparison, GatewayView } from '../services';
import { gatewayLines, lowLimits, resetWords } from './gatewayText';

const LOW_CREDIT_KEY = 'switchboard.gatewayLowCredit';

interface GatewayState {
  reading?: GatewayReading;
  /** The gateway refused the key itself (spent, expired, blocked): every route checks it, so this is the answer. */
  refusal?: { message: string; spent: boolean; at: number; monthSpentAtRead: number };
}

/**
 * The team gateways' view of the user's keys (LiteLLM proxy, OpenRouter): read on a schedule, when a
 * key or provider changes and on demand; kept current after each request from this machine's own
 * ledger (no request); enforced before sending as a budget (the gateway's last known remaining
 * credit, in the user's mode); a low remainder told once per period. A gateway without the routes
 * (an older LiteLLM, a key that may not read them) is simply not shown.
 */
export class GatewayService implements GatewayView, vscode.Disposable {
  readonly #states = new Map<string, GatewayState>();
  /** The latest read of each provider, counted. */
  readonly #reads = new Map<string, number>();
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.#changed.event;
  readonly #disposables: vscode.Disposable[] = [this.#changed];
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly ledger: UsageLedger,
    private readonly settings: Settings,
    private readonly dialogs: Dialogs,
    private readonly memento: vscode.Memento,
    private readonly log: Logger,
  ) {
    const registryChanged = registry.onDidChange((change) => {
      if (change.type === 'key') void this.refresh(change.providerId);
      else void this.#readNew();
    });
    // After each request (here or in another window): the remaining figure moves with the ledger.
    const spendChanged = ledger.onDidChange(() => {
      this.#warnIfLow();
      this.#changed.fire();
    });
    this.#disposables.push(
      { dispose: () => (registryChanged.dispose(), spendChanged.dispose(), this.#stopTimer()) },
      settings.onDidChange(['gateway'], () => this.#schedule()),
    );
    this.#schedule();
    void this.#readNew();
  }

  /** Enabled providers that are team gateways (a LiteLLM proxy's or OpenRouter's template); a LiteLLM proxy keeps a spend log. */
  gatewayProviders(): Array<{ id: string; name: string; keepsSpendLog: boolean }> {
    return this.registry.list().flatMap((entry) => {
      const listing = findTemplate(entry.template ?? '')?.modelListing;
      return entry.enabled && isGatewayListing(listing)
        ? [{ id: entry.id, name: entry.name, keepsSpendLog: listing === 'litellm' }]
        : [];
    });
  }

  #schedule(): void {
    this.#stopTimer();
    const minutes = this.settings.current.gateway.refreshMinutes;
    if (minutes > 0) this.#timer = setInterval(() => void this.refresh(), minutes * 60_000);
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Gateways not read yet (just added, or declared by a workspace file); states of providers gone are dropped. */
  async #readNew(): Promise<void> {
    const ids = new Set(this.gatewayProviders().map((provider) => provider.id));
    for (const id of this.#states.keys()) if (!ids.has(id)) this.#states.delete(id);
    await Promise.all([...ids].filter((id) => !this.#states.has(id)).map((id) => this.refresh(id)));
  }

  /** Reads each gateway's status now (one provider's, given its id). */
  async refresh(providerId?: string): Promise<void> {
    const ids = providerId ? [providerId] : this.gatewayProviders().map((provider) => provider.id);
    // Called without waiting (the schedule, a key change): a failure is logged, never left unhandled.
    await Promise.all(
      ids.map((id) =>
        this.#read(id).catch((error: unknown) => this.log.warn(`could not read ${id}'s key status`, error)),
      ),
    );
  }

  async #read(id: string): Promise<void> {
    // Reads may overlap (a key set while the schedule reads): only the latest one's answer is kept.
    const mine = (this.#reads.get(id) ?? 0) + 1;
    this.#reads.set(id, mine);
    const latest = () => this.#reads.get(id) === mine;
    const entry = this.registry.get(id);
    if (!entry || !this.gatewayProviders().some((provider) => provider.id === id)) {
      if (this.#states.delete(id)) this.#changed.fire();
      return;
    }
    if (!(await this.registry.keyState(id)).hasKey) return;
    const reader = await this.registry.gatewayFor(id).catch(() => undefined);
    if (!reader) return;
    const monthSpentAtRead = this.#monthSpent(id, Date.now());
    try {
      const status = await reader.status(AbortSignal.timeout(30_000));
      if (!latest()) return;
      this.#states.set(id, status ? { reading: { status, monthSpentAtRead } } : {});
    } catch (error) {
      if (!latest()) return;
      if (isProviderError(error) && (error.kind === 'quota_exceeded' || error.kind === 'invalid_credentials')) {
        // Its budget spent, or the key expired or blocked: said as the gateway said it.
        this.#states.set(id, {
          refusal: { message: error.message, spent: error.kind === 'quota_exceeded', at: Date.now(), monthSpentAtRead },
        });
      } else {
        // Unreachable for now: the last reading stands, and requests meet the gateway's own answer.
        this.log.warn(`could not read ${entry.name}'s key status`, error);
        return;
      }
    }
    this.#changed.fire();
    this.#warnIfLow();
  }

  #monthSpent(providerId: string, now: number): number {
    return this.ledger.spentUsd({ kind: 'provider', providerId }, 'monthly', now);
  }

  /** This machine's spend on the provider since a read (after a read in an earlier month: the rest of that month's, and all of this one's). */
  #since(providerId: string, at: number, monthSpentAtRead: number, now: number): number {
    const month = this.#monthSpent(providerId, now);
    const sinceInReadMonth = Math.max(0, this.#monthSpent(providerId, at) - monthSpentAtRead);
    const sameMonth = periodKey('monthly', at) === periodKey('monthly', now);
    return sameMonth ? sinceInReadMonth : sinceInReadMonth + month;
  }

  /** The last answer about a provider's key (undefined: not a gateway, no key, or the gateway does not say). */
  status(providerId: string): GatewayStatus | undefined {
    return this.#states.get(providerId)?.reading?.status;
  }

  /** The models the key may use, by the gateway's last answer; undefined: any (or not known). */
  allowedModels(providerId: string): string[] | undefined {
    const status = this.status(providerId);
    return status ? gatewayModels(status) : undefined;
  }

  /** What the card, the status bar and the usage view say about a provider's gateway and the team's policy for it. */
  lines(providerId: string, now = Date.now()): string[] {
    return this.#lines(providerId, now, true);
  }

  /** `models`: with the models the key and the team allow (the card has room for them, the tooltip not). */
  #lines(providerId: string, now: number, models: boolean): string[] {
    const state = this.#states.get(providerId);
    const reading = state?.reading;
    const gateway = state?.refusal
      ? [`Team gateway: ${state.refusal.message}`]
      : reading
        ? gatewayLines(
            reading.status,
            this.#since(providerId, reading.status.at, reading.monthSpentAtRead, now),
            now,
            models,
          )
        : [];
    return [...gateway, ...this.#policyLines(providerId, now, models)];
  }

  /** The workspace file's ceilings for the provider: its team budget with this machine's spend, its allowed models. */
  #policyLines(providerId: string, now: number, models: boolean): string[] {
    const policy = this.registry.teamPolicy()[providerId];
    if (!policy) return [];
    const lines: string[] = [];
    if (policy.budget) {
      const spent = this.ledger.spentUsd({ kind: 'provider', providerId }, policy.budget.period, now);
      lines.push(
        `Team budget (.vscode/switchboard.json): ${usd(spent)} of ${usd(policy.budget.limitUsd)} ${policy.budget.period === 'daily' ? 'today' : 'this month'} on this machine`,
      );
    }
    if (models && policy.allowedModels) lines.push(`Team policy allows: ${policy.allowedModels.join(', ')}`);
    return lines;
  }

  /** Every gateway's lines, each named by its provider (the status bar tooltip). */
  allLines(now = Date.now()): string[] {
    const policy = this.registry.teamPolicy();
    const ids = new Set([...this.gatewayProviders().map(({ id }) => id), ...Object.keys(policy)]);
    return [...ids].flatMap((id) => {
      const name = this.registry.get(id)?.name ?? id;
      return this.#lines(id, now, false).map((line) => `${name}: ${line}`);
    });
  }

  /** Each gateway's last known remaining credit as a budget the guard enforces before sending. */
  budgets(now = Date.now()): EnforcedBudget[] {
    const mode = this.settings.current.gateway.budgetMode;
    return this.gatewayProviders().flatMap(({ id, name }) => {
      const state = this.#states.get(id);
      // A gateway that refused the key for its budget has nothing left until it says otherwise.
      const reading: GatewayReading | undefined = state?.refusal?.spent
        ? {
            status: { gateway: 'litellm', at: state.refusal.at, key: { remainingUsd: 0 } },
            monthSpentAtRead: state.refusal.monthSpentAtRead,
          }
        : state?.reading;
      const budget = reading
        ? gatewayBudget(id, name, reading, mode, now, this.#monthSpent(id, reading.status.at))
        : undefined;
      return budget ? [budget] : [];
    });
  }

  /** Tells the user once per budget period that a key's (or its team's) credit is low. */
  #warnIfLow(now = Date.now()): void {
    const percent = this.settings.current.gateway.lowCreditPercent;
    for (const { id, name } of this.gatewayProviders()) {
      const reading = this.#states.get(id)?.reading;
      if (!reading) continue;
      const since = this.#since(id, reading.status.at, reading.monthSpentAtRead, now);
      for (const low of lowLimits(reading.status, since, percent)) {
        const key = `${id}:${low.which}:${low.limit.resetAt ?? periodKey('monthly', now)}`;
        const told = this.memento.get<string[]>(LOW_CREDIT_KEY, []);
        if (told.includes(key)) continue;
        void this.memento.update(LOW_CREDIT_KEY, [...told.slice(-49), key]);
        const reset = resetWords(low.limit.resetAt, now);
        void this.dialogs.warn(
          `Switchboard: ${name}'s ${low.which === 'key' ? 'key' : 'team'} has ${usd(low.left)} of ${usd(low.limit.limitUsd!)} left${reset ? ` (${reset})` : ''}.`,
        );
      }
    }
  }

  /**
   * This machine's records for a provider beside the gateway's spend log for the key, day by day
   * (`from`, `to`: `YYYY-MM-DD`, inclusive); undefined where the gateway keeps no log the key may read.
   */
  async compare(
    providerId: string,
    from: string,
    to: string,
    signal?: AbortSignal,
  ): Promise<GatewayComparison | undefined> {
    const reader = await this.registry.gatewayFor(providerId);
    const log = await reader?.spendLog(from, to, signal);
    if (!log) return undefined;
    const recorded = new Map<string, number>();
    for (const day of this.ledger.totals({ from, to }, 'day').keys()) {
      // The day's spend on this provider only.
      const mine = this.ledger.totals({ from: day, to: day }, 'provider').get(providerId)?.usd ?? 0;
      if (mine > 0) recorded.set(day, mine);
    }
    return { ...reconcileSpend(recorded, log.days), skipped: log.skipped, from, to };
  }

  dispose(): void {
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }
}

function isGatewayListing(listing: string | undefined): boolean {
  return listing === 'litellm' || listing === 'openrouter';
}
