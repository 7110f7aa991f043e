import {
  panelView,
  type PanelReport,
  type PanelState,
  type PanelView,
  type WebviewToHost,
} from '../src/shared/protocol';

export type SortColumn = 'provider' | 'model' | 'context' | 'output' | 'input' | 'outputPrice';
export type WizardStep = 'template' | 'connect' | 'models' | 'done';

/** What survives the panel being hidden (getState/setState). Never the key. */
export interface ViewState {
  view: PanelView;
  /** The models table's search and sort. */
  modelSearch?: string;
  modelSort?: { column: SortColumn; descending: boolean };
  /** The activity view's filters. */
  auditFilter?: string;
  auditAction?: string;
  /** The usage view's range in days. */
  days?: number;
  wizard: {
    step: WizardStep;
    template?: string;
    baseUrl?: string;
    name?: string;
    report?: PanelReport;
    selected: string[];
    defaultModel?: string;
    filter?: string;
    added?: string;
  };
}

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscode = acquireVsCodeApi();

/** The saved view, if it has the shape this version writes; else a fresh start. */
function restoredView(saved: unknown): ViewState {
  const fresh: ViewState = { view: 'providers', wizard: { step: 'template', selected: [] } };
  if (typeof saved !== 'object' || saved === null) return fresh;
  const candidate = saved as Partial<ViewState>;
  const wizard = candidate.wizard;
  if (
    !panelView.safeParse(candidate.view).success ||
    typeof wizard !== 'object' ||
    wizard === null ||
    !Array.isArray(wizard.selected)
  )
    return fresh;
  if (!['template', 'connect', 'models', 'done'].includes(wizard.step)) return fresh;
  return candidate as ViewState;
}

type Listener = () => void;

/**
 * The panel's one store: the view state (saved across hide/show), the host's state, and the error
 * shown above the current section. Sections draw from it and are told when it changes.
 */
class Store {
  view: ViewState = restoredView(vscode.getState());
  host: PanelState | undefined;
  /** Shown above the current section until the next request. */
  errorText: string | undefined;
  readonly #listeners = new Set<Listener>();

  /** Saves the view state and redraws whoever listens. */
  changed(): void {
    vscode.setState(this.view);
    for (const listener of this.#listeners) listener();
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  go(view: PanelView): void {
    this.view.view = view;
    this.changed();
  }

  showError(message: string | undefined): void {
    this.errorText = message;
    this.changed();
  }
}

export const store = new Store();

/** One live region outside every section, so screen readers hear progress once. */
export function announce(text: string): void {
  const live = document.getElementById('live');
  if (live) live.textContent = text;
}
