import {
  panelView,
  type ModelRow,
  type PanelReport,
  type CatalogRow,
  type PanelBudget,
  type PanelSpend,
  type PanelStage,
  type PanelView,
  type PanelState,
  type ProviderCard,
  type TemplateInfo,
  type WebviewToHost,
  type PanelCatalog,
  type PanelAuditEntry,
  type RequestName,
  type Params,
  type Result,
} from '../src/shared/protocol';
import { createRpc, type PushEvent } from './rpc';
import { KEY_IN_BASE_URL, urlHoldsKey } from '../src/core/registry/keyShape';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { formatUsd as usd } from '../src/core/cost/money';
import './panel.css';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives the panel being hidden (getState/setState). Never the key. */
interface ViewState {
  view: PanelView;
  /** The models table's search and sort. */
  modelSearch?: string;
  modelSort?: { column: SortColumn; descending: boolean };
  /** The activity view's filters. */
  auditFilter?: string;
  auditAction?: string;
  /** The usage view's range in days. */
  days?: number;
  wizard: { step: 'template' | 'connect' | 'models' | 'done'; template?: string; baseUrl?: string; name?: string; report?: PanelReport; selected: string[]; defaultModel?: string; filter?: string; added?: string };
}

const vscode = acquireVsCodeApi();

/** The saved view, if it has the shape this version writes; else a fresh start. */
function restoredView(saved: unknown): ViewState {
  const fresh: ViewState = { view: 'providers', wizard: { step: 'template', selected: [] } };
  if (typeof saved !== 'object' || saved === null) return fresh;
  const candidate = saved as Partial<ViewState>;
  const wizard = candidate.wizard;
  if (!panelView.safeParse(candidate.view).success || typeof wizard !== 'object' || wizard === null || !Array.isArray(wizard.selected)) return fresh;
  if (!['template', 'connect', 'models', 'done'].includes(wizard.step)) return fresh;
  return candidate as ViewState;
}

let view = restoredView(vscode.getState());
/** Shown above the current section until the next action. */
let errorText: string | undefined;
let host: PanelState | undefined;
/** The last spend the host sent, for the usage and budgets views. */
let spend: PanelSpend | undefined;
let chart: Chart | undefined;
/** Every enabled provider's models as last fetched, and the providers whose list failed. */
let catalog: PanelCatalog | undefined;
/** The row whose overrides are being edited (`provider/model`). */
let editing: string | undefined;
type SortColumn = 'provider' | 'model' | 'context' | 'output' | 'input' | 'outputPrice';
/** The audit log as last fetched, newest first. */
let audit: PanelAuditEntry[] | undefined;
/** The key typed in the wizard: in memory only, sent to the host and nowhere else. */
let typedKey = '';
/** Stages of the running test of each card being tested, by provider id. */
const testing = new Map<string, PanelStage[]>();
/** Each card's last test, stage by stage, shown until the next one. */
const lastRun = new Map<string, PanelStage[]>();
let busy = false;

function save(): void {
  vscode.setState(view);
}

const rpc = createRpc((message) => vscode.postMessage(message), onPush);

function request<N extends RequestName>(name: N, params: Params<N>, onStage?: (stage: PanelStage) => void): Promise<Result<N>> {
  errorText = undefined;
  return rpc.request(name, params, onStage);
}

// ---- DOM helpers: text only, never HTML from data.

type Child = Node | string | undefined | false;
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== undefined && child !== false) element.append(child);
  return element;
}

/** A button; `disabled` keeps it focusable (aria-disabled), so focus is not lost while it waits. */
function button(label: string, onClick: () => void, attributes: Record<string, string | boolean | undefined> = {}): HTMLButtonElement {
  const { disabled, ...rest } = attributes;
  const element = h('button', { type: 'button', ...rest, 'aria-disabled': disabled ? 'true' : undefined }, label);
  element.addEventListener('click', () => {
    if (element.getAttribute('aria-disabled') !== 'true') onClick();
  });
  return element;
}

const perMillion = (value: number) => (value === 0 ? '$0' : `$${value < 1 ? value.toFixed(3).replace(/0+$/, '') : value.toFixed(2)}`);
const thousands = (value: number | undefined) => (value === undefined ? '–' : value >= 1000 ? `${Math.round(value / 1000)}k` : String(value));

function ago(at: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - at) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(at).toLocaleDateString();
}

// ---- Rendering.

const app = document.getElementById('app')!;
/** A redraw that waits for the user to leave the form they are filling in. */
let renderDeferred = false;

/** Redraws for news from the host (a push), unless that would wipe a form being filled in. */
function refresh(): void {
  const active = document.activeElement;
  // A field being filled in (not a button just pressed to submit the form).
  if (active && app.contains(active) && active.matches('input, select, textarea') && active.closest('form')) {
    renderDeferred = true;
    return;
  }
  render();
}

app.addEventListener('focusout', (event) => {
  if (!renderDeferred) return;
  const next = event.relatedTarget as Element | null;
  if (next && next.closest('form') === (event.target as Element).closest('form')) return;
  renderDeferred = false;
  // After the focus has moved, so the redraw puts it back where the user went.
  setTimeout(render, 0);
});

function render(): void {
  if (!host) return;
  renderDeferred = false;
  if (view.view !== 'usage') {
    chart?.destroy();
    chart = undefined;
  }
  const focused = document.activeElement?.id;
  app.replaceChildren(
    errorText ? h('p', { id: 'error', role: 'alert', class: 'error' }, errorText) : '',
    h(
      'header',
      {},
      h('h1', {}, 'Switchboard'),
      h(
        'nav',
        { 'aria-label': 'Sections' },
        tab('Providers', 'providers'),
        tab('Add Provider', 'add'),
        tab('Models', 'models'),
        tab('Usage', 'usage'),
        tab('Budgets', 'budgets'),
        tab('Fallback', 'fallback'),
        tab('Activity', 'activity'),
      ),
    ),
    view.view === 'providers' ? providersView(host)
    : view.view === 'add' ? wizardView(host)
    : view.view === 'models' ? modelsView()
    : view.view === 'usage' ? usageView()
    : view.view === 'budgets' ? budgetsView(host)
    : view.view === 'fallback' ? fallbackView(host)
    : activityView(),
  );
  if (view.view === 'usage') drawChart();
  app.setAttribute('aria-busy', 'false');
  app.dataset.state = 'ready';
  const focusTarget = pendingFocus ?? focused;
  pendingFocus = undefined;
  if (focusTarget) document.getElementById(focusTarget)?.focus();
}

