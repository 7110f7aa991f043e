import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import type { PanelFallbackStep, PanelState } from '../../src/shared/protocol';
import { button } from '../components/button';
import { domId } from '../format';
import { act, Section } from '../section';
import { announce, store } from '../state';

type Step = { provider: string; model: string };
const stepKey = (step: Step) => `${step.provider}/${step.model}`;

function circuitBadge(step: PanelFallbackStep): TemplateResult | typeof nothing {
  if (step.circuit === 'closed') return nothing;
  const until = step.retryAt ? ` until ${new Date(step.retryAt).toLocaleTimeString()}` : '';
  return html`<span class="badge circuit ${step.circuit}"
    >${step.circuit === 'open' ? `Paused after ${step.failures} failures${until}` : 'Next request is a trial'}</span
  >`;
}

type Options = NonNullable<PanelState['fallback']['options']>;

/** Automatic failover, asking before another provider and the cost ratio: the settings that shape every switch. */
function optionsForm(options: Options, hasChain: boolean): TemplateResult {
  const saveRatio = (input: HTMLInputElement) => {
    const value = Number(input.value);
    if (!Number.isFinite(value) || value < 1 || value > 1000) {
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    input.removeAttribute('aria-invalid');
    if (value !== options.maxCostRatio) void act('saveFallbackOptions', { maxCostRatio: value });
  };
  return html`<div class="fallback-options">
    <vscode-checkbox
      toggle
      id="fallback-automatic"
      .checked=${live(options.automatic)}
      @change=${(event: Event) => void act('saveFallbackOptions', { automatic: (event.target as VscodeCheckbox).checked })}
      >Automatic failover when the order is empty</vscode-checkbox
    >
    <p class="muted" id="fallback-automatic-hint">
      ${hasChain ? 'Not used while the order below has models. ' : ''}When the default fails, try the other enabled
      providers' default models that can take the request (tools, context), cheapest first, within the cost ratio.
    </p>
    <vscode-checkbox
      toggle
      id="fallback-ask"
      .checked=${live(options.askBeforeSwitchingProviders)}
      @change=${(event: Event) => void act('saveFallbackOptions', { askBeforeSwitchingProviders: (event.target as VscodeCheckbox).checked })}
      >Ask before switching providers</vscode-checkbox
    >
    <div class="actions">
      <label for="fallback-ratio" class="inline">Cost ratio</label>
      <input
        id="fallback-ratio"
        type="number"
        min="1"
        max="1000"
        step="0.5"
        .value=${live(String(options.maxCostRatio))}
        aria-describedby="fallback-ratio-hint"
        @change=${(event: Event) => saveRatio(event.target as HTMLInputElement)}
      />
      <span class="muted" id="fallback-ratio-hint">× the first model's price at most, without asking</span>
    </div>
  </div>`;
}

/** The models to try after the default, reordered by drag or by Alt+Up/Down. */
export class FallbackSection extends Section {
  /** The entry to focus once the new order is drawn (focus follows a moved entry). */
  #pendingFocus: string | undefined;

  protected override updated(): void {
    if (!this.#pendingFocus) return;
    const target = this.querySelector<HTMLElement>(`#${this.#pendingFocus}`);
    if (target && target !== document.activeElement) target.focus();
  }

  #save(steps: Step[]): void {
    void act('saveFallback', { steps: steps.map((step) => ({ provider: step.provider, model: step.model })) }).then(
      (done) => {
        if (done !== undefined) announce('Fallback order saved.');
      },
    );
  }

  override render(): TemplateResult {
    const state = store.state;
    if (!state) return html``;
    const { first, steps, source, options } = state.fallback;
    const move = (from: number, to: number) => {
      if (to < 0 || to >= steps.length || from === to) return;
      const order = [...steps];
      const [moved] = order.splice(from, 1);
      order.splice(to, 0, moved!);
      this.#pendingFocus = `fallback-${domId(stepKey(moved!))}`;
      this.#save(order);
    };
    const taken = new Set([...(first ? [stepKey(first)] : []), ...steps.map(stepKey)]);
    const candidates = state.providers
      .filter((provider) => provider.enabled)
      .flatMap((provider) =>
        [...new Set([...(provider.defaultModel ? [provider.defaultModel] : []), ...provider.models])].map((model) => ({
          provider: provider.id,
          model,
          label: `${provider.name} · ${model}`,
        })),
      )
      .filter((candidate) => !taken.has(stepKey(candidate)));
    return html`<section id="fallback" aria-label="Fallback order">
      <h2>Fallback order</h2>
      <p class="muted">
        When a model fails (rate limit, overload, outage, timeout), Switchboard retries it, then moves down this list. A
        model that keeps failing is paused for a while and skipped.
      </p>
      ${options ? optionsForm(options, steps.length > 0) : nothing}
      ${source === 'workspace' ? html`<p class="fix">This order comes from the workspace's .vscode/switchboard.json. Changing it here saves your own order in settings, which then comes first.</p>` : nothing}
      <ol id="fallback-list" class="fallback" aria-label="Fallback order">
        ${first ? html`<li class="step first" data-step=${stepKey(first)}><span class="name">${first.providerName} · ${first.model}</span><vscode-badge>Default, tried first</vscode-badge>${circuitBadge(first)}</li>` : nothing}
        ${repeat(
          steps,
          stepKey,
          (step, index) =>
            html`<li
              class="step"
              id=${`fallback-${domId(stepKey(step))}`}
              data-step=${stepKey(step)}
              draggable="true"
              tabindex="0"
              aria-label=${`${step.providerName} ${step.model}, number ${index + (first ? 2 : 1)}. Alt+Up or Alt+Down moves it.`}
              @keydown=${(event: KeyboardEvent) => {
                if (
                  !event.altKey ||
                  (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') ||
                  event.target !== event.currentTarget
                )
                  return;
                event.preventDefault();
                move(index, event.key === 'ArrowUp' ? index - 1 : index + 1);
              }}
              @dragstart=${(event: DragEvent) => {
                event.dataTransfer?.setData('text/plain', String(index));
                (event.currentTarget as HTMLElement).classList.add('dragging');
              }}
              @dragend=${(event: DragEvent) => (event.currentTarget as HTMLElement).classList.remove('dragging')}
              @dragover=${(event: DragEvent) => event.preventDefault()}
              @drop=${(event: DragEvent) => {
                event.preventDefault();
                const from = Number(event.dataTransfer?.getData('text/plain'));
                if (Number.isInteger(from)) move(from, index);
              }}
            >
              <span class="handle" aria-hidden="true">⠿</span
              ><span class="name">${step.providerName} · ${step.model}</span>${circuitBadge(step)}
              <span class="step-actions">
                ${button('Move Up', () => move(index, index - 1), { disabled: index === 0, label: `Move ${step.model} up` })}
                ${button('Move Down', () => move(index, index + 1), { disabled: index === steps.length - 1, label: `Move ${step.model} down` })}
                ${button('Remove', () => this.#save(steps.filter((_, other) => other !== index)), { look: 'danger', label: `Remove ${step.model} from the fallback order` })}
              </span>
            </li>`,
        )}
      </ol>
      <p class="muted">
        ${steps.length === 0 ? (options?.automatic ? 'No fallback models yet: when the default fails, automatic failover picks one.' : 'No fallback models yet: when the default fails, the request fails.') : 'Drag an entry to reorder, or focus it and press Alt+Up or Alt+Down.'}
      </p>
      ${
        candidates.length > 0
          ? html`<div class="actions">
              <label for="fallback-add" class="inline">Add a model</label>
              <select id="fallback-add">
                ${candidates.map((candidate) => html`<option value=${stepKey(candidate)}>${candidate.label}</option>`)}
              </select>
              ${button(
                'Add',
                () => {
                  const value = this.querySelector<HTMLSelectElement>('#fallback-add')?.value;
                  const chosen = candidates.find((candidate) => stepKey(candidate) === value);
                  if (chosen) this.#save([...steps, chosen]);
                },
                { id: 'fallback-add-button' },
              )}
            </div>`
          : nothing
      }
    </section>`;
  }
}
customElements.define('sb-fallback', FallbackSection);
