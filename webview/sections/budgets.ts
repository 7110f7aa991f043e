import { html, type TemplateResult } from 'lit';
import type { PanelBudget, PanelState } from '../../src/shared/protocol';
import { button, submitButton, submitOnEnter } from '../components/button';
import { usd } from '../format';
import { request } from '../section';
import { announce, store } from '../state';
import { SpendSection } from './spend';

const MODE_HELP: Record<PanelBudget['mode'], string> = {
  warn: 'tell me at the threshold and at the limit',
  ask: 'ask before a request that could cross it',
  stop: 'refuse requests that could cross it',
  switch: 'move to a cheaper model in the fallback chain',
};

/** Each budget's use, and the form that adds or changes one. */
export class BudgetsSection extends SpendSection {
  override render(): TemplateResult {
    const spend = this.spend;
    const list = spend?.budgets ?? [];
    return html`<section id="budgets" aria-label="Budgets">
      <h2>Budgets</h2>
      ${!spend ? html`<p class="muted">Loading…</p>` : list.length === 0 ? html`<p class="muted">No budgets yet. Requests are checked against every budget before they are sent.</p>` : ''}
      ${list.map((item) => {
        const percent = Math.round(item.fraction * 100);
        return html`<article
          class="budget${item.fraction >= 1 ? ' over' : item.fraction >= item.budget.alertAt ? ' near' : ''}"
          data-budget=${item.budget.id}
        >
          <h3>${item.label[0]!.toUpperCase()}${item.label.slice(1)}</h3>
          <p>
            ${usd(item.spentUsd)} of ${usd(item.budget.limitUsd)} (${percent}%) · alert at
            ${Math.round(item.budget.alertAt * 100)}% · at the limit: ${item.budget.mode},
            ${MODE_HELP[item.budget.mode]}
          </p>
          <!-- Drawn in theme colours: a native progress bar ignores the theme (a dark theme showed 0 % as a bright full line). -->
          <svg
            class="meter"
            role="progressbar"
            aria-label=${`${item.label}: ${percent}% used`}
            aria-valuemin="0"
            aria-valuemax="100"
            aria-valuenow=${Math.min(100, percent)}
            aria-valuetext=${`${percent}% used`}
            viewBox="0 0 100 8"
            preserveAspectRatio="none"
          >
            <rect class="track" width="100" height="8"></rect>
            <rect class="fill" width=${Math.min(100, item.fraction * 100)} height="8"></rect>
          </svg>
          <div class="actions">
            ${button('Remove', () => void this.#remove(item.budget.id), { look: 'danger', id: `remove-budget-${item.budget.id}` })}
          </div>
        </article>`;
      })}
      ${store.state ? this.#form(store.state) : ''}
    </section>`;
  }

  #form(state: PanelState): TemplateResult {
    const scopes: Array<{ key: string; label: string; scope: PanelBudget['scope'] }> = [
      { key: 'overall', label: 'All providers', scope: { kind: 'overall' } },
      ...state.providers.flatMap((provider) => [
        { key: provider.id, label: provider.name, scope: { kind: 'provider' as const, providerId: provider.id } },
        ...provider.models.map((model) => ({
          key: `${provider.id}-${model}`,
          label: `${provider.name} · ${model}`,
          scope: { kind: 'model' as const, providerId: provider.id, modelId: model },
        })),
      ]),
    ];
    const submit = (event: Event) => {
      event.preventDefault();
      const form = event.target as HTMLFormElement;
      const value = (id: string) => form.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`)!.value;
      const chosen = scopes.find((item) => item.key === value('budget-scope')) ?? scopes[0]!;
      const limitUsd = Number(value('budget-limit'));
      const alert = Number(value('budget-alert')) / 100;
      if (!(limitUsd > 0)) return store.showError('Limit: enter an amount above $0.');
      if (!(alert > 0 && alert <= 1)) return store.showError('Alert at: enter a percentage from 1 to 100.');
      // Unambiguous whatever the ids hold; the host keeps an existing budget's id for the same scope and period.
      const scopeId =
        chosen.scope.kind === 'overall'
          ? 'overall'
          : chosen.scope.kind === 'provider'
            ? `provider:${chosen.scope.providerId}`
            : `model:${chosen.scope.providerId}:${chosen.scope.modelId}`;
      const period = value('budget-period') as PanelBudget['period'];
      const budget: PanelBudget = {
        id: `${scopeId}:${period}`,
        scope: chosen.scope,
        period,
        limitUsd,
        alertAt: alert,
        mode: value('budget-mode') as PanelBudget['mode'],
      };
      request('saveBudget', { budget }).then(
        () => {
          announce('Budget saved.');
          form.reset();
          (document.activeElement as HTMLElement | null)?.blur();
          void this.load();
        },
        (error: Error) => store.showError(error.message),
      );
    };
    return html`<form
      class="budget-form"
      novalidate
      aria-label="Add or change a budget"
      @submit=${submit}
      @keydown=${submitOnEnter}
    >
      <h2>Add or change a budget</h2>
      <label for="budget-scope">For</label>
      <select id="budget-scope">
        ${scopes.map((item) => html`<option value=${item.key}>${item.label}</option>`)}
      </select>
      <label for="budget-period">Period</label>
      <select id="budget-period">
        <option value="daily">Per day</option>
        <option value="monthly">Per month</option>
      </select>
      <label for="budget-limit">Limit (US dollars)</label>
      <input id="budget-limit" type="number" min="0.01" step="0.01" inputmode="decimal" required />
      <label for="budget-alert">Alert at (% of the limit)</label>
      <input id="budget-alert" type="number" min="1" max="100" step="1" value="80" />
      <label for="budget-mode">At the limit</label>
      <select id="budget-mode">
        ${(Object.keys(MODE_HELP) as Array<PanelBudget['mode']>).map((key) => html`<option value=${key}>${key}: ${MODE_HELP[key]}</option>`)}
      </select>
      <div class="actions">${submitButton('Save Budget', 'save-budget')}</div>
    </form>`;
  }

  async #remove(budgetId: string): Promise<void> {
    try {
      await request('removeBudget', { budgetId });
      await this.load();
    } catch (error) {
      store.showError((error as Error).message);
    }
  }
}
customElements.define('sb-budgets', BudgetsSection);