function tab(label: string, target: ViewState['view']): HTMLButtonElement {
  return button(label, () => {
    view.view = target;
    save();
    render();
    if (target === 'usage' || target === 'budgets') void loadSpend();
    if (target === 'activity') void loadAudit();
    if (target === 'models') void loadCatalog();
  }, { id: `tab-${target}`, class: 'tab', 'aria-current': view.view === target ? 'page' : undefined });
}

function providersView(state: PanelState): HTMLElement {
  const section = h('section', { id: 'providers', 'aria-label': 'Providers' });
  if (state.providers.length === 0) {
    section.append(
      h('p', { class: 'empty' }, 'No providers yet. Connect one to chat with its models in VS Code.'),
      button('Connect your first provider', () => {
        view = { view: 'add', wizard: { step: 'template', selected: [] } };
        save();
        render();
      }, { class: 'primary', id: 'connect-first' }),
    );
    return section;
  }
  for (const card of state.providers) section.append(providerCard(card));
  return section;
}

function providerCard(card: ProviderCard): HTMLElement {
  const running = testing.get(card.id);
  const keyText =
    card.key.state === 'set' ? `Key ${card.key.mask ?? 'set'}`
    : card.key.state === 'not-needed' ? 'No key needed'
    : card.key.state === 'other-origin' ? 'Key saved for another address: set it again'
    : 'No key';
  const health = card.lastTest ? `${card.lastTest.ok ? '✓ Connected' : `✗ ${card.lastTest.summary}`} · tested ${ago(card.lastTest.at)}` : 'Not tested yet';
  const enabled = h('input', { type: 'checkbox', id: `enabled-${card.id}`, checked: card.enabled, disabled: card.readOnly });
  enabled.addEventListener('change', () => void act('setEnabled', { providerId: card.id, enabled: enabled.checked }));
  const defaultModel = card.defaultModel ?? card.models[0];
  return h(
    'article',
    { class: `card${card.enabled ? '' : ' disabled'}`, 'data-provider': card.id, 'aria-label': card.name },
    h(
      'div',
      { class: 'card-head' },
      // A monogram of the template (no third-party logos): the same provider looks the same everywhere.
      h('span', { class: `monogram template-${card.template ?? 'custom'}`, 'aria-hidden': 'true' }, monogram(card.templateName ?? card.name)),
      h('h2', {}, card.name),
      card.templateName && card.templateName !== card.name ? h('span', { class: 'muted' }, card.templateName) : undefined,
      card.isDefault ? h('span', { class: 'badge' }, `Default${card.defaultModel ? ` · ${card.defaultModel}` : ''}`) : undefined,
      card.source !== 'user' ? h('span', { class: 'badge subtle', title: 'Declared in configuration: change it there' }, `From ${card.source}`) : undefined,
    ),
    h('p', { class: 'url' }, card.baseUrl),
    h('p', { class: `key key-${card.key.state}` }, keyText),
    h('p', { class: `health ${card.lastTest ? (card.lastTest.ok ? 'ok' : 'fail') : ''}`, role: 'status' }, health),
    running ? stageList(running) : lastRun.has(card.id) ? stageList(lastRun.get(card.id)!) : undefined,
    h(
      'div',
      { class: 'actions' },
      h('label', { class: 'switch', for: `enabled-${card.id}` }, enabled, ' Enabled'),
      button(running ? 'Testing…' : 'Test Connection', () => void testProvider(card.id), { disabled: running !== undefined, id: `test-${card.id}` }),
      button('Edit', () => void act('editProvider', { providerId: card.id }), { disabled: card.readOnly, id: `edit-provider-${card.id}`, title: card.readOnly ? 'Declared in configuration: change it there' : 'Name, base URL, API version' }),
      // Declared (read-only) providers get their key here too: keys are never part of configuration.
      button('Set Key', () => void act('setKey', { providerId: card.id }), { disabled: card.key.state === 'not-needed', id: `key-${card.id}` }),
      button('Make Default', () => defaultModel && void act('setDefault', { providerId: card.id, modelId: defaultModel }), {
        disabled: card.isDefault || !defaultModel || !card.enabled,
        title: defaultModel ? `Use ${defaultModel} by default` : 'Choose a model first (Switchboard: Select Default Model)',
        id: `default-${card.id}`,
      }),
      button('Remove', () => void act('removeProvider', { providerId: card.id }), { disabled: card.readOnly, class: 'danger', id: `remove-${card.id}` }),
    ),
  );
}

/** "OpenAI" → "OA", "Google Gemini" → "GG", "xAI" → "XA". */
function monogram(name: string): string {
  // By code point, so a name that starts with an emoji keeps it whole.
  const words = name.split(/[\s-]+/).filter(Boolean);
  const chars = Array.from(name);
  const letters = words.length > 1 ? words.slice(0, 2).map((word) => Array.from(word)[0]!) : [chars[0] ?? '?', ...(chars.slice(1).join('').match(/[A-Z]/) ?? [chars[1] ?? ''])];
  return letters.join('').toUpperCase();
}

const STAGE_NAMES: Record<PanelStage['stage'], string> = { connect: 'Connect', tls: 'TLS', auth: 'Key', models: 'Models', chat: 'One-token chat' };

function stageList(list: PanelStage[]): HTMLElement {
  return h(
    'ol',
    { class: 'stages', 'aria-label': 'Connection test' },
    ...list.map((stage) =>
      h(
        'li',
        { class: `stage ${stage.status}`, 'data-stage': stage.stage, 'data-status': stage.status },
        h('span', { class: 'icon', 'aria-hidden': 'true' }, stage.status === 'pass' ? '✓' : stage.status === 'fail' ? '✗' : '–'),
        h('strong', {}, STAGE_NAMES[stage.stage]),
        ` ${stage.message}`,
        stage.ms !== undefined ? h('span', { class: 'muted' }, ` ${Math.round(stage.ms)} ms`) : undefined,
      ),
    ),
  );
}

function wizardView(state: PanelState): HTMLElement {
  const wizard = view.wizard;
  const template = state.templates.find((candidate) => candidate.id === wizard.template);
  const section = h('section', { id: 'wizard', 'aria-label': 'Add a provider' });
  const steps = ['Provider', 'Connect', 'Models'];
  const current = wizard.step === 'template' ? 0 : wizard.step === 'connect' ? 1 : wizard.step === 'models' ? 2 : 3;
  section.append(h('ol', { class: 'steps' }, ...steps.map((name, index) => h('li', { 'aria-current': index === current ? 'step' : undefined, class: index < current ? 'done' : '' }, name))));
  if (wizard.step === 'done') section.append(doneStep());
  else if (wizard.step === 'template' || !template) section.append(templateStep(state.templates));
  else if (wizard.step === 'connect') section.append(connectStep(template));
  else section.append(modelsStep(template));
  return section;
}

