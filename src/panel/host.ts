import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Redactor } from '../core';
import type { HostToWebview, PanelSection } from '../shared/protocol';
import { PanelController } from './controller';
import type { PanelServices } from './handler';

export const PANEL_VIEW_TYPE = 'switchboard.panel';

/**
 * The provider panel: one instance, re-focused when opened again. What it keeps across hide and show lives in the
 * webview (getState/setState), so it needs no retainContextWhenHidden.
 */
export class ProviderPanel implements vscode.Disposable {
  static #current: ProviderPanel | undefined;

  /** `redactor` knows every registered key: whatever is posted to the webview passes through it. */
  static show(
    extensionUri: vscode.Uri,
    version: string,
    services: PanelServices,
    redactor: Redactor,
    section?: PanelSection,
    providerId?: string,
  ): ProviderPanel {
    if (ProviderPanel.#current) {
      ProviderPanel.#current.#panel.reveal();
      if (section) ProviderPanel.#current.#controller.show(section, providerId);
      return ProviderPanel.#current;
    }
    const webviewRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Switchboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [webviewRoot],
    });
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    ProviderPanel.#current = new ProviderPanel(
      panel,
      webviewRoot,
      new PanelController(services, version, (message) => post(panel, message, redactor)),
    );
    if (section) ProviderPanel.#current.#controller.show(section, providerId);
    return ProviderPanel.#current;
  }

  readonly #panel: vscode.WebviewPanel;
  readonly #controller: PanelController;
  readonly #disposables: vscode.Disposable[] = [];

  private constructor(panel: vscode.WebviewPanel, webviewRoot: vscode.Uri, controller: PanelController) {
    this.#panel = panel;
    this.#controller = controller;
    panel.webview.html = renderHtml(panel.webview, webviewRoot);
    this.#disposables.push(
      controller,
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (!webviewPanel.visible) controller.hidden();
      }),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.#controller.receive(raw)),
    );
  }

  dispose(): void {
    if (ProviderPanel.#current === this) ProviderPanel.#current = undefined;
    this.#panel.dispose();
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }
}

/** Every string posted is redacted, whatever produced it (a report, an error, a base URL with ?key=); the panel parses it. */
function post(panel: vscode.WebviewPanel, message: HostToWebview, redactor: Redactor): Thenable<boolean> {
  return panel.webview.postMessage(redactor.redactValue(message));
}

function renderHtml(webview: vscode.Webview, webviewRoot: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'panel.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'panel.css'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Switchboard</title>
</head>
<body>
<main id="app" aria-busy="true"><p id="status" role="status">Loading…</p></main>
<div id="live" class="visually-hidden" aria-live="polite"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
