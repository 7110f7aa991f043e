import { html, type TemplateResult } from 'lit';
import type { PanelSpend } from '../../src/shared/protocol';
import { button } from '../components/button';
import { gatewaySummary } from '../components/gateway-lines';
import { spendChart } from '../components/spend-chart';
import { fromFirstSpend, usd } from '../format';
import { act } from '../section';
import { store } from '../state';
import { SpendSection } from './spend';

/** Spend over a range of days: the chart, the figures per day and per model, and the export. */
export class UsageSection extends SpendSection {
  override render(): TemplateResult {
    const days = store.saved.days ?? 30;
    const spend = this.spend;
    return html`<section id="usage" aria-label="Usage">
      <div class="actions" role="group" aria-label="Range">
        ${[7, 30, 62].map((range) =>
          button(
            `${range} days`,
            () => {
              store.saved.days = range;
              store.changed();
              void this.load();
            },
            { id: `range-${range}`, pressed: range === days },
          ),
        )}
        ${button('Export CSV', () => void act('exportUsage', { format: 'csv' }), { id: 'export-csv' })}
        ${button('Export JSON', () => void act('exportUsage', { format: 'json' }), { id: 'export-json' })}
      </div>
      ${spend ? this.#figures(spend, days) : html`<p class="muted">Loading…</p>`}
    </section>`;
  }

  #chart(spend: PanelSpend): TemplateResult {
    const shown = fromFirstSpend(spend.days);
    const from = shown[0]?.date ?? '';
    return spendChart(
      { ...spend, days: shown },
      `Spend per day since ${from}, stacked by provider; the same figures are in the table below.`,
    );
  }

  #figures(spend: PanelSpend, days: number): TemplateResult {
    const totals = spend.totals;
    return html`<p class="summary" id="usage-summary">
        Today ${usd(spend.todayUsd)} · This month ${usd(spend.monthUsd)} · On track for ${usd(spend.projectedMonthUsd)}
        this month · ${days} days: ${usd(totals.usd)}, ${totals.requests.toLocaleString()}
        request${totals.requests === 1 ? '' : 's'}, ${totals.inputTokens.toLocaleString()} in /
        ${totals.outputTokens.toLocaleString()} out
        tokens${
          totals.failed > 0
            ? ` · ${totals.failed.toLocaleString()} failed attempt${totals.failed === 1 ? '' : 's'} (not counted as requests)`
            : ''
        }
      </p>
      ${this.#chart(spend)} ${gatewaySummary(spend.gateways)}
      ${
        spend.surfaces.length > 0
          ? html`<table class="data-table" id="surface-spend">
              <caption>
                Who spent it (${days} days)
              </caption>
              <thead>
                <tr>
                  ${['Surface', 'Spend', 'Attempts'].map((title) => html`<th scope="col">${title}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${spend.surfaces.map(
                  (part) =>
                    html`<tr>
                      <th scope="row">${part.name}</th>
                      <td class="number">${usd(part.usd)}</td>
                      <td class="number">${part.attempts.toLocaleString()}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : ''
      }
      <details>
        <summary>Spend per day as a table</summary>
        <table class="data-table" id="spend-table">
          <thead>
            <tr>
              <th scope="col">Day</th>
              ${spend.providers.map((provider) => html`<th scope="col">${provider.name}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${spend.days
              .filter((day) => Object.keys(day.byProvider).length > 0)
              .map(
                (day) =>
                  html`<tr>
                    <th scope="row">${day.date}</th>
                    ${spend.providers.map((provider) => html`<td class="number">${usd(day.byProvider[provider.id] ?? 0)}</td>`)}
                  </tr>`,
              )}
          </tbody>
        </table>
      </details>
      <h2 class="by-model">By model</h2>
      ${
        spend.models.length === 0
          ? html`<p class="muted">No requests in this range.</p>`
          : html`<table class="data-table" id="model-spend">
              <thead>
                <tr>
                  ${['Model', 'Spend', 'Requests', 'Input tokens', 'Output tokens', 'Failed attempts'].map(
                    (title) => html`<th scope="col">${title}</th>`,
                  )}
                </tr>
              </thead>
              <tbody>
                ${spend.models.map(
                  (model) =>
                    html`<tr data-model=${model.model}>
                      <th scope="row">${model.model}</th>
                      <td class="number">
                        ${usd(model.usd)}${model.unpriced ? ` (+${model.unpriced} unpriced)` : ''}
                        ${model.billed ? html`<div class="billed muted">${model.billed}</div>` : ''}
                      </td>
                      <td class="number">${model.requests.toLocaleString()}</td>
                      <td class="number">${model.inputTokens.toLocaleString()}</td>
                      <td class="number">${model.outputTokens.toLocaleString()}</td>
                      <td class="number">${model.failed.toLocaleString()}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }`;
  }
}
customElements.define('sb-usage', UsageSection);
