import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import { VscodeTabHeader } from '@vscode-elements/elements/dist/vscode-tab-header/vscode-tab-header.js';
import { VscodeTabs } from '@vscode-elements/elements/dist/vscode-tabs/vscode-tabs.js';
import { css } from 'lit';

/**
 * The panel's section tabs: VS Code's tabs, with what a tablist owes a keyboard and a screen reader
 * that the library leaves out — one named tablist, Space opening a tab as Enter does, one tab stop
 * (the open tab's) once focus leaves — and tabs that wrap in a narrow panel instead of running off
 * its edge.
 */
export class SectionTabs extends VscodeTabs {
  static override styles = [
    VscodeTabs.styles,
    css`
      .tablist {
        flex-wrap: wrap;
      }
    `,
  ];

  constructor() {
    super();
    this.addEventListener('keydown', (event) => {
      const header = event.composedPath().find((target) => target instanceof VscodeTabHeader);
      if (event.key !== ' ' || !header) return;
      event.preventDefault();
      this.dispatchEvent(
        new CustomEvent('vsc-tabs-select', { detail: { selectedIndex: header.tabId }, composed: true }),
      );
    });
    this.addEventListener('focusout', (event) => {
      if (event.relatedTarget instanceof VscodeTabHeader && this.contains(event.relatedTarget)) return;
      this.querySelectorAll(':scope > vscode-tab-header').forEach((header, index) =>
        header.setAttribute('tabindex', index === this.selectedIndex ? '0' : '-1'),
      );
    });
  }

  protected override firstUpdated(): void {
    // The library marks both its wrapper and the slot inside it as a tablist: one, named, is right.
    const list = this.shadowRoot?.querySelector('.tablist');
    list?.setAttribute('aria-label', this.getAttribute('aria-label') ?? 'Sections');
    list?.querySelector('slot[role="tablist"]')?.removeAttribute('role');
  }
}
customElements.define('sb-tabs', SectionTabs);
