import * as vscode from 'vscode';
import {
  isLocalProvider,
  BudgetGuard,
  DeferredEvents,
  findTemplate,
  metered,
  MemorySharedStore,
  periodKey,
  systemClock,
  tokenCapFor,
  UsageLedger,
  teamBudgets,
  type Budget,
  type BudgetNotice,
  type EnforcedBudget,
  type KeyValueStore,
  type LedgerProblem,
  type Logger,
  type PricingContext,
  type Provider,
  type Registry,
  type Surface,
  type Totals,
  type UsageRecord,
} from '../core';
import { Commands } from '../platform/commands';
import type { Dialogs } from '../platform/dialogs';
import type { Settings } from '../platform/settings';
import { FileSharedStore } from '../platform/sharedFileStore';
import type { BudgetUse, CostService as Cost, SpendData } from '../services';
import { GatewayService } from './gateway';
import { TeamPolicyGate } from './teamPolicyGate';
import { SET_PRICE_HINT, UnknownPrices } from './unknownPrices';

const NOTIFIED_KEY = 'switchboard.budgetNotices';
/** The last requests in full (surface, outcome, latency): a file, so globalState keeps only aggregates. */
const RECENT_FILE = 'recent-requests.json';
const RECENT_LIMIT = 500;
const day = (time: number) => periodKey('daily', time);

