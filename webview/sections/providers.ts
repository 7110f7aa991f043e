import { html, nothing, type TemplateResult } from 'lit';
import type { PanelStage, ProviderCard } from '../../src/shared/protocol';
import { button } from '../components/button';
import { providerCard } from '../components/provider-card';
import { request, Section } from '../section';
import { announce, store } from '../state';

/** A card's kind for the Type filter: its template's name ("OpenAI", "Ollama"), else Custom. */
const kindOf = (card: ProviderCard) => card.templateName ?? 'Custom';

/** Every provider as a card, each testable in place; found by a search and filters by type and enabled. */
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
    const saved = store.saved;
    const kinds = [...new Set(providers.map(kindOf))].sort((a, b) => a.localeCompare(b));
    // A type no longer among the providers (its last one removed) filters nothing.
    const kind = saved.providerType !== undefined && kinds.includes(saved.providerType) ? saved.providerType : '';
    const enabled = saved.providerEnabled ?? 'all';
    const text = (saved.providerSearch ?? '').trim().toLowerCase();
    const shown = providers.filter(
      (card) =>
        (!kind || kindOf(card) === kind) &&
        (enabled === 'all' || card.enabled === (enabled === 'enabled')) &&
        (!text ||
          [card.name, card.id, kindOf(card), card.baseUrl, ...card.models].join(' ').toLowerCase().includes(text)),
    );
    const filtered = text !== '' || kind !== '' || enabled !== 'all';
    return html`<section id="providers" aria-label="Providers">
      <div class="provider-filters" role="search" aria-label="Find providers">
        <div>
          <label for="provider-search">Search providers</label>
          <input
            id="provider-search"
            type="search"
            placeholder="Name, address or model"
            .value=${saved.providerSearch ?? ''}
            @input=${(event: Event) => {
              saved.providerSearch = (event.target as HTMLInputElement).value;
              store.changed();
            }}
          />
        </div>
        <div>
          <label for="provider-type">Type</label>
          <select
            id="provider-type"
            @change=${(event: Event) => {
              saved.providerType = (event.target as HTMLSelectElement).value || undefined;
              store.changed();
            }}
          >
            <option value="" ?selected=${kind === ''}>All types</option>
            ${kinds.map((name) => html`<option value=${name} ?selected=${kind === name}>${name}</option>`)}
          </select>
        </div>
        <div>
          <label for="provider-enabled">Show</label>
          <select
            id="provider-enabled"
            @change=${(event: Event) => {
              const value = (event.target as HTMLSelectElement).value;
              saved.providerEnabled = value === 'enabled' || value === 'disabled' ? value : undefined;
              store.changed();
            }}
          >
            <option value="all" ?selected=${enabled === 'all'}>Enabled and disabled</option>
            <option value="enabled" ?selected=${enabled === 'enabled'}>Enabled only</option>
            <option value="disabled" ?selected=${enabled === 'disabled'}>Disabled only</option>
          </select>
        </div>
      </div>
      <p id="provider-count" class="muted" role="status">
        ${
          filtered
            ? `${shown.length} of ${providers.length} ${providers.length === 1 ? 'provider' : 'providers'}`
            : `${providers.length} ${providers.length === 1 ? 'provider' : 'providers'}`
        }
      </p>
      ${
        shown.length === 0
          ? html`<div class="no-match">
              <p>
                No provider
                matches${text ? ` "${saved.providerSearch?.trim()}"` : ''}${filtered && (kind || enabled !== 'all') ? ' with these filters' : ''}.
              </p>
              ${button('Clear Search and Filters', () => this.#clearFilters(), { id: 'clear-provider-filters' })}
            </div>`
          : nothing
      }
      ${shown.map((card) => providerCard(card, this.#running.get(card.id), this.#lastRun.get(card.id), () => void this.#test(card.id)))}
    </section>`;
  }

  #clearFilters(): void {
    const saved = store.saved;
    delete saved.providerSearch;
    delete saved.providerType;
    delete saved.providerEnabled;
    store.changed();
    // The button goes away with the message: focus goes back to the search box.
    void this.updateComplete.then(() => this.querySelector<HTMLInputElement>('#provider-search')?.focus());
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
