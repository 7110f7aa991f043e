import {
  panelSection,
  type PanelReport,
  type PanelState,
  type PanelSection,
  type WebviewToHost,
} from '../src/shared/protocol';

export type SortColumn = 'provider' | 'model' | 'context' | 'output' | 'input' | 'outputPrice';
export interface AzureDraft {
  form: 'deployment' | 'v1';
  apiVersion: string;
  deployments: Array<{ id: string; baseModel?: string }>;
}

export type WizardStep = 'template' | 'connect' | 'models' | 'done';

/** What survives the panel being hidden (getState/setState). Never the key. */
export interface SavedState {
  section: PanelSection;
  /** The models table's search and sort. */
  modelSearch?: string;
  modelSort?: { column: SortColumn; descending: boolean };
  /** The activity section's filters. */
  auditFilter?: string;
  auditAction?: string;
  /** The usage section's range in days. */
  days?: number;
  /** The providers list's search and filters (a template's name, enabled or disabled). */
  providerSearch?: string;
  providerType?: string;
  providerEnabled?: 'enabled' | 'disabled';
  /** The provider the Provider Settings section shows. */
  settingsProvider?: string;
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
    /** Azure: which URL form, its API version, and the deployments named (each with the model it runs, if said). */
    azure?: AzureDraft;
  };
}

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: SavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscode = acquireVsCodeApi();

/** What was saved, if it has the shape this version writes; else a fresh start. */
function restoredState(saved: unknown): SavedState {
  const fresh: SavedState = { section: 'providers', wizard: { step: 'template', selected: [] } };
  if (typeof saved !== 'object' || saved === null) return fresh;
  const candidate = saved as Partial<SavedState>;
  const wizard = candidate.wizard;
  if (
    !panelSection.safeParse(candidate.section).success ||
    typeof wizard !== 'object' ||
    wizard === null ||
    !Array.isArray(wizard.selected)
  )
    return fresh;
  if (!['template', 'connect', 'models', 'done'].includes(wizard.step)) return fresh;
  return candidate as SavedState;
}

type Listener = () => void;

/**
 * The panel's one store: what is saved across hide/show (the section, the wizard's progress), the
 * state the host sent, and the error shown above the current section. Sections draw from it and are
 * told when it changes.
 */
class Store {
  saved: SavedState = restoredState(vscode.getState());
  state: PanelState | undefined;
  /** Shown above the current section until the next request. */
  errorText: string | undefined;
  readonly #listeners = new Set<Listener>();

  /** Saves what is kept across hide/show and redraws whoever listens. */
  changed(): void {
    vscode.setState(this.saved);
    for (const listener of this.#listeners) listener();
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  go(section: PanelSection): void {
    this.saved.section = section;
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
