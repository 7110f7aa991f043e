import { html, type TemplateResult } from 'lit';
import type { PanelStage } from '../../src/shared/protocol';
import { button } from '../components/button';
import { providerCard } from '../components/provider-card';
import { request, Section } from '../section';
import { announce, store } from '../state';

/** Every provider as a card, each testable in place. */
export class ProvidersSection extends Section {
  /** The stages of each card's running test, by provider id. */
  readonly #running = new Map<string, PanelStage[]>();
  /** Each card's last test, stage by stage, shown until the next one. */
  readonly #lastRun = new Map<string, PanelStage[]>();

  override render(): TemplateResult {
    const providers = store.state?.providers ?? [];
    if (providers.length === 0) {
      return html`<section id="providers" aria-label="Providers">
        <p class="empty">No providers yet. Connect one to chat with its models in VS Code.</p>
        ${button(
          'Connect your first provider',
          () => {
            store.saved.wizard = { step: 'template', selected: [] };
            store.go('add');
          },
          { look: 'primary', id: 'connect-first' },
        )}
      </section>`;
    }
    return html`<section id="providers" aria-label="Providers">
      ${providers.map((card) => providerCard(card, this.#running.get(card.id), this.#lastRun.get(card.id), () => void this.#test(card.id)))}
    </section>`;
  }

  async #test(providerId: string): Promise<void> {
    const live: PanelStage[] = [];
    this.#running.set(providerId, live);
    this.requestUpdate();
    try {
      const report = await request('testProvider', { providerId }, (stage) => {
        live.push(stage);
        this.requestUpdate();
      });
      this.#lastRun.set(providerId, report.stages);
      const failed = report.stages.find((stage) => stage.status === 'fail');
      announce(report.ok ? 'Connection test passed.' : `Connection test failed: ${failed?.message ?? ''}`);
    } catch (error) {
      store.showError((error as Error).message);
    } finally {
      this.#running.delete(providerId);
      this.requestUpdate();
    }
  }
}
customElements.define('sb-providers', ProvidersSection);