function templateStep(templates: TemplateInfo[]): HTMLElement {
  const pick = (template: TemplateInfo) => {
    view.wizard = { step: 'connect', template: template.id, baseUrl: template.baseUrl ?? '', selected: [] };
    typedKey = '';
    save();
    render();
    document.getElementById(template.key === 'none' ? 'base-url' : 'api-key')?.focus();
  };
  return h(
    'div',
    {},
    h('h2', {}, 'Which provider?'),
    h('div', { class: 'templates', role: 'list' }, ...templates.map((template) => h('div', { role: 'listitem' }, button(`${template.name}${template.local ? ' (on this machine)' : ''}`, () => pick(template), { class: 'template', id: `template-${template.id}`, title: template.local ? 'Runs on this machine; no key needed' : template.baseUrl ?? 'Your endpoint' })))),
    h(
      'p',
      { class: 'muted' },
      'Running Ollama or LM Studio here? ',
      button('Detect Local Providers', () => {
        void request('detectLocal', {}).then(
          (answer) => {
            if (answer.found.length > 0) {
              view.view = 'providers';
              save();
            }
            render();
          },
          (error: Error) => showError(error.message),
        );
      }, { id: 'detect-local', class: 'link' }),
    ),
  );
}

function connectStep(template: TemplateInfo): HTMLElement {
  const wizard = view.wizard;
  const baseUrl = h('input', { id: 'base-url', type: 'url', value: wizard.baseUrl ?? '', required: true, spellcheck: 'false', 'aria-describedby': 'base-url-hint' });
  const baseUrlHint = h('p', { id: 'base-url-hint', class: 'hint' });
  // Said as it is typed: a key pasted into the address is refused on saving (and by the host) anyway.
  const showBaseUrlHint = () => {
    const holdsKey = urlHoldsKey(baseUrl.value.trim());
    baseUrl.setAttribute('aria-invalid', holdsKey ? 'true' : 'false');
    baseUrlHint.replaceChildren(
      holdsKey ? h('span', { class: 'warning' }, KEY_IN_BASE_URL) : template.local ? 'Where the server listens on this machine.' : 'Prefilled with the provider\'s documented address; change it for a proxy or gateway.',
    );
  };
  baseUrl.addEventListener('input', () => {
    wizard.baseUrl = baseUrl.value.trim();
    save();
    showBaseUrlHint();
  });
  showBaseUrlHint();
  const key = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', placeholder: template.keyPrefix ? `${template.keyPrefix}…` : '', 'aria-describedby': 'key-hint' });
  const keyHint = h('p', { id: 'key-hint', class: 'hint' });
  const showKeyHint = () => {
    const value = key.value.trim();
    keyHint.replaceChildren(
      template.keyPrefix && value && !value.startsWith('${') && !value.startsWith(template.keyPrefix) ? h('span', { class: 'warning' }, `${template.name} keys usually start with "${template.keyPrefix}". `) : '',
      'Kept in VS Code\'s secret storage and sent only to this address. ',
      template.keyUrl ? h('a', { href: template.keyUrl }, 'Where to find your key') : '',
    );
  };
  // The property, never the attribute: the key must not appear in the page's markup.
  key.value = typedKey;
  key.addEventListener('input', () => {
    typedKey = key.value;
    showKeyHint();
  });
  showKeyHint();
  const name = h('input', { id: 'provider-name', type: 'text', value: wizard.name ?? '', placeholder: template.name });
  name.addEventListener('input', () => {
    wizard.name = name.value.trim() || undefined;
    save();
  });
  const report = wizard.report;
  const failed = report?.stages.find((stage) => stage.status === 'fail');
  const form = h(
    'form',
    { class: 'connect', novalidate: true },
    h('h2', {}, `Connect ${template.name}`),
    h('label', { for: 'base-url' }, 'Base URL'),
    baseUrl,
    baseUrlHint,
    template.key !== 'none' ? h('label', { for: 'api-key' }, template.key === 'optional' ? 'API key (if the server asks for one)' : 'API key') : undefined,
    template.key !== 'none' ? key : undefined,
    template.key !== 'none' ? keyHint : undefined,
    h('label', { for: 'provider-name' }, 'Name (optional)'),
    name,
    h(
      'div',
      { class: 'actions' },
      button('Back', () => back('template')),
      h('button', { type: 'submit', class: 'primary', id: 'test-draft', 'aria-disabled': busy ? 'true' : undefined }, busy ? 'Testing…' : 'Test Connection'),
      // A ${env:…} key is read where it is used: such a provider is saved first and tested from its card.
      typedKey.trim().startsWith('${env:') ? button('Save Without Testing', () => void saveProvider(template), { id: 'save-untested' }) : undefined,
    ),
    testingDraft ? stageList(testingDraft) : report ? stageList(report.stages) : undefined,
    failed && !report?.suggestedBaseUrl ? h('p', { class: 'fix', role: 'alert' }, failed.message) : undefined,
    report?.suggestedBaseUrl
      ? h(
          'p',
          { class: 'fix' },
          `${report.suggestedBaseUrl} works. `,
          button(`Use ${report.suggestedBaseUrl}`, () => {
            wizard.baseUrl = report.suggestedBaseUrl;
            save();
            void testDraft(template);
          }, { id: 'use-suggested' }),
        )
      : undefined,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!busy) void testDraft(template);
  });
  return form;
}

/** The stages of the wizard's test while it runs. */
let testingDraft: PanelStage[] | undefined;

async function testDraft(template: TemplateInfo): Promise<void> {
  const wizard = view.wizard;
  if (!wizard.baseUrl) return showError('Enter the base URL.');
  if (template.key === 'required' && !typedKey.trim()) return showError('Enter the API key.');
  busy = true;
  wizard.report = undefined;
  announce(`Testing ${template.name}…`);
  const live: PanelStage[] = [];
  testingDraft = live;
  const reply = request('testDraft', { template: template.id, baseUrl: wizard.baseUrl, ...(typedKey.trim() ? { apiKey: typedKey.trim() } : {}) }, (stage) => {
    live.push(stage);
    render();
  });
  render();
  try {
    const report = await reply;
    wizard.report = report;
    const failed = report.stages.find((stage) => stage.status === 'fail');
    announce(report.ok ? `${template.name} works: ${report.models?.length ?? 0} models listed.` : `Test failed at ${failed ? STAGE_NAMES[failed.stage] : 'a stage'}: ${failed?.message ?? ''}`);
    if (report.ok) {
      wizard.step = 'models';
      const models = report.models ?? [];
      wizard.selected = models.slice(0, 1).map((model) => model.id);
      wizard.defaultModel = models[0]?.id;
    }
  } catch (error) {
    showError((error as Error).message);
  } finally {
    busy = false;
    testingDraft = undefined;
    save();
    render();
  }
}

