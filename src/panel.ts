import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Logger, Registry } from './core';
import { hostToWebview, parseMessage, webviewToHost, type HostToWebview } from './shared/protocol';

export const PANEL_VIEW_TYPE = 'switchboard.panel';

/** The provider panel: one instance, re-focused when opened again. */
export class ProviderPanel implements vscode.Disposable {
  static #current: ProviderPanel | undefined;

  static show(extensionUri: vscode.Uri, version: string, registry: Registry, log: Logger): ProviderPanel {
    if (ProviderPanel.#current) {
      ProviderPanel.#current.#panel.reveal();
      return ProviderPanel.#current;
    }
    const webviewRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Switchboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [webviewRoot],
    });
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    ProviderPanel.#current = new ProviderPanel(panel, webviewRoot, version, registry, log);
    return ProviderPanel.#current;
  }

  readonly #panel: vscode.WebviewPanel;
  readonly #disposables: vscode.Disposable[] = [];

  private constructor(
    panel: vscode.WebviewPanel,
    webviewRoot: vscode.Uri,
    private readonly version: string,
    private readonly registry: Registry,
    private readonly log: Logger,
  ) {
    this.#panel = panel;
    panel.webview.html = renderHtml(panel.webview, webviewRoot);
    this.#disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.#receive(raw)),
    );
  }

  #receive(raw: unknown): void {
    const parsed = parseMessage(webviewToHost, raw);
    if (!parsed.ok) {
      this.log.warn(`rejected a malformed panel message: ${parsed.error}`);
      return;
    }
    switch (parsed.message.type) {
      case 'ready':
        void this.#post({ type: 'init', version: this.version, providerCount: this.registry.list().length });
        break;
    }
  }

  #post(message: HostToWebview): Thenable<boolean> {
    // The host validates its own messages too: a bug here must fail loudly, not half-render.
    return this.#panel.webview.postMessage(hostToWebview.parse(message));
  }

  dispose(): void {
    if (ProviderPanel.#current === this) ProviderPanel.#current = undefined;
    this.#panel.dispose();
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }
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
<h1>Switchboard</h1>
<p id="status" role="status">Loading…</p>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
