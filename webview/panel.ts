import { hostToWebview, parseMessage, type HostToWebview, type WebviewToHost } from '../src/shared/protocol';
import './panel.css';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const status = document.getElementById('status');

function render(message: HostToWebview): void {
  if (!status) return;
  switch (message.type) {
    case 'init':
      status.textContent =
        message.providerCount === 0
          ? `Switchboard ${message.version} is ready. No providers yet.`
          : `Switchboard ${message.version}: ${message.providerCount} providers.`;
      status.dataset.state = 'ready';
      break;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = parseMessage(hostToWebview, event.data);
  if (parsed.ok) render(parsed.message);
});

vscode.postMessage({ type: 'ready' });
