import '@vscode-elements/elements/dist/vscode-button/index.js';
import { html, nothing, type TemplateResult } from 'lit';

export interface ButtonOptions {
  id?: string;
  /** An action button's weight: the one primary action of a step, a destructive one, or (by default) secondary. */
  look?: 'primary' | 'danger';
  title?: string;
  disabled?: boolean;
  label?: string;
  pressed?: boolean;
  expanded?: boolean;
}

/**
 * An action button, VS Code's own (`<vscode-button>`). `disabled` keeps it focusable (aria-disabled):
 * the element's own `disabled` takes it out of the tab order, and focus would be lost while it waits.
 */
export function button(text: string, onClick: () => void, options: ButtonOptions = {}): TemplateResult {
  return html`<vscode-button
    id=${options.id ?? nothing}
    class=${options.look ?? nothing}
    ?secondary=${options.look !== 'primary'}
    title=${options.title ?? nothing}
    aria-label=${options.label ?? nothing}
    aria-disabled=${options.disabled ? 'true' : nothing}
    aria-pressed=${options.pressed === undefined ? nothing : String(options.pressed)}
    aria-expanded=${options.expanded === undefined ? nothing : String(options.expanded)}
    @click=${(event: Event) => {
      if ((event.currentTarget as HTMLElement).getAttribute('aria-disabled') !== 'true') onClick();
    }}
    >${text}</vscode-button
  >`;
}

/** The button that submits its form (Enter in a field submits it too). */
export function submitButton(text: string, id: string, busy = false): TemplateResult {
  return html`<vscode-button type="submit" id=${id} aria-disabled=${busy ? 'true' : nothing}>${text}</vscode-button>`;
}

/**
 * A native button for what does not look like a VS Code button: a link in a sentence, a sortable
 * column's heading, a provider tile. `className` names which.
 */
export function plainButton(
  text: string,
  onClick: () => void,
  options: { className: 'link' | 'sort' | 'template'; id?: string; title?: string },
): TemplateResult {
  return html`<button
    type="button"
    id=${options.id ?? nothing}
    class=${options.className}
    title=${options.title ?? nothing}
    @click=${onClick}
  >
    ${text}
  </button>`;
}