function modelsStep(template: TemplateInfo): HTMLElement {
  const wizard = view.wizard;
  const models = wizard.report?.models ?? [];
  const search = h('input', { id: 'model-search', type: 'search', value: wizard.filter ?? '', placeholder: 'Filter models', 'aria-label': 'Filter models' });
  const body = h('tbody');
  const fill = () => {
    const filter = (wizard.filter ?? '').toLowerCase();
    body.replaceChildren(...models.filter((model) => !filter || model.id.toLowerCase().includes(filter) || model.name?.toLowerCase().includes(filter)).map((model) => modelRow(model)));
  };
  search.addEventListener('input', () => {
    wizard.filter = search.value;
    save();
    fill();
  });
  fill();
  return h(
    'div',
    { class: 'models' },
    h('h2', {}, `${template.name}: choose models`),
    h('p', { class: 'muted' }, `${models.length} models listed. Ticked models appear in VS Code's model picker and in @switchboard; the default answers first.`),
    search,
    h(
      'table',
      { class: 'model-table' },
      h('thead', {}, h('tr', {}, ...['Use', 'Default', 'Model', 'Context', 'Max output', 'Input $/M', 'Output $/M', 'Capabilities'].map((title) => h('th', { scope: 'col' }, title)))),
      body,
    ),
    h(
      'div',
      { class: 'actions' },
      button('Back', () => back('connect')),
      button(busy ? 'Saving…' : 'Save Provider', () => void saveProvider(template), { class: 'primary', id: 'save-provider', disabled: busy || wizard.selected.length === 0 }),
    ),
  );
}

function modelRow(model: ModelRow): HTMLElement {
  const wizard = view.wizard;
  const use = h('input', { type: 'checkbox', id: `use-${model.id}`, checked: wizard.selected.includes(model.id), 'aria-label': `Use ${model.id}` });
  use.addEventListener('change', () => {
    wizard.selected = use.checked ? [...wizard.selected, model.id] : wizard.selected.filter((id) => id !== model.id);
    if (!use.checked && wizard.defaultModel === model.id) wizard.defaultModel = wizard.selected[0];
    if (use.checked && !wizard.defaultModel) wizard.defaultModel = model.id;
    save();
    render();
  });
  const isDefault = h('input', { type: 'radio', id: `default-${model.id}`, name: 'default-model', checked: wizard.defaultModel === model.id, 'aria-label': `Make ${model.id} the default` });
  isDefault.addEventListener('change', () => {
    wizard.defaultModel = model.id;
    if (!wizard.selected.includes(model.id)) wizard.selected = [...wizard.selected, model.id];
    save();
    render();
  });
  const price = (value: number | undefined) => (model.priceSource === 'local' ? 'free' : value === undefined ? 'unknown' : perMillion(value));
  return h(
    'tr',
    { 'data-model': model.id },
    h('td', {}, use),
    h('td', {}, isDefault),
    h('td', {}, model.name && model.name !== model.id ? h('span', {}, model.name, h('span', { class: 'muted' }, ` ${model.id}`)) : model.id),
    h('td', { class: 'number' }, thousands(model.contextWindow)),
    h('td', { class: 'number' }, thousands(model.maxOutputTokens)),
    h('td', { class: 'number', title: model.priceSource === 'user' ? 'Your price' : undefined }, price(model.prices?.input)),
    h('td', { class: 'number' }, price(model.prices?.output)),
    h('td', {}, model.capabilities.join(', ')),
  );
}

async function saveProvider(template: TemplateInfo): Promise<void> {
  const wizard = view.wizard;
  busy = true;
  render();
  try {
    const answer = await request('addProvider', {
      template: template.id,
      ...(wizard.name ? { name: wizard.name } : {}),
      baseUrl: wizard.baseUrl ?? '',
      ...(typedKey.trim() ? { apiKey: typedKey.trim() } : {}),
      models: wizard.selected,
      ...(wizard.defaultModel ? { defaultModel: wizard.defaultModel } : {}),
    });
    typedKey = '';
    view.wizard = { step: 'done', selected: [], added: answer.providerId };
    announce('Saved.');
  } catch (error) {
    showError((error as Error).message);
  } finally {
    busy = false;
    save();
    render();
  }
}

function doneStep(): HTMLElement {
  const added = host?.providers.find((card) => card.id === view.wizard.added);
  return h(
    'div',
    { class: 'done', role: 'status' },
    h('h2', {}, `${added?.name ?? 'The provider'} is ready`),
    h('p', {}, added?.defaultModel ? `Ask @switchboard in the chat: it answers with ${added.defaultModel}, and says what each answer cost.` : 'Ask @switchboard in the chat.'),
    h(
      'div',
      { class: 'actions' },
      button('Ask @switchboard', () => void act('openChat', {}), { class: 'primary', id: 'open-chat' }),
      button('See Providers', () => {
        view = { view: 'providers', wizard: { step: 'template', selected: [] } };
        save();
        render();
      }, { id: 'see-providers' }),
      button('Add Another', () => {
        view.wizard = { step: 'template', selected: [] };
        save();
        render();
      }),
    ),
  );
}

function back(step: ViewState['wizard']['step']): void {
  view.wizard.step = step;
  if (step === 'template') view.wizard.report = undefined;
  save();
  render();
}

async function testProvider(providerId: string): Promise<void> {
  const live: PanelStage[] = [];
  testing.set(providerId, live);
  const reply = request('testProvider', { providerId }, (stage) => {
    live.push(stage);
    render();
  });
  render();
  try {
    const report = await reply;
    lastRun.set(providerId, report.stages);
    const failed = report.stages.find((stage) => stage.status === 'fail');
    announce(report.ok ? 'Connection test passed.' : `Connection test failed: ${failed?.message ?? ''}`);
  } catch (error) {
    showError((error as Error).message);
  } finally {
    testing.delete(providerId);
    render();
  }
}

// ---- Usage and budgets.


async function loadSpend(): Promise<void> {
  try {
    spend = await request('spend', { days: view.days ?? 30 });
  } catch (error) {
    errorText = (error as Error).message;
  }
  if (view.view === 'usage' || view.view === 'budgets') refresh();
}

