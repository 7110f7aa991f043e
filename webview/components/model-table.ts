import { html, type TemplateResult } from 'lit';
import type { ModelRow } from '../../src/shared/protocol';
import { perMillion, thousands } from '../format';

export interface ModelChoice {
  selected: string[];
  defaultModel?: string | undefined;
  onUse(model: string, used: boolean): void;
  onDefault(model: string): void;
}

/** The wizard's models: ticked to use, one the default, each with its limits and prices. */
export function modelTable(models: ModelRow[], choice: ModelChoice): TemplateResult {
  return html`<table class="model-table">
    <thead>
      <tr>
        ${['Use', 'Default', 'Model', 'Context', 'Max output', 'Input $/M', 'Output $/M', 'Capabilities'].map((title) => html`<th scope="col">${title}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${models.map((model) => {
        const price = (value: number | undefined) =>
          model.priceSource === 'local' ? 'free' : value === undefined ? 'unknown' : perMillion(value);
        return html`<tr data-model=${model.id}>
          <td>
            <input
              type="checkbox"
              id=${`use-${model.id}`}
              .checked=${choice.selected.includes(model.id)}
              aria-label=${`Use ${model.id}`}
              @change=${(event: Event) => choice.onUse(model.id, (event.target as HTMLInputElement).checked)}
            />
          </td>
          <td>
            <input
              type="radio"
              id=${`default-${model.id}`}
              name="default-model"
              .checked=${choice.defaultModel === model.id}
              aria-label=${`Make ${model.id} the default`}
              @change=${() => choice.onDefault(model.id)}
            />
          </td>
          <td>
            ${model.name && model.name !== model.id ? html`<span>${model.name}<span class="muted"> ${model.id}</span></span>` : model.id}
          </td>
          <td class="number">${thousands(model.contextWindow)}</td>
          <td class="number">${thousands(model.maxOutputTokens)}</td>
          <td class="number" title=${model.priceSource === 'user' ? 'Your price' : ''}>
            ${price(model.prices?.input)}
          </td>
          <td class="number">${price(model.prices?.output)}</td>
          <td>${model.capabilities.join(', ')}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
