import * as vscode from 'vscode';
import { counted, describeSurfaces, formatUsd as usd, type Registry } from '../core';
import { Commands } from '../platform/commands';
import type { Settings } from '../platform/settings';
import type { CostService } from '../services';

/** The spend in the status bar: today's or this month's, the default model, budgets and providers' health in the tooltip. */
export class CostStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  /** Lines about providers' health (circuits, rate-limit headroom), from the router; wired in activate(). */
  #health: () => string[] = () => [];
  readonly #disposables: vscode.Disposable[] = [];

  constructor(
    private readonly cost: CostService,
    private readonly registry: Registry,
    private readonly settings: Settings,
  ) {
    this.item = vscode.window.createStatusBarItem('switchboard.cost', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Switchboard Cost';
    // The panel's usage section: the chart, the models and the budgets, one click from the spend.
    this.item.command = { command: Commands.openPanel, title: 'Show Usage', arguments: [{ section: 'usage' }] };
    let pending: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        this.refresh();
      }, 200);
    };
    // Also other windows' spend, which the ledger sees at least every 15 seconds.
    const spendChanged = cost.ledger.onDidChange(soon);
    const registryChanged = registry.onDidChange(soon);
    this.#disposables.push(
      this.item,
      { dispose: () => (spendChanged.dispose(), registryChanged.dispose(), pending && clearTimeout(pending)) },
      settings.onDidChange(['budgets', 'statusBar'], () => this.refresh()),
    );
    this.refresh();
    this.item.show();
  }

  setHealthSource(source: () => string[]): void {
    this.#health = source;
    this.refresh();
  }

  refresh(): void {
    const now = Date.now();
    const monthStart = new Date(new Date(now).getFullYear(), new Date(now).getMonth(), 1).getTime();
    const todayTotals = this.cost.totals(now, now).get('all');
    const today = todayTotals?.usd ?? 0;
    const month = this.cost.totals(monthStart, now).get('all')?.usd ?? 0;
    const showMonth = this.settings.current.statusBar.period === 'month';
    const defaultId = this.registry.defaultProvider();
    const defaultEntry = defaultId ? this.registry.get(defaultId) : undefined;
    const defaultModel = this.registry.defaultModel();
    const model = defaultEntry ? `${defaultEntry.name}${defaultModel ? ` · ${defaultModel}` : ''}` : undefined;
    this.item.text = `$(credit-card) ${usd(showMonth ? month : today)} ${showMonth ? 'this month' : 'today'}${model ? ` · ${model}` : ''}`;

    const use = this.cost.budgetUse(now);
    const worst = use.reduce(
      (max, item) => Math.max(max, item.fraction / (item.fraction >= 1 ? 1 : item.budget.alertAt)),
      0,
    );
    this.item.backgroundColor = use.some((item) => item.fraction >= 1)
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : worst >= 1
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;

    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(
      `**Switchboard spend**\n\nToday ${usd(today)} · This month ${usd(month)} · On track for ${usd(this.cost.ledger.projectedMonthUsd(now))} this month\n\n`,
    );
    // Who spent it today: VS Code's chat and other extensions, @switchboard, tests.
    const who = describeSurfaces(todayTotals);
    if (who) tooltip.appendMarkdown(`${who} today\n\n`);
    const byProvider = [...this.cost.totals(monthStart, now, 'provider')].sort((a, b) => b[1].usd - a[1].usd);
    if (byProvider.length > 0)
      tooltip.appendMarkdown(
        `${byProvider.map(([provider, totals]) => `- ${this.registry.get(provider)?.name ?? provider}: ${usd(totals.usd)} (${counted(totals.requests, 'request')}${totals.failedAttempts ? `, ${counted(totals.failedAttempts, 'failed attempt')}` : ''})`).join('\n')}\n\n`,
      );
    for (const item of use)
      tooltip.appendMarkdown(
        `- ${this.cost.describeBudget(item.budget)}: ${usd(item.spentUsd)} of ${usd(item.budget.limitUsd)} (${Math.round(item.fraction * 100)}%)\n`,
      );
    const reserved = this.cost.ledger.reservedUsd();
    if (reserved > 0) tooltip.appendMarkdown(`\nHeld for requests in flight (every window): up to ${usd(reserved)}\n`);
    if (model) tooltip.appendMarkdown(`\nDefault model: ${model}\n`);
    const health = this.#health();
    if (health.length > 0)
      tooltip.appendMarkdown(`\n**Providers**\n\n${health.map((line) => `- ${line}`).join('\n')}\n`);
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }
}