function usageView(): HTMLElement {
  const section = h('section', { id: 'usage', 'aria-label': 'Usage' });
  const days = view.days ?? 30;
  section.append(
    h(
      'div',
      { class: 'actions', role: 'group', 'aria-label': 'Range' },
      ...[7, 30, 62].map((range) =>
        button(`${range} days`, () => {
          view.days = range;
          save();
          void loadSpend();
        }, { id: `range-${range}`, 'aria-pressed': range === days ? 'true' : 'false' }),
      ),
      button('Export CSV', () => void act('exportUsage', { format: 'csv' }), { id: 'export-csv' }),
      button('Export JSON', () => void act('exportUsage', { format: 'json' }), { id: 'export-json' }),
    ),
  );
  if (!spend) {
    section.append(h('p', { class: 'muted' }, 'Loading…'));
    return section;
  }
  const totals = spend.totals;
  section.append(
    h('p', { class: 'summary', id: 'usage-summary' }, `Today ${usd(spend.todayUsd)} · This month ${usd(spend.monthUsd)} · On track for ${usd(spend.projectedMonthUsd)} this month · ${days} days: ${usd(totals.usd)}, ${totals.requests.toLocaleString()} request${totals.requests === 1 ? '' : 's'}, ${totals.inputTokens.toLocaleString()} in / ${totals.outputTokens.toLocaleString()} out tokens`),
    h('div', { class: 'chart' }, h('canvas', { id: 'spend-chart', role: 'img', 'aria-label': `Spend per day for the last ${days} days, stacked by provider; the same figures are in the table below.` })),
    h(
      'details',
      {},
      h('summary', {}, 'Spend per day as a table'),
      h(
        'table',
        { class: 'data-table', id: 'spend-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), ...spend.providers.map((provider) => h('th', { scope: 'col' }, provider.name)))),
        h(
          'tbody',
          {},
          ...spend.days
            .filter((day) => Object.keys(day.byProvider).length > 0)
            .map((day) => h('tr', {}, h('th', { scope: 'row' }, day.date), ...spend!.providers.map((provider) => h('td', { class: 'number' }, usd(day.byProvider[provider.id] ?? 0))))),
        ),
      ),
    ),
    h('h2', {}, 'By model'),
    spend.models.length === 0
      ? h('p', { class: 'muted' }, 'No requests in this range.')
      : h(
          'table',
          { class: 'data-table', id: 'model-spend' },
          h('thead', {}, h('tr', {}, ...['Model', 'Spend', 'Requests', 'Input tokens', 'Output tokens'].map((title) => h('th', { scope: 'col' }, title)))),
          h(
            'tbody',
            {},
            ...spend.models.map((model) =>
              h(
                'tr',
                { 'data-model': model.model },
                h('th', { scope: 'row' }, model.model),
                h('td', { class: 'number' }, `${usd(model.usd)}${model.unpriced ? ` (+${model.unpriced} unpriced)` : ''}`),
                h('td', { class: 'number' }, model.requests.toLocaleString()),
                h('td', { class: 'number' }, model.inputTokens.toLocaleString()),
                h('td', { class: 'number' }, model.outputTokens.toLocaleString()),
              ),
            ),
          ),
        ),
  );
  return section;
}

/** The theme's own colours, read from VS Code's variables each time (the theme can change). */
function themeColour(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function drawChart(): void {
  chart?.destroy();
  chart = undefined;
  const canvas = document.getElementById('spend-chart') as HTMLCanvasElement | null;
  if (!canvas || !spend) return;
  const palette = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'].map((name, index) => themeColour(name, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'][index]!));
  const foreground = themeColour('--vscode-foreground', '#888');
  const grid = themeColour('--vscode-panel-border', 'rgba(128,128,128,0.3)');
  chart = new Chart(canvas, {
    type: 'bar',
    data: {
      labels: spend.days.map((day) => day.date.slice(5)),
      datasets: spend.providers.map((provider, index) => ({
        label: provider.name,
        data: spend!.days.map((day) => day.byProvider[provider.id] ?? 0),
        backgroundColor: palette[index % palette.length],
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      color: foreground,
      scales: {
        x: { stacked: true, ticks: { color: foreground }, grid: { color: grid } },
        y: { stacked: true, beginAtZero: true, ticks: { color: foreground, callback: (value) => usd(Number(value)) }, grid: { color: grid } },
      },
      plugins: { legend: { labels: { color: foreground } }, tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${usd(Number(item.raw))}` } } },
    },
  });
}

// VS Code swaps the theme's variables and the body's class: draw the chart again in the new colours.
new MutationObserver(() => {
  if (view.view === 'usage') drawChart();
}).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });

const MODE_HELP: Record<PanelBudget['mode'], string> = {
  warn: 'tell me at the threshold and at the limit',
  ask: 'ask before a request that could cross it',
  stop: 'refuse requests that could cross it',
  switch: 'move to a cheaper model in the fallback chain',
};

function budgetsView(state: PanelState): HTMLElement {
  const section = h('section', { id: 'budgets', 'aria-label': 'Budgets' });
  const list = spend?.budgets ?? [];
  section.append(h('h2', {}, 'Budgets'));
  if (!spend) section.append(h('p', { class: 'muted' }, 'Loading…'));
  else if (list.length === 0) section.append(h('p', { class: 'muted' }, 'No budgets yet. Requests are checked against every budget before they are sent.'));
  for (const item of list) {
    const percent = Math.round(item.fraction * 100);
    section.append(
      h(
        'article',
        { class: `budget${item.fraction >= 1 ? ' over' : item.fraction >= item.budget.alertAt ? ' near' : ''}`, 'data-budget': item.budget.id },
        h('h3', {}, `${item.label[0]!.toUpperCase()}${item.label.slice(1)}`),
        h('p', {}, `${usd(item.spentUsd)} of ${usd(item.budget.limitUsd)} (${percent}%) · alert at ${Math.round(item.budget.alertAt * 100)}% · at the limit: ${item.budget.mode}, ${MODE_HELP[item.budget.mode]}`),
        h('progress', { max: '1', value: String(Math.min(1, item.fraction)), 'aria-label': `${item.label}: ${percent}% used` }),
        h('div', { class: 'actions' }, button('Remove', () => void removeBudget(item.budget.id), { class: 'danger', id: `remove-budget-${item.budget.id}` })),
      ),
    );
  }
  section.append(budgetForm(state));
  return section;
}

function budgetForm(state: PanelState): HTMLElement {
  const scopes: Array<{ key: string; label: string; scope: PanelBudget['scope'] }> = [
    { key: 'overall', label: 'All providers', scope: { kind: 'overall' } },
    ...state.providers.flatMap((provider) => [
      { key: provider.id, label: provider.name, scope: { kind: 'provider' as const, providerId: provider.id } },
      ...provider.models.map((model) => ({ key: `${provider.id}-${model}`, label: `${provider.name} · ${model}`, scope: { kind: 'model' as const, providerId: provider.id, modelId: model } })),
    ]),
  ];
  const scope = h('select', { id: 'budget-scope' }, ...scopes.map((item) => h('option', { value: item.key }, item.label)));
  const period = h('select', { id: 'budget-period' }, h('option', { value: 'daily' }, 'Per day'), h('option', { value: 'monthly' }, 'Per month'));
  const limit = h('input', { id: 'budget-limit', type: 'number', min: '0.01', step: '0.01', inputmode: 'decimal', required: true });
  const alertAt = h('input', { id: 'budget-alert', type: 'number', min: '1', max: '100', step: '1', value: '80' });
  const mode = h('select', { id: 'budget-mode' }, ...(Object.keys(MODE_HELP) as Array<PanelBudget['mode']>).map((key) => h('option', { value: key }, `${key}: ${MODE_HELP[key]}`)));
  const form = h(
    'form',
    { class: 'budget-form', novalidate: true, 'aria-label': 'Add or change a budget' },
    h('h2', {}, 'Add or change a budget'),
    h('label', { for: 'budget-scope' }, 'For'),
    scope,
    h('label', { for: 'budget-period' }, 'Period'),
    period,
    h('label', { for: 'budget-limit' }, 'Limit (US dollars)'),
    limit,
    h('label', { for: 'budget-alert' }, 'Alert at (% of the limit)'),
    alertAt,
    h('label', { for: 'budget-mode' }, 'At the limit'),
    mode,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'save-budget' }, 'Save Budget')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = scopes.find((item) => item.key === scope.value) ?? scopes[0]!;
    const limitUsd = Number(limit.value);
    const alert = Number(alertAt.value) / 100;
    if (!(limitUsd > 0)) return showError('Limit: enter an amount above $0.');
    if (!(alert > 0 && alert <= 1)) return showError('Alert at: enter a percentage from 1 to 100.');
    // Unambiguous whatever the ids hold; the host keeps an existing budget's id for the same scope and period.
    const scopeId = chosen.scope.kind === 'overall' ? 'overall' : chosen.scope.kind === 'provider' ? `provider:${chosen.scope.providerId}` : `model:${chosen.scope.providerId}:${chosen.scope.modelId}`;
    const budget: PanelBudget = { id: `${scopeId}:${period.value}`, scope: chosen.scope, period: period.value as PanelBudget['period'], limitUsd, alertAt: alert, mode: mode.value as PanelBudget['mode'] };
    void request('saveBudget', { budget }).then(
      () => {
        announce('Budget saved.');
        form.reset();
        (document.activeElement as HTMLElement | null)?.blur();
        void loadSpend();
      },
      (error: Error) => showError(error.message),
    );
  });
  return form;
}

async function removeBudget(budgetId: string): Promise<void> {
  try {
    await request('removeBudget', { budgetId });
    await loadSpend();
  } catch (error) {
    showError((error as Error).message);
  }
}

// ---- The models table.

async function loadCatalog(): Promise<void> {
  try {
    catalog = await request('allModels', {});
  } catch (error) {
    errorText = (error as Error).message;
  }
  if (view.view === 'models') refresh();
}

const SORT_VALUE: Record<SortColumn, (row: CatalogRow) => string | number> = {
  provider: (row) => row.providerName.toLowerCase(),
  model: (row) => row.id.toLowerCase(),
  context: (row) => row.contextWindow ?? -1,
  output: (row) => row.maxOutputTokens ?? -1,
  input: (row) => row.prices?.input ?? Number.POSITIVE_INFINITY,
  outputPrice: (row) => row.prices?.output ?? Number.POSITIVE_INFINITY,
};

function modelsView(): HTMLElement {
  const section = h('section', { id: 'models', 'aria-label': 'Models' }, h('h2', {}, 'Models'));
  if (!catalog) {
    section.append(h('p', { class: 'muted' }, 'Asking each provider for its models…'));
    return section;
  }
  for (const failure of catalog.failed) section.append(h('p', { class: 'fix' }, `${failure.providerName}: ${failure.error}`));
  const search = h('input', { id: 'model-table-search', type: 'search', placeholder: 'Search models or providers', 'aria-label': 'Search models' });
  search.value = view.modelSearch ?? '';
  const sort = view.modelSort ?? { column: 'provider', descending: false };
  const header = (label: string, column: SortColumn) =>
    h(
      'th',
      { scope: 'col', 'aria-sort': sort.column === column ? (sort.descending ? 'descending' : 'ascending') : 'none' },
      button(`${label}${sort.column === column ? (sort.descending ? ' ↓' : ' ↑') : ''}`, () => {
        view.modelSort = { column, descending: sort.column === column ? !sort.descending : false };
        save();
        render();
      }, { class: 'sort', id: `sort-${column}` }),
    );
  const body = h('tbody');
  const fill = () => {
    const text = (view.modelSearch ?? '').toLowerCase();
    const rows = catalog!.rows
      .filter((row) => !text || `${row.providerName} ${row.id} ${row.name ?? ''}`.toLowerCase().includes(text))
      .sort((a, b) => {
        const [left, right] = [SORT_VALUE[sort.column](a), SORT_VALUE[sort.column](b)];
        const order = left < right ? -1 : left > right ? 1 : 0;
        return sort.descending ? -order : order;
      });
    body.replaceChildren(...rows.flatMap((row) => catalogRow(row)));
  };
  search.addEventListener('input', () => {
    view.modelSearch = search.value;
    save();
    fill();
  });
  fill();
  section.append(
    h('p', { class: 'muted' }, `${catalog.rows.length} models across your enabled providers. Prices in US dollars per million tokens; "yours" marks values you set.`),
    search,
    h(
      'table',
      { class: 'model-table', id: 'models-table' },
      h('thead', {}, h('tr', {}, header('Provider', 'provider'), header('Model', 'model'), header('Context', 'context'), header('Max output', 'output'), header('Input', 'input'), header('Output', 'outputPrice'), h('th', { scope: 'col' }, 'Cached input'), h('th', { scope: 'col' }, 'Capabilities'), h('th', { scope: 'col' }, 'In use'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
      body,
    ),
  );
  return section;
}

function catalogRow(row: CatalogRow): HTMLElement[] {
  const key = `${row.providerId}/${row.id}`;
  const limit = (value: number | undefined, source: string | undefined) => h('td', { class: 'number', title: source ? `from ${source === 'user' ? 'you' : `the ${source}`}` : undefined }, thousands(value), source === 'user' ? h('span', { class: 'muted' }, ' (yours)') : '');
  const price = (value: number | undefined) => (row.priceSource === 'local' ? 'free' : value === undefined ? 'unknown' : `${perMillion(value)}${row.priceSource === 'user' ? ' (yours)' : ''}`);
  const rows: HTMLElement[] = [
    h(
      'tr',
      { 'data-model': key },
      h('td', {}, row.providerName),
      h('th', { scope: 'row' }, row.id),
      limit(row.contextWindow, row.sources?.contextWindow),
      limit(row.maxOutputTokens, row.sources?.maxOutputTokens),
      h('td', { class: 'number' }, price(row.prices?.input)),
      h('td', { class: 'number' }, price(row.prices?.output)),
      h('td', { class: 'number' }, row.prices?.cachedInput === undefined ? '–' : perMillion(row.prices.cachedInput)),
      h('td', {}, row.capabilities.join(', ')),
      h('td', {}, row.chosen ? 'yes' : ''),
      h('td', {}, row.editable ? button('Edit', () => {
        editing = editing === key ? undefined : key;
        render();
      }, { id: `edit-${domId(key)}`, 'aria-label': `Edit ${row.id}'s limits and prices`, 'aria-expanded': editing === key ? 'true' : 'false' }) : ''),
    ),
  ];
  if (editing === key) rows.push(overrideForm(row));
  return rows;
}

function overrideForm(row: CatalogRow): HTMLElement {
  const field = (id: string, label: string, value: number | undefined, step: string) => {
    const input = h('input', { id: `override-${id}`, type: 'number', min: '0', step });
    if (value !== undefined) input.value = String(value);
    return { input, element: h('span', { class: 'override-field' }, h('label', { for: `override-${id}` }, label), input) };
  };
  // Only the user's own values: empty means "the provider's or the catalog's".
  const own = row.userValues;
  const context = field('context', 'Context window (tokens)', own.contextWindow, '1');
  const output = field('output', 'Max output (tokens)', own.maxOutputTokens, '1');
  const input = field('input', 'Input $/M', own.input, '0.01');
  const outputPrice = field('output-price', 'Output $/M', own.output, '0.01');
  const cached = field('cached', 'Cached input $/M', own.cachedInput, '0.01');
  const number = (element: HTMLInputElement) => (element.value.trim() === '' ? null : Number(element.value));
  const form = h(
    'form',
    { class: 'override', novalidate: true, 'aria-label': `Your limits and prices for ${row.id}` },
    h('p', { class: 'muted' }, `Your own values win over the provider and the catalog. Leave a field empty to use theirs.${row.chosen ? '' : ' Saving adds this model to your models.'}`),
    context.element,
    output.element,
    input.element,
    outputPrice.element,
    cached.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'save-overrides' }, 'Save'), button('Cancel', () => {
      editing = undefined;
      render();
    })),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body: Params<'saveOverrides'> = {
      providerId: row.providerId,
      modelId: row.id,
      contextWindow: number(context.input),
      maxOutputTokens: number(output.input),
      input: number(input.input),
      output: number(outputPrice.input),
      cachedInput: number(cached.input),
    };
    void request('saveOverrides', body).then(
      () => {
        editing = undefined;
        announce('Saved.');
        void loadCatalog();
      },
      (error: Error) => showError(error.message),
    );
  });
  return h('tr', { class: 'override-row' }, h('td', { colspan: '10' }, form));
}

