import type * as vscode from 'vscode';
import type {
  Budget,
  BudgetGuard,
  ChatRequest,
  CircuitBreakers,
  FallbackStep,
  Logger,
  ModelInfo,
  ModelRef,
  PriceDataState,
  PriceQuote,
  PricingContext,
  ReconciledDay,
  Provider,
  ProviderHealth,
  RateLimitPacer,
  Redactor,
  Registry,
  RouteEvent,
  Surface,
  Totals,
  UsageLedger,
  UsageRecord,
} from './core';
import type { Dialogs } from './platform/dialogs';
import type { Settings } from './platform/settings';

/** A budget's use this period. */
export interface BudgetUse {
  budget: Budget;
  spentUsd: number;
  fraction: number;
}

/** The panel's usage section: spend per day and provider, per model, and each budget's use. */
export interface SpendData {
  days: Array<{ date: string; byProvider: Record<string, number> }>;
  models: Array<{ model: string; totals: Totals }>;
  totals: Totals | undefined;
  todayUsd: number;
  monthUsd: number;
  projectedMonthUsd: number;
  budgets: Array<BudgetUse & { label: string }>;
}

/** A provider's records beside its gateway's spend log, day by day and in total (gateway − recorded). */
export interface GatewayComparison {
  from: string;
  to: string;
  days: ReconciledDay[];
  recordedUsd: number;
  gatewayUsd: number;
  differenceUsd: number;
  /** Log rows the gateway sent that could not be read. */
  skipped: number;
}

/** What team gateways (LiteLLM proxy, OpenRouter) say about the user's keys, kept current from the ledger. */
export interface GatewayView {
  readonly onDidChange: vscode.Event<void>;
  /** Enabled providers that are team gateways. */
  gatewayProviders(): Array<{ id: string; name: string; keepsSpendLog: boolean }>;
  /** Reads each gateway's (or one provider's) status now. */
  refresh(providerId?: string): Promise<void>;
  /** "Team gateway: $41.20 of $100 this month, resets in 9 days ($58.80 left)", the team's, the key's models. */
  lines(providerId: string, now?: number): string[];
  /** Every gateway's lines, each named by its provider. */
  allLines(now?: number): string[];
  /** The models the key may use by the gateway's last answer; undefined: any, or not known. */
  allowedModels(providerId: string): string[] | undefined;
  compare(providerId: string, from: string, to: string, signal?: AbortSignal): Promise<GatewayComparison | undefined>;
}

/** Metering, budgets and the ledger: every metered request passes the budgets and lands in the ledger. */
export interface CostService {
  readonly ledger: UsageLedger;
  readonly guard: BudgetGuard;
  /** Team gateways: their keys' spend and limits, enforced beside the user's budgets. */
  readonly gateways: GatewayView;
  /** A registry provider whose requests pass the budgets and are recorded under `surface`. */
  meteredProvider(providerId: string, surface: Surface, initiator?: string): Provider;
  /** Meters any provider built for a registry entry (the connection test builds its own). */
  meter(provider: Provider, providerId: string, surface: Surface, initiator?: string): Provider;
  pricing(providerId: string, modelId: string): PricingContext;
  budgets(): Budget[];
  budgetUse(now?: number): BudgetUse[];
  describeBudget(budget: Budget): string;
  totals(from: number, to: number, groupBy?: 'provider' | 'model' | 'day'): Map<string, Totals>;
  spendData(days: number, now?: number): SpendData;
  /** The last requests in full, newest last. */
  recentRequests(): Promise<UsageRecord[]>;
}

/** The spend in words: short for chat (`/usage`), in full for the usage report. */
export interface UsageText {
  summary(now?: number): string;
  report(now?: number): string;
}

/** The room a model has, and whether anyone knows it or it is the assumed default. */
/** A model's room, from the registry's model facts. */
export interface ModelLimits {
  contextWindow: number;
  maxOutputTokens: number;
  /** Whether anyone knows the window (else it is the default for the kind of provider). */
  known: boolean;
}

