import { html, type TemplateResult } from 'lit';
import type { PanelBudget, PanelState, PanelTokenCap } from '../../src/shared/protocol';
import { button, submitButton, submitOnEnter } from '../components/button';
import { domId, usd } from '../format';
import { request } from '../section';
import { announce, store } from '../state';
import { SpendSection } from './spend';

const MODE_HELP: Record<PanelBudget['mode'], string> = {
  warn: 'tell me at the threshold and at the limit',
  ask: 'ask before a request that could cross it',
  stop: 'refuse requests that could cross it',
  switch: 'move to a cheaper model in the fallback chain',
};

/** Each budget's use, and the form that adds or changes one; each provider's token caps, and theirs. */
export class BudgetsSection extends SpendSection {
  #caps: PanelTokenCap[] | undefined;

  protected override async load(): Promise<void> {
    await super.load();
    try {
      this.#caps = await request('tokenCaps', {});
    } catch (error) {
      store.errorText = (error as Error).message;
    }
    this.requestUpdate();
  }

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
      ${store.state ? this.#form(store.state) : ''} ${store.state ? this.#tokenCaps(store.state) : ''}
    </section>`;
  }

  /** Per-request token caps per provider: a warning in chat, and a hard limit every request keeps. */
  #tokenCaps(state: PanelState): TemplateResult {
    const caps = this.#caps ?? [];
    const nameOf = (providerId: string) =>
      state.providers.find((provider) => provider.id === providerId)?.name ?? providerId;
    const describe = (cap: PanelTokenCap) =>
      [
        ...(cap.softTokens !== undefined ? [`warn in chat over ${cap.softTokens.toLocaleString('en-US')} tokens`] : []),
        ...(cap.hardTokens !== undefined
          ? [`never more than ${cap.hardTokens.toLocaleString('en-US')} tokens (the answer is limited to fit)`]
          : []),
      ].join(' · ');
    const submit = (event: Event) => {
      event.preventDefault();
      const form = event.target as HTMLFormElement;
      const value = (id: string) => form.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`)!.value.trim();
      const tokens = (id: string, label: string): number | undefined | false => {
        const text = value(id).replace(/[,_\s]/g, '');
        if (!text) return undefined;
        const number = Number(text);
        if (Number.isInteger(number) && number > 0 && number <= 100_000_000) return number;
        store.showError(`${label}: enter a whole number of tokens from 1 to 100,000,000, or leave it empty.`);
        return false;
      };
      const softTokens = tokens('cap-soft', 'Warn above');
      const hardTokens = tokens('cap-hard', 'Never above');
      if (softTokens === false || hardTokens === false) return;
      if (softTokens === undefined && hardTokens === undefined)
        return store.showError('Enter a warning, a limit, or both (in tokens).');
      if (softTokens !== undefined && hardTokens !== undefined && softTokens > hardTokens)
        return store.showError('Warn above: enter no more than the limit (the limit would cut the answer first).');
      const cap: PanelTokenCap = {
        providerId: value('cap-provider'),
        ...(softTokens !== undefined ? { softTokens } : {}),
        ...(hardTokens !== undefined ? { hardTokens } : {}),
      };
      request('saveTokenCap', { cap }).then(
        () => {
          announce('Token caps saved.');
          form.reset();
          void this.load();
        },
        (error: Error) => store.showError(error.message),
      );
    };
    return html`<h2 id="token-caps">Token caps per request</h2>
      <p class="muted">
        Counted as a request's input plus the longest answer it may get, for every request to the provider (chat, VS
        Code's model picker, other extensions, fallback).
      </p>
      ${caps.length === 0 ? html`<p class="muted">No token caps yet.</p>` : ''}
      ${caps.map(
        (cap) =>
          html`<article class="budget" data-token-cap=${cap.providerId}>
            <h3>${nameOf(cap.providerId)}</h3>
            <p>${describe(cap)}</p>
            <div class="actions">
              ${button('Remove', () => void this.#removeCap(cap.providerId), {
                look: 'danger',
                id: `remove-cap-${domId(cap.providerId)}`,
              })}
            </div>
          </article>`,
      )}
      <form class="budget-form" novalidate aria-label="Set token caps" @submit=${submit} @keydown=${submitOnEnter}>
        <h2>Set a provider's token caps</h2>
        <label for="cap-provider">Provider</label>
        <select id="cap-provider">
          ${state.providers.map((provider) => html`<option value=${provider.id}>${provider.name}</option>`)}
        </select>
        <label for="cap-soft">Warn in chat above (tokens)</label>
        <input id="cap-soft" type="text" inputmode="numeric" placeholder="e.g. 50,000" />
        <label for="cap-hard">Never send more than (tokens)</label>
        <input id="cap-hard" type="text" inputmode="numeric" placeholder="e.g. 100,000" />
        <div class="actions">${submitButton('Save Token Caps', 'save-token-caps')}</div>
      </form>`;
  }

  async #removeCap(providerId: string): Promise<void> {
    try {
      await request('removeTokenCap', { providerId });
      await this.load();
    } catch (error) {
      store.showError((error as Error).message);
    }
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
