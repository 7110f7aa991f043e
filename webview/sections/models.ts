import { html, nothing, type TemplateResult } from 'lit';
import type { CatalogRow, PanelCatalog, Params } from '../../src/shared/protocol';
import { button, plainButton, submitButton, submitOnEnter } from '../components/button';
import { domId, perMillion, thousands } from '../format';
import { request, Section } from '../section';
import { announce, store, type SortColumn } from '../state';

const SORT_VALUE: Record<SortColumn, (row: CatalogRow) => string | number> = {
  provider: (row) => row.providerName.toLowerCase(),
  model: (row) => row.id.toLowerCase(),
  context: (row) => row.contextWindow ?? -1,
  output: (row) => row.maxOutputTokens ?? -1,
  input: (row) => row.prices?.input ?? Number.POSITIVE_INFINITY,
  outputPrice: (row) => row.prices?.output ?? Number.POSITIVE_INFINITY,
};

/** Every enabled provider's models with their limits and prices; the user's own values editable. */
export class ModelsSection extends Section {
  /** Every enabled provider's models as last fetched, and the providers whose list failed. */
  #catalog: PanelCatalog | undefined;
  /** The row whose overrides are being edited (`provider/model`). */
  #editing: string | undefined;

  protected override async load(): Promise<void> {
    try {
      this.#catalog = await request('allModels', {});
    } catch (error) {
      store.errorText = (error as Error).message;
    }
    this.requestUpdate();
  }

  override render(): TemplateResult {
    const catalog = this.#catalog;
    if (!catalog)
      return html`<section id="models" aria-label="Models">
        <h2>Models</h2>
        <p class="muted">Asking each provider for its models…</p>
      </section>`;
    const saved = store.saved;
    const sort = saved.modelSort ?? { column: 'provider', descending: false };
    const header = (label: string, column: SortColumn) =>
      html`<th
        scope="col"
        aria-sort=${sort.column === column ? (sort.descending ? 'descending' : 'ascending') : 'none'}
      >
        ${plainButton(
          `${label}${sort.column === column ? (sort.descending ? ' ↓' : ' ↑') : ''}`,
          () => {
            saved.modelSort = { column, descending: sort.column === column ? !sort.descending : false };
            store.changed();
          },
          { className: 'sort', id: `sort-${column}` },
        )}
      </th>`;
    const text = (saved.modelSearch ?? '').toLowerCase();
    const rows = catalog.rows
      .filter((row) => !text || `${row.providerName} ${row.id} ${row.name ?? ''}`.toLowerCase().includes(text))
      .sort((a, b) => {
        const [left, right] = [SORT_VALUE[sort.column](a), SORT_VALUE[sort.column](b)];
        const order = left < right ? -1 : left > right ? 1 : 0;
        return sort.descending ? -order : order;
      });
    return html`<section id="models" aria-label="Models">
      <h2>Models</h2>
      ${catalog.failed.map((failure) => html`<p class="fix">${failure.providerName}: ${failure.error}</p>`)}
      <p class="muted">
        ${catalog.rows.length} models across your enabled providers. Prices in US dollars per million tokens; each says
        where it comes from: the provider's own list (and the day it was read), the catalog (and the date of its data),
        or you ("yours").
      </p>
      ${
        catalog.gone && catalog.gone.length > 0
          ? html`<div class="model-changes" id="models-gone" role="status">
              <p>No longer listed since you last looked:</p>
              <ul>
                ${catalog.gone.map(
                  (model) =>
                    html`<li data-gone=${`${model.providerId}/${model.id}`}>
                      ${model.providerName} ·
                      ${model.id}${model.was ? html`<span class="muted"> (was ${perMillion(model.was.input)} in · ${perMillion(model.was.output)} out)</span>` : nothing}
                    </li>`,
                )}
              </ul>
            </div>`
          : nothing
      }
      <input
        id="model-table-search"
        type="search"
        placeholder="Search models or providers"
        aria-label="Search models"
        .value=${saved.modelSearch ?? ''}
        @input=${(event: Event) => {
          saved.modelSearch = (event.target as HTMLInputElement).value;
          store.changed();
        }}
      />
      <table class="model-table" id="models-table">
        <thead>
          <tr>
            ${header('Provider', 'provider')}${header('Model', 'model')}${header('Context', 'context')}${header('Max output', 'output')}${header('Input', 'input')}${header('Output', 'outputPrice')}
            <th scope="col">Cached input</th>
            <th scope="col">Price from</th>
            <th scope="col">Capabilities</th>
            <th scope="col">In use</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${rows.map((row) => this.#row(row))}
        </tbody>
      </table>
    </section>`;
  }