export interface RouteOptions {
  surface: Surface;
  /** Who asked, where VS Code says so (a vscode.lm request's calling extension): on the recent requests only. */
  initiator?: string;
  signal?: AbortSignal;
  steps?: FallbackStep[];
  promptTokens?: number;
  /** false where the caller shows its own action for a refused key (or no one is there to ask). */
  askAboutKeys?: boolean;
  /**
   * With an empty fallback chain, fall over to the other providers' default models
   * (`switchboard.fallback.automatic`): @switchboard does, a model picked in VS Code's picker only
   * with `switchboard.languageModels.useFallbackChain`.
   */
  automaticFallback?: boolean;
}

/** Requests through the fallback chain, with the window's circuit breakers and rate-limit pacing. */
export interface RoutingService {
  readonly circuits: CircuitBreakers;
  readonly pacer: RateLimitPacer;
  /** The chain as configured, default model first, without repeats, disabled or unknown providers. */
  steps(): FallbackStep[];
  limits(step: FallbackStep): Promise<ModelLimits>;
  run(request: Omit<ChatRequest, 'model'>, options: RouteOptions): AsyncGenerator<RouteEvent, void, undefined>;
  /** Paused models and what each provider said it has left, for the status bar. */
  healthLines(): string[];
  /** What the background checks know of an enabled provider (undefined while they are off, or for a disabled one). */
  health(providerId: string): ProviderHealth | undefined;
  /** Circuits opened or closed, a provider's headroom changed, or a background check ended. */
  onDidChangeHealth(listener: () => void): vscode.Disposable;
}

/** A change of model the user is about to make: from which model, named how, and the button that makes it. */
export interface ChangeQuestion {
  /** The model used until now (undefined: none, nothing to compare). */
  from: ModelRef | undefined;
  /** "your default model", "the model of this conversation". */
  what: string;
  /** The modal question's button: "Make Default". */
  action: string;
}

/** The user's answer (`proceed`), and the difference per answer in words, to say after the change. */
export interface ChangeAnswer {
  proceed: boolean;
  note?: string;
}

/** The models of every enabled provider, picked in VS Code's quick pick. */
export interface ModelPicker {
  pick(options: {
    title: string;
    canPickMany?: boolean;
    selected?: ModelRef[];
    signal?: AbortSignal;
  }): Promise<ModelRef[] | undefined>;
  /** Adds a picked model to its provider's chosen models (where the user owns the entry). */
  remember(picked: ModelRef): Promise<void>;
  /**
   * The difference per typical request (the user's own recent sizes) of changing to `to`, and, when
   * it multiplies the cost beyond the fallback cost ratio, the user's answer to a modal question.
   */
  confirmChange(to: ModelRef, question: ChangeQuestion): Promise<ChangeAnswer>;
  /** "$2.50 in · $10 out /M · 128k context · tools, vision", with where the price and window came from when `labels` say. */
  describe(
    model: ModelInfo,
    quote: PriceQuote,
    labels?: { price?: string | undefined; context?: string | undefined },
  ): string;
}

/** The price data in use (its date is the catalog's date beside every catalog value shown), and its changes. */
export interface PriceData {
  readonly state: PriceDataState;
  readonly onDidChange: vscode.Event<void>;
}

/** A change to a model since the user last looked, as a view marks it. */
export interface ModelChangeMark {
  kind: 'new' | 'gone' | 'price';
  /** "new", "gone", "price changed $2.50 → $3.00 in". */
  text: string;
  /** A gone model's last price. */
  was?: { input: number; output: number };
}

/** What changed in each provider's models since the user last looked (the models table, a model picker). */
export interface ModelChanges {
  /**
   * The marks to show for a provider's models in a view (`viewId`: one opening of the table or a
   * picker), by model id, after the lists and prices read so far are compared. Shown once: the same
   * view shows them again, the next view does not.
   */
  take(viewId: string, providerId: string): Promise<Map<string, ModelChangeMark>>;
}

/** Built once in activate() and handed to each feature's register(). */
export interface Services {
  readonly extensionUri: vscode.Uri;
  readonly version: string;
  readonly log: Logger;
  readonly redactor: Redactor;
  readonly settings: Settings;
  readonly dialogs: Dialogs;
  readonly registry: Registry;
  readonly models: ModelPicker;
  readonly cost: CostService;
  readonly prices: PriceData;
  readonly changes: ModelChanges;
  readonly usage: UsageText;
  readonly routing: RoutingService;
}
