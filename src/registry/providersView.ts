import * as vscode from 'vscode';
import { describeHealth, type ProviderHealth, type Registry, type SourcedEntry } from '../core';
import type { RoutingService } from '../services';

/** "healthy 230 ms", "slow 6,100 ms", "failing", "not checked": short enough for a tree row. */
function shortHealth(health: ProviderHealth | undefined): string | undefined {
  if (!health) return undefined;
  const ms = health.lastMs !== undefined ? ` ${health.lastMs.toLocaleString()} ms` : '';
  if (health.state === 'healthy' || health.state === 'slow') return `${health.state}${ms}`;
  if (health.state === 'failing') return 'failing';
  if (health.state === 'no-key') return 'no key';
  return health.state === 'no-free-call' ? 'not checked' : undefined;
}

/** The activity-bar Providers tree; while it is empty, VS Code shows its welcome content (package.json). */
class ProvidersTree implements vscode.TreeDataProvider<SourcedEntry> {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.#changed.event;

  constructor(
    private readonly registry: Registry,
    private readonly routing: Pick<RoutingService, 'health'>,
  ) {}

  refresh(): void {
    this.#changed.fire();
  }

  getTreeItem(entry: SourcedEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(entry.name);
    item.id = entry.id;
    const health = entry.enabled ? this.routing.health(entry.id) : undefined;
    item.description = [
      entry.enabled ? undefined : 'disabled',
      entry.source === 'user' ? undefined : `from ${entry.source}`,
      entry.lastTest ? (entry.lastTest.ok ? '✓' : '✗') : undefined,
      shortHealth(health),
    ]
      .filter(Boolean)
      .join(' · ');
    item.tooltip = `${entry.baseUrl}${entry.lastTest ? `\nLast test: ${entry.lastTest.summary}` : ''}${health ? `\nBackground check: ${describeHealth(health)}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(entry.enabled ? 'plug' : 'debug-disconnect');
    item.contextValue = entry.readOnly ? 'provider.readOnly' : 'provider';
    return item;
  }

  getChildren(): SourcedEntry[] {
    return this.registry.list();
  }
}

export function registerProvidersTree(
  registry: Registry,
  routing: Pick<RoutingService, 'health' | 'onDidChangeHealth'>,
): vscode.Disposable {
  const tree = new ProvidersTree(registry, routing);
  const view = vscode.window.createTreeView('switchboard.providers', { treeDataProvider: tree });
  const subscription = registry.onDidChange(() => tree.refresh());
  return vscode.Disposable.from(
    view,
    routing.onDidChangeHealth(() => tree.refresh()),
    {
      dispose: () => subscription.dispose(),
    },
  );
}