/** Metering, budgets and the ledger, wired to VS Code's storage. */
export class CostService implements Cost, vscode.Disposable {
  readonly ledger: UsageLedger;
  readonly guard: BudgetGuard;
  /** Models without a known price: the ones allowed, the question about one, a typed price saved. */
  readonly unknownPrices: UnknownPrices;
  readonly gateways: GatewayService;
  readonly #policy: TeamPolicyGate;
  readonly #disposables: vscode.Disposable[] = [];
  #recent: UsageRecord[] | undefined;
  #recentRead: Promise<UsageRecord[]> | undefined;
  #recentWrite: Promise<void> = Promise.resolve();
  #recentTimer: ReturnType<typeof setTimeout> | undefined;
  /** Notices are decided one at a time: requests started together must not each show the same one. */
  #notices: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    memento: KeyValueStore,
    private readonly registry: Registry,
    private readonly settings: Settings,
    private readonly dialogs: Dialogs,
    private readonly log: Logger,
  ) {
    // Budgets hold across every window of the machine through one file in the folder they all share.
    const shared =
      context.globalStorageUri.scheme === 'file'
        ? new FileSharedStore(vscode.Uri.joinPath(context.globalStorageUri, 'shared-usage.json').fsPath, (keptAs) =>
            log.error(`the usage shared between windows could not be read and was kept as ${keptAs}`),
          )
        : (log.warn(
            `global storage is not on disk (${context.globalStorageUri.scheme}:); budgets are kept for this window only`,
          ),
          new MemorySharedStore());
    this.ledger = new UsageLedger(memento, systemClock, {
      shared,
      onProblem: (problem) => this.#storageProblem(problem),
    });
    this.gateways = new GatewayService(
      registry,
      this.ledger,
      settings,
      dialogs,
      context.globalState,
      log.child('gateway'),
    );
    this.#policy = new TeamPolicyGate(registry, settings, context.workspaceState, dialogs);
    // The user's budgets, the team's (workspace file) and each gateway's remaining credit: every one
    // applies, so the stricter refuses.
    this.guard = new BudgetGuard(() => [...this.budgets(), ...this.#derivedBudgets()], this.ledger, Date.now, {
      unknownPrice: () => this.settings.current.unknownPrice,
      setPriceHint: SET_PRICE_HINT,
    });
    this.unknownPrices = new UnknownPrices(context.globalState, registry, dialogs, log);
    const recorded = this.ledger.onDidRecord((record) => void this.#remember(record));
    this.#disposables.push(this.gateways, {
      dispose: () => (recorded.dispose(), this.#recentTimer && clearTimeout(this.#recentTimer)),
    });
  }

  /** Budgets Switchboard derives: the team's from the workspace file, each gateway's remaining credit. */
  #derivedBudgets(): EnforcedBudget[] {
    const name = (providerId: string) => this.registry.get(providerId)?.name ?? providerId;
    return [...teamBudgets(this.registry.teamPolicy(), name), ...this.gateways.budgets()];
  }

  /** The budgets in settings, each checked; an invalid one is left out whole (the settings reader says why). */
  budgets(): Budget[] {
    return this.settings.current.budgets;
  }

  /** Told once each (the ledger keeps retrying a failed write): never an unhandled rejection. */
  #storageProblem(problem: LedgerProblem): void {
    const showLog = async (message: string) => {
      if ((await this.dialogs.warn(message, 'Show Log')) === 'Show Log')
        await vscode.commands.executeCommand(Commands.showLog);
    };
    if (problem.kind === 'damaged') {
      this.log.error(
        `usage data could not all be read; the original was kept as ${problem.backupKey}, and every valid entry still counts: ${problem.problems.slice(0, 20).join('; ')}`,
      );
      void showLog(
        'Switchboard: some usage data was damaged. The valid entries still count; the original was kept (see the log).',
      );
    } else if (problem.kind === 'newer') {
      this.log.warn(
        `usage data was written by a newer Switchboard (format ${problem.version}); this window reads it and does not change it`,
      );
      void showLog(
        'Switchboard: your usage data was written by a newer version of Switchboard. This window reads it but does not change it: update Switchboard to record usage here.',
      );
    } else {
      this.log.error(
        `could not save usage (${problem.where === 'ledger' ? 'the spend totals' : 'the state shared with other windows'}); retrying`,
        problem.error,
      );
      void showLog('Switchboard could not save your usage. It keeps counting and retries; see the log for why.');
    }
  }

  /** A registry provider whose requests pass the budgets and are recorded under `surface`. */
  meteredProvider(providerId: string, surface: Surface, initiator?: string): Provider {
    return this.meter(this.registry.providerFor(providerId), providerId, surface, initiator);
  }

  /**
   * How a provider's model is priced: its template's catalog ids, local or not, the user's prices,
   * and the prices the provider's own model list gave when it was last read (OpenRouter, a LiteLLM
   * proxy): the same inputs `Registry.modelFacts` prices with, so a request costs what the panel and
   * the pickers show; when nobody knows its price, the closest known model of the same catalog
   * provider's.
   */
  pricing(providerId: string, modelId: string): PricingContext {
    const entry = this.registry.get(providerId);
    const template = findTemplate(entry?.template ?? '');
    const listed = this.registry.modelList(providerId)?.models.get(modelId)?.prices;
    const chosen = entry?.models.find((model) => model.id === modelId);
    return {
      catalogIds: template?.catalogIds ?? [],
      // An Azure deployment is priced as the model it runs.
      ...(chosen?.baseModel ? { catalogModel: chosen.baseModel } : {}),
      local: entry ? isLocalProvider(entry) : false,
      overrides: chosen?.prices,
      ...(listed ? { listed } : {}),
      closest: true,
    };
  }

  /** Meters any provider built for a registry entry (the connection test builds its own). */
  meter(provider: Provider, providerId: string, surface: Surface, initiator?: string): Provider {
    const entry = this.registry.get(providerId);
    if (!entry) throw new Error(`No provider "${providerId}".`);
    // Only limits someone knows: a default must not cap an answer nor judge a usage report.
    const known = async (modelId: string) => {
      const facts = await this.registry.modelFacts(providerId, modelId);
      return {
        maxOutputTokens: facts.maxOutputTokens.source === 'default' ? undefined : facts.maxOutputTokens.value,
        contextWindow: facts.contextWindow.source === 'default' ? undefined : facts.contextWindow.value,
      };
    };
    const meteredProvider = metered(provider, {
      providerId,
      type: entry.type,
      pricing: (modelId) => this.pricing(providerId, modelId),
      maxOutputTokens: async (modelId) => (await known(modelId)).maxOutputTokens,
      contextWindow: async (modelId) => (await known(modelId)).contextWindow,
      hardTokenCap: () => {
        const hardTokens = tokenCapFor(this.settings.current.tokenCaps, providerId)?.hardTokens;
        return hardTokens === undefined
          ? undefined
          : { tokens: hardTokens, providerName: this.registry.get(providerId)?.name ?? providerId };
      },
      ledger: this.ledger,
      guard: this.guard,
      surface,
      ...(initiator ? { initiator } : {}),
      clock: systemClock,
      onNotice: (notice) => {
        this.#notices = this.#notices
          .then(() => this.#notify(notice))
          .catch((error: unknown) => this.log.warn('could not show a budget notice', error));
      },
      confirmOverBudget: (message) =>
        this.dialogs.confirm(
          `${message} Send it anyway?`,
          'Send Anyway',
          'The budget is in "ask" mode. Change it with Switchboard: Set Budget.',
        ),
      unknownPriceAllowed: (modelId) => this.unknownPrices.isAllowed(providerId, modelId),
      // Only @switchboard's chat can stop for a question: VS Code's chat and other extensions' requests
      // (and connection tests) are refused with how to set the price.
      ...(surface === 'chat' ? { askUnknownPrice: (question) => this.unknownPrices.ask(question) } : {}),
      onUnpriced: (message) => this.log.warn(message),
      onRecordError: (error) => this.log.error('could not record a request', error),
      onSuspectUsage: (message) => this.log.warn(message),
    });
    return {
      ...meteredProvider,
      // A provider whose own list prices its models (OpenRouter, a LiteLLM proxy) is asked for that
      // list before its first request is priced, when none is kept: its budget can then hold.
      chat: (request, options) =>
        new DeferredEvents(async () => {
          await this.registry.ensureModelList(providerId, request.model);
          await this.#policy.check(providerId, request.model, surface);
          return meteredProvider.chat(this.#policy.prepare(providerId, request), options);
        }),
    };
  }

  #recentUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.globalStorageUri, RECENT_FILE);
  }

  /** The last requests in full, newest last (read from the file on first use). */
  recentRequests(): Promise<UsageRecord[]> {
    // One read, shared: two callers reading at once would each set the list, and a record pushed into the first be lost.
    this.#recentRead ??= this.#readRecent();
    return this.#recentRead;
  }

  async #readRecent(): Promise<UsageRecord[]> {
    try {
      const parsed: unknown = JSON.parse(
        new TextDecoder().decode(await vscode.workspace.fs.readFile(this.#recentUri())),
      );
      this.#recent = Array.isArray(parsed) ? (parsed as UsageRecord[]).slice(-RECENT_LIMIT) : [];
    } catch {
      this.#recent = [];
    }
    return this.#recent;
  }

  async #remember(record: UsageRecord): Promise<void> {
    (await this.recentRequests()).push(record);
    this.#recent!.splice(0, Math.max(0, this.#recent!.length - RECENT_LIMIT));
    this.#recentTimer ??= setTimeout(() => {
      this.#recentTimer = undefined;
      const write = async () => {
        await vscode.workspace.fs.createDirectory(this.context.globalStorageUri);
        await vscode.workspace.fs.writeFile(this.#recentUri(), new TextEncoder().encode(JSON.stringify(this.#recent)));
      };
      this.#recentWrite = this.#recentWrite
        .then(write, write)
        .catch((error: unknown) => this.log.warn('could not save the recent requests', error));
    }, 2000);
  }

  totals(from: number, to: number, groupBy?: 'provider' | 'model' | 'day'): Map<string, Totals> {
    return this.ledger.totals({ from: day(from), to: day(to) }, groupBy);
  }

  /** Spend of each budget so far this period, as a fraction of its limit. */
  budgetUse(now = Date.now()): BudgetUse[] {
    return this.budgets().map((budget) => {
      const spentUsd = this.ledger.spentUsd(budget.scope, budget.period, now);
      return { budget, spentUsd, fraction: spentUsd / budget.limitUsd };
    });
  }

  describeBudget(budget: EnforcedBudget): string {
    if (budget.label) return budget.label;
    const scope =
      budget.scope.kind === 'overall'
        ? 'overall'
        : budget.scope.kind === 'provider'
          ? (this.registry.get(budget.scope.providerId)?.name ?? budget.scope.providerId)
          : `${budget.scope.modelId}`;
    return `${budget.period} ${scope} budget`;
  }

  /** Tells the user once per budget and period that a threshold or the limit was reached (called in order). */
  async #notify(notice: BudgetNotice): Promise<void> {
    const key = `${notice.budget.id}:${notice.periodKey}:${notice.level}`;
    const told = this.context.globalState.get<string[]>(NOTIFIED_KEY, []);
    if (told.includes(key)) return;
    await this.context.globalState.update(NOTIFIED_KEY, [
      ...told.filter((entry) => entry.includes(notice.periodKey.slice(0, 7))),
      key,
    ]);
    const what = this.describeBudget(notice.budget);
    const message =
      notice.level === 'limit'
        ? `Switchboard: the ${what} is reached.`
        : `Switchboard: ${Math.round(notice.fraction * 100)}% of the ${what} is used.`;
    // Not awaited: the next notice need not wait for the user to read this one.
    void this.dialogs.warn(message, 'Show Usage', 'Change Budgets').then(async (choice) => {
      if (choice === 'Show Usage') await vscode.commands.executeCommand(Commands.showUsage);
      if (choice === 'Change Budgets')
        await vscode.commands.executeCommand('workbench.action.openSettings', 'switchboard.budgets');
    });
  }

  /** The panel's usage view: spend per day and provider, per model, and each budget's use. */
  spendData(days: number, now = Date.now()): SpendData {
    // Calendar days, not 24-hour steps: a day with a clock change is still one day.
    const date = new Date(now);
    const noonOf = (daysBack: number) =>
      new Date(date.getFullYear(), date.getMonth(), date.getDate() - daysBack, 12).getTime();
    const from = noonOf(days - 1);
    const series = Array.from({ length: days }, (_, index) => {
      const at = noonOf(days - 1 - index);
      const byProvider: Record<string, number> = {};
      for (const [providerId, totals] of this.totals(at, at, 'provider')) byProvider[providerId] = totals.usd;
      return { date: day(at), byProvider };
    });
    const monthStart = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
    return {
      days: series,
      models: [...this.totals(from, now, 'model')]
        .map(([model, totals]) => ({ model, totals }))
        .sort((a, b) => b.totals.usd - a.totals.usd),
      totals: this.totals(from, now).get('all'),
      todayUsd: this.totals(now, now).get('all')?.usd ?? 0,
      monthUsd: this.totals(monthStart, now).get('all')?.usd ?? 0,
      projectedMonthUsd: this.ledger.projectedMonthUsd(now),
      budgets: this.budgetUse(now).map((item) => ({ ...item, label: this.describeBudget(item.budget) })),
    };
  }

  dispose(): void {
    void this.ledger.dispose();
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }
}