// ---- Fallback order and activity.

type Step = { provider: string; model: string };
const stepKey = (step: Step) => `${step.provider}/${step.model}`;
const domId = (text: string) => text.replace(/[^a-zA-Z0-9_-]/g, '_');

function saveFallback(steps: Step[]): void {
  void request('saveFallback', { steps: steps.map((step) => ({ provider: step.provider, model: step.model })) }).then(
    () => announce('Fallback order saved.'),
    (error: Error) => showError(error.message),
  );
}

function circuitBadge(step: PanelState['fallback']['steps'][number]): HTMLElement | undefined {
  if (step.circuit === 'closed') return undefined;
  const until = step.retryAt ? ` until ${new Date(step.retryAt).toLocaleTimeString()}` : '';
  return h('span', { class: `badge circuit ${step.circuit}` }, step.circuit === 'open' ? `Paused after ${step.failures} failures${until}` : 'Next request is a trial');
}

function fallbackView(state: PanelState): HTMLElement {
  const { first, steps, source } = state.fallback;
  const move = (from: number, to: number) => {
    if (to < 0 || to >= steps.length || from === to) return;
    const order = [...steps];
    const [moved] = order.splice(from, 1);
    order.splice(to, 0, moved!);
    saveFallback(order);
    // Focus follows the moved entry once the new order is drawn.
    pendingFocus = `fallback-${domId(stepKey(moved!))}`;
  };
  const list = h('ol', { id: 'fallback-list', class: 'fallback', 'aria-label': 'Fallback order' });
  if (first) {
    list.append(h('li', { class: 'step first', 'data-step': stepKey(first) }, h('span', { class: 'name' }, `${first.providerName} · ${first.model}`), h('span', { class: 'badge' }, 'Default, tried first'), circuitBadge(first)));
  }
  steps.forEach((step, index) => {
    const item = h(
      'li',
      { class: 'step', id: `fallback-${domId(stepKey(step))}`, 'data-step': stepKey(step), draggable: 'true', tabindex: '0', 'aria-label': `${step.providerName} ${step.model}, number ${index + (first ? 2 : 1)}. Alt+Up or Alt+Down moves it.` },
      h('span', { class: 'handle', 'aria-hidden': 'true' }, '⠿'),
      h('span', { class: 'name' }, `${step.providerName} · ${step.model}`),
      circuitBadge(step),
      h(
        'span',
        { class: 'step-actions' },
        button('Move Up', () => move(index, index - 1), { disabled: index === 0, 'aria-label': `Move ${step.model} up` }),
        button('Move Down', () => move(index, index + 1), { disabled: index === steps.length - 1, 'aria-label': `Move ${step.model} down` }),
        button('Remove', () => saveFallback(steps.filter((_, other) => other !== index)), { class: 'danger', 'aria-label': `Remove ${step.model} from the fallback order` }),
      ),
    );
    item.addEventListener('keydown', (event) => {
      if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') || event.target !== item) return;
      event.preventDefault();
      move(index, event.key === 'ArrowUp' ? index - 1 : index + 1);
    });
    item.addEventListener('dragstart', (event) => {
      event.dataTransfer?.setData('text/plain', String(index));
      item.classList.add('dragging');
    });
    item.addEventListener('dragend', () => item.classList.remove('dragging'));
    item.addEventListener('dragover', (event) => event.preventDefault());
    item.addEventListener('drop', (event) => {
      event.preventDefault();
      const from = Number(event.dataTransfer?.getData('text/plain'));
      if (Number.isInteger(from)) move(from, index);
    });
    list.append(item);
  });
  const taken = new Set([...(first ? [stepKey(first)] : []), ...steps.map(stepKey)]);
  const candidates = state.providers.filter((provider) => provider.enabled).flatMap((provider) => [...new Set([...(provider.defaultModel ? [provider.defaultModel] : []), ...provider.models])].map((model) => ({ provider: provider.id, model, label: `${provider.name} · ${model}` }))).filter((candidate) => !taken.has(stepKey(candidate)));
  const add = h('select', { id: 'fallback-add' }, ...candidates.map((candidate) => h('option', { value: stepKey(candidate) }, candidate.label)));
  return h(
    'section',
    { id: 'fallback', 'aria-label': 'Fallback order' },
    h('h2', {}, 'Fallback order'),
    h('p', { class: 'muted' }, 'When a model fails (rate limit, overload, outage, timeout), Switchboard retries it, then moves down this list. A model that keeps failing is paused for a while and skipped.'),
    source === 'workspace' ? h('p', { class: 'fix' }, "This order comes from the workspace's .vscode/switchboard.json. Changing it here saves your own order in settings, which then comes first.") : undefined,
    list,
    steps.length === 0 ? h('p', { class: 'muted' }, 'No fallback models yet: when the default fails, the request fails.') : h('p', { class: 'muted' }, 'Drag an entry to reorder, or focus it and press Alt+Up or Alt+Down.'),
    candidates.length > 0
      ? h(
          'div',
          { class: 'actions' },
          h('label', { for: 'fallback-add', class: 'inline' }, 'Add a model'),
          add,
          button('Add', () => {
            const chosen = candidates.find((candidate) => stepKey(candidate) === add.value);
            if (chosen) saveFallback([...steps, chosen]);
          }, { id: 'fallback-add-button' }),
        )
      : undefined,
  );
}

