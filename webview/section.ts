import { LitElement } from 'lit';
import type { Params, PanelStage, RequestName, Result } from '../src/shared/protocol';
import { createRpc, type PushEvent } from './rpc';
import { store, vscode } from './state';

/** The host's pushes other than state and show: sections showing spend listen for this. */
export const SPEND_CHANGED = 'switchboard-spend-changed';

export const rpc = createRpc(
  (message) => vscode.postMessage(message),
  (event: PushEvent) => {
    if (event.type === 'state') {
      store.state = event.state;
      store.changed();
    } else if (event.type === 'show') {
      if (event.providerId !== undefined) store.saved.settingsProvider = event.providerId;
      store.go(event.section);
    } else window.dispatchEvent(new Event(SPEND_CHANGED));
  },
);

/** A request from the panel; a new request clears the error the last one left. */
export function request<N extends RequestName>(
  name: N,
  params: Params<N>,
  onStage?: (stage: PanelStage) => void,
): Promise<Result<N>> {
  if (store.errorText !== undefined) store.showError(undefined);
  return rpc.request(name, params, onStage);
}

/** A request whose only answer is its effect (a new state follows); its failure is shown above the section. */
export async function act<N extends RequestName>(name: N, params: Params<N>): Promise<Result<N> | undefined> {
  try {
    return await request(name, params);
  } catch (error) {
    store.showError((error as Error).message);
    return undefined;
  }
}

/**
 * One section of the panel: a Lit element drawn in the page's own DOM, so the panel's one themed
 * stylesheet (under the CSP, no inline styles) applies and labels reach their fields. It redraws
 * when the store changes; `load` fetches what the section shows, each time it is shown.
 */
export abstract class Section extends LitElement {
  #unsubscribe: (() => void) | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unsubscribe = store.subscribe(() => this.requestUpdate());
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unsubscribe?.();
  }

  protected load(): Promise<void> {
    return Promise.resolve();
  }
}
