import { html, nothing, type TemplateResult } from 'lit';
import { button } from './button';
import type { ModelRow } from '../../src/shared/protocol';
import { perMillion, thousands } from '../format';

/** A typed model's one-token check: a failed one is used only when the user insists. */
export interface ModelCheck {
  ok: boolean;
  message: string;
  insisted: boolean;
}

export interface ModelChoice {
  selected: string[];
  defaultModel?: string | undefined;
  /** Typed models' checks, by id: the table gains a Check column. */
  checks?: Record<string, ModelCheck>;
  onUse(model: string, used: boolean): void;
  onDefault(model: string): void;
  onSaveAnyway?(model: string): void;
}

/** The wizard's models: ticked to use, one the default, each with its limits and prices. */
export function modelTable(models: ModelRow[], choice: ModelChoice): TemplateResult {
  const checks = choice.checks ?? {};
  const checked = Object.keys(checks).length > 0;
  return html`<table class="model-table">
    <thead>
      <tr>
        ${['Use', 'Default', 'Model', 'Context', 'Max output', 'Input $/M', 'Output $/M', 'Capabilities', ...(checked ? ['Check'] : [])].map((title) => html`<th scope="col">${title}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${models.map((model) => {
        const price = (value: number | undefined) =>
          model.priceSource === 'local' ? 'free' : value === undefined ? 'unknown' : perMillion(value);
        const check = checks[model.id];
        // A typed model that did not answer is used only after "Save Anyway".
        const refused = check !== undefined && !check.ok && !check.insisted;
        return html`<tr data-model=${model.id} data-check=${check ? (check.ok ? 'pass' : 'fail') : nothing}>
          <td>
            <input
              type="checkbox"
              id=${`use-${model.id}`}
              .checked=${choice.selected.includes(model.id)}
              ?disabled=${refused}
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
              ?disabled=${refused}
              aria-label=${`Make ${model.id} the default`}
              @change=${() => choice.onDefault(model.id)}
            />
          </td>
          <td>
            ${model.name && model.name !== model.id ? html`<span>${model.name}<span class="muted"> ${model.id}</span></span>` : model.id}${model.baseModel ? html`<span class="muted runs"> runs ${model.baseModel}</span>` : nothing}
          </td>
          <td class="number" title=${model.labels?.contextWindow ?? nothing}>
            ${
              model.contextWindow !== undefined && model.maxContextWindow !== undefined
                ? `${model.contextWindow.toLocaleString('en-US')} of ${model.maxContextWindow.toLocaleString('en-US')}${model.loaded ? ' (loaded)' : ''}`
                : thousands(model.contextWindow)
            }
          </td>
          <td class="number" title=${model.labels?.maxOutputTokens ?? nothing}>${thousands(model.maxOutputTokens)}</td>
          <td class="number" title=${model.labels?.price ?? nothing}>${price(model.prices?.input)}</td>
          <td class="number" title=${model.labels?.price ?? nothing}>${price(model.prices?.output)}</td>
          <td>${model.capabilities.join(', ')}</td>
          ${
            !checked
              ? nothing
              : html`<td class="check">
                  ${
                    !check
                      ? nothing
                      : check.ok
                        ? html`<span class="pass">✓ Answered</span>`
                        : html`<span class="fail">✗ ${check.message}</span>
                            ${check.insisted ? html`<span class="muted"> Saved anyway.</span>` : button('Save Anyway', () => choice.onSaveAnyway?.(model.id), { id: `save-anyway-${model.id}`, label: `Save ${model.id} anyway` })}`
                  }
                </td>`
          }
        </tr>`;
      })}
    </tbody>
  </table>`;
}