let pendingFocus: string | undefined;

async function loadAudit(): Promise<void> {
  try {
    audit = await request('audit', {});
  } catch (error) {
    errorText = (error as Error).message;
  }
  if (view.view === 'activity') refresh();
}

function activityView(): HTMLElement {
  const section = h('section', { id: 'activity', 'aria-label': 'Activity' }, h('h2', {}, 'Activity'), h('p', { class: 'muted' }, 'Changes to providers, keys, defaults, budgets and the fallback order, and every switch to a fallback model. Keys are never recorded.'));
  if (!audit) {
    section.append(h('p', { class: 'muted' }, 'Loading…'));
    return section;
  }
  const filter = h('input', { id: 'audit-filter', type: 'search', placeholder: 'Filter by provider, action or detail', 'aria-label': 'Filter the activity' });
  filter.value = view.auditFilter ?? '';
  const actions = [...new Set(audit.map((entry) => entry.action))].sort();
  const action = h('select', { id: 'audit-action', 'aria-label': 'Only this kind of change' }, h('option', { value: '' }, 'All changes'), ...actions.map((name) => h('option', { value: name, selected: view.auditAction === name }, name.replace(/-/g, ' '))));
  const body = h('tbody');
  const fill = () => {
    const text = (view.auditFilter ?? '').toLowerCase();
    const rows = audit!.filter((entry) => (!view.auditAction || entry.action === view.auditAction) && (!text || `${entry.action} ${entry.providerId ?? ''} ${entry.detail ?? ''}`.toLowerCase().includes(text)));
    body.replaceChildren(...rows.slice(0, 500).map((entry) => h('tr', { 'data-action': entry.action }, h('td', {}, new Date(entry.at).toLocaleString()), h('td', {}, entry.action.replace(/-/g, ' ')), h('td', {}, entry.providerId ?? ''), h('td', {}, entry.detail ?? ''))));
  };
  filter.addEventListener('input', () => {
    view.auditFilter = filter.value;
    save();
    fill();
  });
  action.addEventListener('change', () => {
    view.auditAction = action.value || undefined;
    save();
    fill();
  });
  fill();
  section.append(
    h('div', { class: 'actions' }, filter, action),
    h('table', { class: 'data-table', id: 'audit-table' }, h('thead', {}, h('tr', {}, ...['Time', 'Change', 'Provider', 'Detail'].map((title) => h('th', { scope: 'col' }, title)))), body),
  );
  return section;
}

