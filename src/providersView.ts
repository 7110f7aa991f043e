import * as vscode from 'vscode';

/** The activity-bar Providers view; while empty, VS Code shows its welcome content (package.json). */
class ProvidersTree implements vscode.TreeDataProvider<never> {
  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }

  getChildren(): never[] {
    return [];
  }
}

export function registerProvidersView(): vscode.Disposable {
  return vscode.window.createTreeView('switchboard.providers', { treeDataProvider: new ProvidersTree() });
}
