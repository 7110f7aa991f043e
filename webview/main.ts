import './components/section-tabs';
import { html, nothing, render, type TemplateResult } from 'lit';
import type { PanelSection } from '../src/shared/protocol';
import { rpc } from './section';
import './sections/activity';
import './sections/budgets';
import './sections/fallback';
import './sections/models';
import './sections/providers';
import './sections/providerSettings';
import './sections/usage';
import { restoreWizard } from './sections/wizard';
import { store, vscode } from './state';
import './styles/panel.css';

const TABS: Array<[string, PanelSection]> = [
  ['Providers', 'providers'],
  ['Add Provider', 'add'],
  ['Provider Settings', 'settings'],
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
    case 'settings':
      return html`<sb-provider-settings></sb-provider-settings>`;
  }
}

const app = document.getElementById('app')!;
let drawnSection: PanelSection | undefined;

function draw(): void {
  // Nothing to show until the host's first state; then Lit takes over from the page's loading text.
  if (!store.state) return;
  if (app.dataset.state !== 'ready') app.replaceChildren();
  const current = store.saved.section;
  const selected = TABS.findIndex(([, target]) => target === current);
  // VS Code's tabs (a tablist: arrow keys move between tabs, Enter or Space opens one); only the open section is drawn.
  render(
    html`${store.errorText ? html`<p id="error" role="alert" class="error">${store.errorText}</p>` : nothing}
      <header><h1>Switchboard</h1></header>
      <sb-tabs
        selected-index=${selected}
        aria-label="Sections"
        @vsc-tabs-select=${(event: CustomEvent<{ selectedIndex: number }>) => {
          const target = TABS[event.detail.selectedIndex]?.[1];
          if (target && target !== store.saved.section) store.go(target);
        }}
      >
        ${TABS.map(([label, target]) => html`<vscode-tab-header slot="header" data-section=${target}>${label}</vscode-tab-header>`)}
        ${TABS.map(([, target]) => html`<vscode-tab-panel>${target === current ? section(current) : nothing}</vscode-tab-panel>`)}
      </sb-tabs>`,
    app,
  );
  // A section opened from inside another (See Providers, Connect your first provider) took the focused
  // button with it: focus goes to the open section's tab rather than to nowhere.
  if (current !== drawnSection && drawnSection !== undefined && document.activeElement === document.body)
    app.querySelectorAll<HTMLElement>('vscode-tab-header')[selected]?.focus();
  drawnSection = current;
  app.setAttribute('aria-busy', 'false');
  app.dataset.state = 'ready';
}

store.subscribe(draw);
restoreWizard();
window.addEventListener('message', (event: MessageEvent<unknown>) => rpc.receive(event.data));
vscode.postMessage({ type: 'ready' });
