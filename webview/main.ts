import { html, nothing, render, type TemplateResult } from 'lit';
import type { PanelSection } from '../src/shared/protocol';
import { button } from './components/provider-card';
import { rpc } from './section';
import './sections/activity';
import './sections/budgets';
import './sections/fallback';
import './sections/models';
import './sections/providers';
import './sections/usage';
import { restoreWizard } from './sections/wizard';
import { store, vscode } from './state';
import './styles/panel.css';

const TABS: Array<[string, PanelSection]> = [
  ['Providers', 'providers'],
  ['Add Provider', 'add'],
  ['Models', 'models'],
  ['Usage', 'usage'],
  ['Budgets', 'budgets'],
  ['Fallback', 'fallback'],
  ['Activity', 'activity'],
];

/** One element per section; switching to one draws it anew, and it fetches what it shows. */
function section(name: PanelSection): TemplateResult {
  switch (name) {
    case 'providers':
      return html`<sb-providers></sb-providers>`;
    case 'add':
      return html`<sb-wizard></sb-wizard>`;
    case 'models':
      return html`<sb-models></sb-models>`;
    case 'usage':
      return html`<sb-usage></sb-usage>`;
    case 'budgets':
      return html`<sb-budgets></sb-budgets>`;
    case 'fallback':
      return html`<sb-fallback></sb-fallback>`;
    case 'activity':
      return html`<sb-activity></sb-activity>`;
  }
}

const app = document.getElementById('app')!;

function draw(): void {
  // Nothing to show until the host's first state; then Lit takes over from the page's loading text.
  if (!store.state) return;
  if (app.dataset.state !== 'ready') app.replaceChildren();
  const current = store.saved.section;
  render(
    html`${store.errorText ? html`<p id="error" role="alert" class="error">${store.errorText}</p>` : nothing}
      <header>
        <h1>Switchboard</h1>
        <nav aria-label="Sections">
          ${TABS.map(([label, target]) => button(label, () => store.go(target), { id: `tab-${target}`, className: 'tab', current: current === target }))}
        </nav>
      </header>
      ${section(current)}`,
    app,
  );
  app.setAttribute('aria-busy', 'false');
  app.dataset.state = 'ready';
}

store.subscribe(draw);
restoreWizard();
window.addEventListener('message', (event: MessageEvent<unknown>) => rpc.receive(event.data));
vscode.postMessage({ type: 'ready' });
