import type { PanelSpend } from '../../src/shared/protocol';
import { request, Section, SPEND_CHANGED } from '../section';
import { store } from '../state';

/** A section showing spend (usage, budgets): loaded when shown, and again whenever the host says spend changed. */
export abstract class SpendSection extends Section {
  protected spend: PanelSpend | undefined;
  readonly #reload = () => void this.load();

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener(SPEND_CHANGED, this.#reload);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener(SPEND_CHANGED, this.#reload);
  }

  protected override async load(): Promise<void> {
    try {
      this.spend = await request('spend', { days: store.saved.days ?? 30 });
    } catch (error) {
      store.errorText = (error as Error).message;
    }
    this.requestUpdate();
  }
}
