import * as vscode from 'vscode';
import {
  BudgetGuard,
  catalogFacts,
  budgetSchema,
  findTemplate,
  formatUsd as usd,
  metered,
  periodKey,
  systemClock,
  UsageLedger,
  usageCsv,
  MemorySharedStore,
  type Budget,
  type BudgetNotice,
  type LedgerProblem,
  type Logger,
  type Provider,
  type PricingContext,
  type Registry,
  type Surface,
  type Totals,
  type UsageRecord,
} from './core';
import { Commands } from './platform/commands';
import { MementoStore } from './platform/mementoStore';
import { FileSharedStore } from './platform/sharedFileStore';

const NOTIFIED_KEY = 'switchboard.budgetNotices';
/** The last requests in full (surface, outcome, latency): a file, so globalState keeps only aggregates. */
const RECENT_FILE = 'recent-requests.json';
const RECENT_LIMIT = 500;
const day = (time: number) => periodKey('daily', time);

/** Budgets from settings, each checked; an invalid one is skipped and logged, never half-applied. */
function readBudgets(log: Logger): Budget[] {
  const raw = vscode.workspace.getConfiguration('switchboard').get<unknown[]>('budgets', []);
  const budgets: Budget[] = [];
  for (const [index, item] of raw.entries()) {
    const parsed = budgetSchema.safeParse(item);
    if (parsed.success) budgets.push(parsed.data);
    else log.warn(`settings switchboard.budgets[${index}] ignored: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return budgets;
}

/** Spend, budgets and the status bar item, wired to VS Code. */
export class CostHost implements vscode.Disposable {
  readonly ledger: UsageLedger;
  readonly guard: BudgetGuard;
  readonly statusBar: vscode.StatusBarItem;
  #budgets: Budget[];
  readonly #disposables: vscode.Disposable[] = [];
  #recent: UsageRecord[] | undefined;
  #recentWrite: Promise<void> = Promise.resolve();
  #recentTimer: ReturnType<typeof setTimeout> | undefined;
  /** Lines about providers' health (circuits, rate-limit headroom) for the tooltip, from the router. */
  #health: () => string[] = () => [];
  /** Notices are decided one at a time: requests started together must not each show the same one. */
  #notices: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly registry: Registry,
    private readonly log: Logger,
  ) {
    // Budgets hold across every window of the machine through one file in the folder they all share.
    const shared =
      context.globalStorageUri.scheme === 'file'
        ? new FileSharedStore(vscode.Uri.joinPath(context.globalStorageUri, 'shared-usage.json').fsPath, (keptAs) => log.error(`the usage shared between windows could not be read and was kept as ${keptAs}`))
        : (log.warn(`global storage is not on disk (${context.globalStorageUri.scheme}:); budgets are kept for this window only`), new MemorySharedStore());
    this.ledger = new UsageLedger(new MementoStore(context.globalState), systemClock, { shared, onProblem: (problem) => this.#storageProblem(problem) });
    this.#budgets = readBudgets(log);
    this.guard = new BudgetGuard(() => this.#budgets, this.ledger);
    this.statusBar = vscode.window.createStatusBarItem('switchboard.cost', vscode.StatusBarAlignment.Right, 100);
    this.statusBar.name = 'Switchboard Cost';
    // The panel's usage section: the chart, the models and the budgets, one click from the spend.
    this.statusBar.command = { command: Commands.openPanel, title: 'Show Usage', arguments: [{ view: 'usage' }] };
    let pending: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        this.refresh();
      }, 200);
    };
    const recorded = this.ledger.onDidRecord((record) => void this.#remember(record));
    // Also other windows' spend, which the ledger sees at least every 15 seconds.
    const spendChanged = this.ledger.onDidChange(soon);
    const registryChanged = registry.onDidChange(soon);
    this.#disposables.push(
      this.statusBar,
      { dispose: () => (recorded.dispose(), spendChanged.dispose(), registryChanged.dispose(), pending && clearTimeout(pending), this.#recentTimer && clearTimeout(this.#recentTimer)) },
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('switchboard.budgets')) this.#budgets = readBudgets(log);
        if (event.affectsConfiguration('switchboard')) this.refresh();
      }),
    );
    this.refresh();
    this.statusBar.show();
  }

  /** Told once each (the ledger keeps retrying a failed write): never an unhandled rejection. */
  #storageProblem(problem: LedgerProblem): void {
    const showLog = async (message: string) => {
      if ((await vscode.window.showWarningMessage(message, 'Show Log')) === 'Show Log') await vscode.commands.executeCommand(Commands.showLog);
    };
    if (problem.kind === 'damaged') {
      this.log.error(`usage data could not all be read; the original was kept as ${problem.backupKey}, and every valid entry still counts: ${problem.problems.slice(0, 20).join('; ')}`);
      void showLog('Switchboard: some usage data was damaged. The valid entries still count; the original was kept (see the log).');
    } else if (problem.kind === 'newer') {
      this.log.warn(`usage data was written by a newer Switchboard (format ${problem.version}); this window reads it and does not change it`);
      void showLog('Switchboard: your usage data was written by a newer version of Switchboard. This window reads it but does not change it: update Switchboard to record usage here.');
    } else {
      this.log.error(`could not save usage (${problem.where === 'ledger' ? 'the spend totals' : 'the state shared with other windows'}); retrying`, problem.error);
      void showLog('Switchboard could not save your usage. It keeps counting and retries; see the log for why.');
    }
  }

  /** A registry provider whose requests pass the budgets and are recorded under `surface`. */
  meteredProvider(providerId: string, surface: Surface): Provider {
    return this.meter(this.registry.providerFor(providerId), providerId, surface);
  }

  /** How a provider's model is priced: its template's catalog ids, local or not, the user's prices. */
  pricing(providerId: string, modelId: string): PricingContext {
    const entry = this.registry.get(providerId);
    const template = findTemplate(entry?.template ?? '');
    return { catalogIds: template?.catalogIds ?? [], local: template?.local, overrides: entry?.models.find((model) => model.id === modelId)?.prices };
  }

  /** Meters any provider built for a registry entry (the connection test builds its own). */
  meter(provider: Provider, providerId: string, surface: Surface): Provider {
    const entry = this.registry.get(providerId);
    if (!entry) throw new Error(`No provider "${providerId}".`);
    const template = findTemplate(entry.template ?? '');
    const modelOf = (modelId: string) => this.registry.get(providerId)?.models.find((model) => model.id === modelId);
    return metered(provider, {
      providerId,
      type: entry.type,
      pricing: (modelId) => this.pricing(providerId, modelId),
      maxOutputTokens: async (modelId) => modelOf(modelId)?.maxOutputTokens ?? (await catalogFacts(template?.catalogIds ?? [], modelId)).maxOutputTokens,
      contextWindow: async (modelId) => modelOf(modelId)?.contextWindow ?? (await catalogFacts(template?.catalogIds ?? [], modelId)).contextWindow,
      ledger: this.ledger,
      guard: this.guard,
      surface,
      clock: systemClock,
      onNotice: (notice) => {
        this.#notices = this.#notices.then(() => this.#notify(notice)).catch((error: unknown) => this.log.warn('could not show a budget notice', error));
      },
      confirmOverBudget: async (message) => (await vscode.window.showWarningMessage(`${message} Send it anyway?`, { modal: true, detail: 'The budget is in "ask" mode. Change it with Switchboard: Set Budget.' }, 'Send Anyway')) === 'Send Anyway',
      onRecordError: (error) => this.log.error('could not record a request', error),
      onSuspectUsage: (message) => this.log.warn(message),
    });
  }

  #recentUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.globalStorageUri, RECENT_FILE);
  }

  /** The last requests in full, newest last (read from the file on first use). */
  async recentRequests(): Promise<UsageRecord[]> {
    if (!this.#recent) {
      try {
        const parsed: unknown = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(this.#recentUri())));
        this.#recent = Array.isArray(parsed) ? (parsed as UsageRecord[]).slice(-RECENT_LIMIT) : [];
      } catch {
        this.#recent = [];
      }
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
      this.#recentWrite = this.#recentWrite.then(write, write).catch((error: unknown) => this.log.warn('could not save the recent requests', error));
    }, 2000);
  }

  #totals(from: number, to: number, groupBy?: 'provider' | 'model' | 'day'): Map<string, Totals> {
    return this.ledger.totals({ from: day(from), to: day(to) }, groupBy);
  }

  /** Spend of each budget so far this period, as a fraction of its limit. */
  budgetUse(now = Date.now()): Array<{ budget: Budget; spentUsd: number; fraction: number }> {
    return this.#budgets.map((budget) => {
      const spentUsd = this.ledger.spentUsd(budget.scope, budget.period, now);
      return { budget, spentUsd, fraction: spentUsd / budget.limitUsd };
    });
  }

  setHealthSource(source: () => string[]): void {
    this.#health = source;
    this.refresh();
  }

  refresh(): void {
    const now = Date.now();
    const monthStart = new Date(new Date(now).getFullYear(), new Date(now).getMonth(), 1).getTime();
    const today = this.#totals(now, now).get('all')?.usd ?? 0;
    const month = this.#totals(monthStart, now).get('all')?.usd ?? 0;
    const showMonth = vscode.workspace.getConfiguration('switchboard').get<string>('statusBar.period', 'today') === 'month';
    const defaultId = this.registry.defaultProvider();
    const defaultEntry = defaultId ? this.registry.get(defaultId) : undefined;
    const defaultModel = this.registry.defaultModel();
    const model = defaultEntry ? `${defaultEntry.name}${defaultModel ? ` · ${defaultModel}` : ''}` : undefined;
    this.statusBar.text = `$(credit-card) ${usd(showMonth ? month : today)} ${showMonth ? 'this month' : 'today'}${model ? ` · ${model}` : ''}`;

    const use = this.budgetUse(now);
    const worst = use.reduce((max, item) => Math.max(max, item.fraction / (item.fraction >= 1 ? 1 : item.budget.alertAt)), 0);
    this.statusBar.backgroundColor =
      use.some((item) => item.fraction >= 1) ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : worst >= 1 ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : undefined;

    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**Switchboard spend**\n\nToday ${usd(today)} · This month ${usd(month)} · On track for ${usd(this.ledger.projectedMonthUsd(now))} this month\n\n`);
    const byProvider = [...this.#totals(monthStart, now, 'provider')].sort((a, b) => b[1].usd - a[1].usd);
    if (byProvider.length > 0) tooltip.appendMarkdown(`${byProvider.map(([provider, totals]) => `- ${this.registry.get(provider)?.name ?? provider}: ${usd(totals.usd)} (${totals.requests} requests)`).join('\n')}\n\n`);
    for (const item of use) tooltip.appendMarkdown(`- ${describeBudget(item.budget, this.registry)}: ${usd(item.spentUsd)} of ${usd(item.budget.limitUsd)} (${Math.round(item.fraction * 100)}%)\n`);
    const reserved = this.ledger.reservedUsd();
    if (reserved > 0) tooltip.appendMarkdown(`\nHeld for requests in flight (every window): up to ${usd(reserved)}\n`);
    if (model) tooltip.appendMarkdown(`\nDefault model: ${model}\n`);
    const health = this.#health();
    if (health.length > 0) tooltip.appendMarkdown(`\n**Providers**\n\n${health.map((line) => `- ${line}`).join('\n')}\n`);
    this.statusBar.tooltip = tooltip;
  }

  /** Tells the user once per budget and period that a threshold or the limit was reached (called in order). */
  async #notify(notice: BudgetNotice): Promise<void> {
    const key = `${notice.budget.id}:${notice.periodKey}:${notice.level}`;
    const told = this.context.globalState.get<string[]>(NOTIFIED_KEY, []);
    if (told.includes(key)) return;
    await this.context.globalState.update(NOTIFIED_KEY, [...told.filter((entry) => entry.includes(notice.periodKey.slice(0, 7))), key]);
    const what = describeBudget(notice.budget, this.registry);
    const message = notice.level === 'limit' ? `Switchboard: the ${what} is reached.` : `Switchboard: ${Math.round(notice.fraction * 100)}% of the ${what} is used.`;
    // Not awaited: the next notice need not wait for the user to read this one.
    void vscode.window.showWarningMessage(message, 'Show Usage', 'Change Budgets').then(async (choice) => {
      if (choice === 'Show Usage') await vscode.commands.executeCommand(Commands.showUsage);
      if (choice === 'Change Budgets') await vscode.commands.executeCommand('workbench.action.openSettings', 'switchboard.budgets');
    });
  }

  /** The panel's usage view: spend per day and provider, per model, and each budget's use. */
  spendData(days: number, now = Date.now()): { days: Array<{ date: string; byProvider: Record<string, number> }>; models: Array<{ model: string; totals: Totals }>; totals: Totals | undefined; todayUsd: number; monthUsd: number; projectedMonthUsd: number; budgets: Array<{ budget: Budget; label: string; spentUsd: number; fraction: number }> } {
    // Calendar days, not 24-hour steps: a day with a clock change is still one day.
    const date = new Date(now);
    const noonOf = (daysBack: number) => new Date(date.getFullYear(), date.getMonth(), date.getDate() - daysBack, 12).getTime();
    const from = noonOf(days - 1);
    const series = Array.from({ length: days }, (_, index) => {
      const at = noonOf(days - 1 - index);
      const byProvider: Record<string, number> = {};
      for (const [providerId, totals] of this.#totals(at, at, 'provider')) byProvider[providerId] = totals.usd;
      return { date: day(at), byProvider };
    });
    const monthStart = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
    return {
      days: series,
      models: [...this.#totals(from, now, 'model')].map(([model, totals]) => ({ model, totals })).sort((a, b) => b.totals.usd - a.totals.usd),
      totals: this.#totals(from, now).get('all'),
      todayUsd: this.#totals(now, now).get('all')?.usd ?? 0,
      monthUsd: this.#totals(monthStart, now).get('all')?.usd ?? 0,
      projectedMonthUsd: this.ledger.projectedMonthUsd(now),
      budgets: this.budgetUse(now).map((item) => ({ ...item, label: describeBudget(item.budget, this.registry) })),
    };
  }

  /** The short version for chat (`@switchboard /usage`): spend, projection, top providers and models, budgets as bars. */
  usageSummary(now = Date.now()): string {
    const date = new Date(now);
    const monthStart = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
    const today = this.#totals(now, now).get('all');
    const month = this.#totals(monthStart, now).get('all');
    const lines = [
      `**Today** ${usd(today?.usd ?? 0)} (${today?.requests ?? 0} requests) · **This month** ${usd(month?.usd ?? 0)} (${month?.requests ?? 0} requests) · on track for **${usd(this.ledger.projectedMonthUsd(now))}**`,
    ];
    const top = (groupBy: 'provider' | 'model', name: (key: string) => string) =>
      [...this.#totals(monthStart, now, groupBy)]
        .sort((a, b) => b[1].usd - a[1].usd)
        .slice(0, 5)
        .map(([key, totals]) => `| ${name(key).replace(/[|\\`*_<>[\]]/g, '\\$&')} | ${usd(totals.usd)} | ${totals.requests} | ${(totals.inputTokens + totals.outputTokens).toLocaleString('en-US')} |`);
    const providers = top('provider', (id) => this.registry.get(id)?.name ?? id);
    if (providers.length > 0) {
      const table = (title: string, rows: string[]) => ['', `| ${title} this month | Spend | Requests | Tokens |`, '| --- | ---: | ---: | ---: |', ...rows];
      lines.push(...table('Provider', providers), ...table('Model', top('model', (model) => model)));
    }
    const use = this.budgetUse(now);
    lines.push('', use.length === 0 ? 'No budgets set.' : '**Budgets**', '');
    for (const item of use) {
      const filled = Math.min(10, Math.round(item.fraction * 10));
      lines.push(`- \`${'▓'.repeat(filled)}${'░'.repeat(10 - filled)}\` ${Math.round(item.fraction * 100)}% of the ${describeBudget(item.budget, this.registry)} (${usd(item.spentUsd)} of ${usd(item.budget.limitUsd)}, ${item.budget.mode} at the limit)`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** The usage summary as a Markdown document (the panel's usage view supersedes it later). */
  usageReport(now = Date.now()): string {
    const date = new Date(now);
    const monthStart = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
    const weekStart = now - ((date.getDay() + 6) % 7) * 86_400_000;
    const line = (label: string, totals: Totals | undefined) =>
      `| ${label} | ${usd(totals?.usd ?? 0)} | ${totals?.requests ?? 0} | ${(totals?.inputTokens ?? 0).toLocaleString('en-US')} | ${(totals?.outputTokens ?? 0).toLocaleString('en-US')} |${totals?.unpricedRequests ? ` ${totals.unpricedRequests} without a price` : ''}`;
    const table = (rows: string[]) => ['| | spend | requests | input tokens | output tokens |', '| --- | ---: | ---: | ---: | ---: |', ...rows].join('\n');
    const sections = [
      '# Switchboard usage',
      `On track for **${usd(this.ledger.projectedMonthUsd(now))}** this month.`,
      table([line('Today', this.#totals(now, now).get('all')), line('This week', this.#totals(weekStart, now).get('all')), line('This month', this.#totals(monthStart, now).get('all'))]),
      '## This month by provider',
      table([...this.#totals(monthStart, now, 'provider')].map(([provider, totals]) => line(this.registry.get(provider)?.name ?? provider, totals))),
      '## This month by model',
      table([...this.#totals(monthStart, now, 'model')].map(([model, totals]) => line(model, totals))),
      '## Last 14 days',
      table([...this.#totals(now - 13 * 86_400_000, now, 'day')].sort((a, b) => b[0].localeCompare(a[0])).map(([date, totals]) => line(date, totals))),
      '## Budgets',
      this.#budgets.length === 0 ? 'None. Add one with **Switchboard: Set Budget**.' : this.budgetUse(now).map((item) => `- ${describeBudget(item.budget, this.registry)} (${item.budget.mode}): ${usd(item.spentUsd)} of ${usd(item.budget.limitUsd)}`).join('\n'),
    ];
    return `${sections.join('\n\n')}\n`;
  }

  dispose(): void {
    void this.ledger.dispose();
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }
}

function describeBudget(budget: Budget, registry: Registry): string {
  const scope =
    budget.scope.kind === 'overall' ? 'overall'
    : budget.scope.kind === 'provider' ? (registry.get(budget.scope.providerId)?.name ?? budget.scope.providerId)
    : `${budget.scope.modelId}`;
  return `${budget.period} ${scope} budget`;
}

export function registerCostCommands(cost: CostHost, registry: Registry, testMode: boolean): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.showUsage, async () => {
      const document = await vscode.workspace.openTextDocument({ content: cost.usageReport(), language: 'markdown' });
      await vscode.commands.executeCommand('markdown.showPreview', document.uri);
    }),
    vscode.commands.registerCommand(Commands.setBudget, async (args?: Partial<Budget>) => {
      let budget: unknown = args;
      if (!args) {
        const scopes = [{ label: 'Overall', scope: { kind: 'overall' } }, ...registry.list().map((entry) => ({ label: entry.name, scope: { kind: 'provider', providerId: entry.id } }))];
        const scope = await vscode.window.showQuickPick(scopes, { title: 'Budget for…' });
        if (!scope) return;
        const period = await vscode.window.showQuickPick(['daily', 'monthly'], { title: 'Per…' });
        if (!period) return;
        const limit = await vscode.window.showInputBox({ title: 'Limit in US dollars', validateInput: (value) => (Number(value) > 0 ? undefined : 'Enter an amount above 0.') });
        if (!limit) return;
        const mode = await vscode.window.showQuickPick(
          [
            { label: 'warn', detail: 'Tell me at 80% and at the limit' },
            { label: 'ask', detail: 'Ask before a request that would cross it' },
            { label: 'stop', detail: 'Refuse requests that would cross it' },
            { label: 'switch', detail: 'Move to a cheaper model in the fallback chain' },
          ],
          { title: 'When the budget would be crossed' },
        );
        if (!mode) return;
        budget = { id: `${scope.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${period}`, scope: scope.scope, period, limitUsd: Number(limit), mode: mode.label };
      }
      const parsed = budgetSchema.safeParse(budget);
      if (!parsed.success) throw new Error(`Invalid budget: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      const config = vscode.workspace.getConfiguration('switchboard');
      const others = config.get<Array<{ id?: string }>>('budgets', []).filter((item) => item.id !== parsed.data.id);
      await config.update('budgets', [...others, parsed.data], vscode.ConfigurationTarget.Global);
      await registry.noteBudgetChange(parsed.data.id);
    }),
    vscode.commands.registerCommand(Commands.exportUsage, async (args?: { uri?: vscode.Uri; format?: 'csv' | 'json' }) => {
      const format = args?.format ?? ((await vscode.window.showQuickPick(['csv', 'json'], { title: 'Export usage as…' })) as 'csv' | 'json' | undefined);
      if (!format) return;
      const uri = args?.uri ?? (await vscode.window.showSaveDialog({ filters: { [format.toUpperCase()]: [format] }, defaultUri: vscode.Uri.file(`switchboard-usage.${format}`) }));
      if (!uri) return;
      const rows = cost.ledger.rows();
      const text = format === 'csv' ? usageCsv(rows) : `${JSON.stringify({ exportedAt: new Date().toISOString(), rows, recentRequests: await cost.recentRequests() }, null, 2)}\n`;
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    }),
    vscode.commands.registerCommand(Commands.deleteUsageData, async (args?: { confirmed?: boolean }) => {
      // Arguments answer the question only in the extension's own tests.
      const confirmed = (testMode && args?.confirmed === true) || (await vscode.window.showWarningMessage('Delete all of Switchboard’s usage records?', { modal: true }, 'Delete')) === 'Delete';
      if (!confirmed) return;
      await cost.ledger.clear();
      cost.refresh();
    }),
  ];
}