  #row(row: CatalogRow): TemplateResult {
    const key = `${row.providerId}/${row.id}`;
    // Each value's source and date in its title ("listed by LM Studio, 2026-12-05"); the user's own also in the cell.
    const limit = (value: number | undefined, source: string | undefined, label: string | undefined, text?: string) =>
      html`<td class="number" title=${label ?? nothing}>
        ${text ?? thousands(value)}${source === 'user' ? html`<span class="muted"> (yours)</span>` : nothing}
      </td>`;
    // A local server running the model with less than it takes: "4,096 of 131,072 (loaded)".
    const running =
      row.contextWindow !== undefined && row.maxContextWindow !== undefined
        ? `${row.contextWindow.toLocaleString('en-US')} of ${row.maxContextWindow.toLocaleString('en-US')}${row.loaded ? ' (loaded)' : ''}`
        : undefined;
    const price = (value: number | undefined) =>
      row.priceSource === 'local'
        ? 'free'
        : value === undefined
          ? 'unknown'
          : `${perMillion(value)}${row.priceSource === 'user' ? ' (yours)' : ''}`;
    const priceLabel = row.labels?.price;
    return html`<tr data-model=${key} data-change=${row.change?.kind ?? nothing}>
        <td>${row.providerName}</td>
        <th scope="row">
          ${row.id}${row.change ? html` <span class="model-change">${row.change.text}</span>` : nothing}
        </th>
        ${limit(row.contextWindow, row.sources?.contextWindow, row.labels?.contextWindow, running)}${limit(row.maxOutputTokens, row.sources?.maxOutputTokens, row.labels?.maxOutputTokens)}
        <td class="number" title=${priceLabel ?? nothing}>${price(row.prices?.input)}</td>
        <td class="number" title=${priceLabel ?? nothing}>${price(row.prices?.output)}</td>
        <td class="number">${row.prices?.cachedInput === undefined ? '–' : perMillion(row.prices.cachedInput)}</td>
        <td class="muted">${row.priceSource === 'user' ? '' : (priceLabel ?? '')}</td>
        <td>${row.capabilities.join(', ')}</td>
        <td>${row.chosen ? 'yes' : ''}</td>
        <td>
          ${
            row.editable
              ? button(
                  'Edit',
                  () => {
                    this.#editing = this.#editing === key ? undefined : key;
                    this.requestUpdate();
                  },
                  {
                    id: `edit-${domId(key)}`,
                    label: `Edit ${row.id}'s limits and prices`,
                    expanded: this.#editing === key,
                  },
                )
              : nothing
          }
        </td>
      </tr>
      ${this.#editing === key ? this.#overrides(row) : nothing}`;
  }

  #overrides(row: CatalogRow): TemplateResult {
    // Only the user's own values: empty means "the provider's or the catalog's".
    const own = row.userValues;
    const field = (id: string, label: string, value: number | undefined, step: string) =>
      html`<span class="override-field"
        ><label for=${`override-${id}`}>${label}</label
        ><input
          id=${`override-${id}`}
          type="number"
          min="0"
          step=${step}
          .value=${value === undefined ? '' : String(value)}
      /></span>`;
    const submit = (event: Event) => {
      event.preventDefault();
      const form = event.target as HTMLFormElement;
      const number = (id: string) => {
        const value = form.querySelector<HTMLInputElement>(`#override-${id}`)!.value.trim();
        return value === '' ? null : Number(value);
      };
      const body: Params<'saveOverrides'> = {
        providerId: row.providerId,
        modelId: row.id,
        contextWindow: number('context'),
        maxOutputTokens: number('output'),
        input: number('input'),
        output: number('output-price'),
        cachedInput: number('cached'),
      };
      request('saveOverrides', body).then(
        () => {
          this.#editing = undefined;
          announce('Saved.');
          void this.load();
        },
        (error: Error) => store.showError(error.message),
      );
    };
    return html`<tr class="override-row">
      <td colspan="11">
        <form
          class="override"
          novalidate
          aria-label=${`Your limits and prices for ${row.id}`}
          @submit=${submit}
          @keydown=${submitOnEnter}
        >
          <p class="muted">
            Your own values win over the provider and the catalog. Leave a field empty to use
            theirs.${row.chosen ? '' : ' Saving adds this model to your models.'}
          </p>
          ${field('context', 'Context window (tokens)', own.contextWindow, '1')}${field('output', 'Max output (tokens)', own.maxOutputTokens, '1')}${field('input', 'Input $/M', own.input, '0.01')}${field('output-price', 'Output $/M', own.output, '0.01')}${field('cached', 'Cached input $/M', own.cachedInput, '0.01')}
          <div class="actions">
            ${submitButton('Save', 'save-overrides')}
            ${button('Cancel', () => {
              this.#editing = undefined;
              this.requestUpdate();
            })}
          </div>
        </form>
      </td>
    </tr>`;
  }
}
customElements.define('sb-models', ModelsSection);