async function act<N extends RequestName>(name: N, params: Params<N>): Promise<void> {
  try {
    await request(name, params);
  } catch (error) {
    showError((error as Error).message);
  }
}

function showError(message: string): void {
  errorText = message;
  render();
}

/** One live region that outlives every render, so screen readers hear progress once. */
function announce(text: string): void {
  const live = document.getElementById('live');
  if (live) live.textContent = text;
}

// ---- Messages from the host.

window.addEventListener('message', (event: MessageEvent<unknown>) => rpc.receive(event.data));

function onPush(message: PushEvent): void {
  switch (message.type) {
    case 'state': {
      const first = host === undefined;
      host = message.state;
      // The wizard does not draw from the host's state: no re-render under the user's typing.
      if (first) render();
      else if (!(view.view === 'add' && (view.wizard.step === 'connect' || view.wizard.step === 'models'))) refresh();
      if (view.view === 'activity') void loadAudit();
      break;
    }
    case 'show':
      view.view = message.view;
      save();
      render();
      if (message.view === 'usage' || message.view === 'budgets') void loadSpend();
      if (message.view === 'activity') void loadAudit();
      if (message.view === 'models') void loadCatalog();
      break;
    case 'spendChanged':
      if (view.view === 'usage' || view.view === 'budgets') void loadSpend();
      break;
  }
}

// The key is never kept in the view state: a wizard restored past the key step goes back for it.
const restoredTemplate = view.wizard.template;
if (view.wizard.step === 'models' && restoredTemplate !== undefined) {
  view.wizard.step = 'connect';
  view.wizard.report = undefined;
  errorText = 'Test again to go on: a key you typed is never kept while the panel is hidden.';
}

vscode.postMessage({ type: 'ready' });
if (view.view === 'usage' || view.view === 'budgets') void loadSpend();
if (view.view === 'models') void loadCatalog();
if (view.view === 'activity') void loadAudit();
