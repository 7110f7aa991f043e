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
    @keydown=${keepPageStill}
    @click=${(event: Event) => {
      if ((event.currentTarget as HTMLElement).getAttribute('aria-disabled') !== 'true') onClick();
    }}
    >${text}</vscode-button
  >`;
}

/** The element acts on Space but lets the key scroll the page too. */
const keepPageStill = (event: KeyboardEvent) => {
  if (event.key === ' ') event.preventDefault();
};

/**
 * The button that submits its form; give the form `@keydown=${submitOnEnter}` too. While busy it
 * stays focusable but submits nothing (the element itself only checks `disabled`).
 */
export function submitButton(text: string, id: string, busy = false): TemplateResult {
  return html`<vscode-button
    type=${busy ? 'button' : 'submit'}
    id=${id}
    aria-disabled=${busy ? 'true' : nothing}
    @keydown=${keepPageStill}
    >${text}</vscode-button
  >`;
}

/**
 * Enter in a form's text field submits it. A browser does this by itself only through a native
 * submit button (or when the form has a single field), and <vscode-button> is not one.
 */
export function submitOnEnter(event: KeyboardEvent): void {
  const field = event.target;
  if (event.key !== 'Enter' || event.isComposing || !(field instanceof HTMLInputElement)) return;
  if (['checkbox', 'radio', 'button', 'submit'].includes(field.type)) return;
  event.preventDefault();
  (event.currentTarget as HTMLFormElement).requestSubmit();
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
