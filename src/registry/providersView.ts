import * as vscode from 'vscode';
import type { Registry, SourcedEntry } from '../core';

/** The activity-bar Providers tree; while it is empty, VS Code shows its welcome content (package.json). */
class ProvidersTree implements vscode.TreeDataProvider<SourcedEntry> {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.#changed.event;

  constructor(private readonly registry: Registry) {}

  refresh(): void {
    this.#changed.fire();
  }

  getTreeItem(entry: SourcedEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(entry.name);
    item.id = entry.id;
    item.description = [
      entry.enabled ? undefined : 'disabled',
      entry.source === 'user' ? undefined : `from ${entry.source}`,
      entry.lastTest ? (entry.lastTest.ok ? '✓' : '✗') : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
    item.tooltip = `${entry.baseUrl}${entry.lastTest ? `\nLast test: ${entry.lastTest.summary}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(entry.enabled ? 'plug' : 'debug-disconnect');
    item.contextValue = entry.readOnly ? 'provider.readOnly' : 'provider';
    return item;
  }

  getChildren(): SourcedEntry[] {
    return this.registry.list();
  }
}

export function registerProvidersTree(registry: Registry): vscode.Disposable {
  const tree = new ProvidersTree(registry);
  const view = vscode.window.createTreeView('switchboard.providers', { treeDataProvider: tree });
  const subscription = registry.onDidChange(() => tree.refresh());
  return vscode.Disposable.from(view, { dispose: () => subscription.dispose() });
}
