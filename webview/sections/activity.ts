import { html, type TemplateResult } from 'lit';
import type { PanelAuditEntry, PanelState } from '../../src/shared/protocol';
import { request, Section } from '../section';
import { store } from '../state';

/** The audit log: changes to providers, keys, defaults, budgets and the fallback order. */
export class ActivitySection extends Section {
  #audit: PanelAuditEntry[] | undefined;
  /** The host state the log was last fetched for: a new state (a change) fetches it again. */
  #fetchedFor: PanelState | undefined;

  protected override async load(): Promise<void> {
    this.#fetchedFor = store.state;
    try {
      this.#audit = await request('audit', {});
    } catch (error) {
      store.errorText = (error as Error).message;
    }
    this.requestUpdate();
  }

  override render(): TemplateResult {
    if (store.state !== this.#fetchedFor) void this.load();
    const intro = html`<h2>Activity</h2>
      <p class="muted">
        Changes to providers, keys, defaults, budgets and the fallback order, and every switch to a fallback model. Keys
        are never recorded.
      </p>`;
    const audit = this.#audit;
    if (!audit)
      return html`<section id="activity" aria-label="Activity">
        ${intro}
        <p class="muted">Loading…</p>
      </section>`;
    const saved = store.saved;
    const actions = [...new Set(audit.map((entry) => entry.action))].sort();
    const text = (saved.auditFilter ?? '').toLowerCase();
    const rows = audit.filter(
      (entry) =>
        (!saved.auditAction || entry.action === saved.auditAction) &&
        (!text || `${entry.action} ${entry.providerId ?? ''} ${entry.detail ?? ''}`.toLowerCase().includes(text)),
    );
    return html`<section id="activity" aria-label="Activity">
      ${intro}
      <div class="actions">
        <input
          id="audit-filter"
          type="search"
          placeholder="Filter by provider, action or detail"
          aria-label="Filter the activity"
          .value=${saved.auditFilter ?? ''}
          @input=${(event: Event) => {
            saved.auditFilter = (event.target as HTMLInputElement).value;
            store.changed();
          }}
        />
        <select
          id="audit-action"
          aria-label="Only this kind of change"
          @change=${(event: Event) => {
            saved.auditAction = (event.target as HTMLSelectElement).value || undefined;
            store.changed();
          }}
        >
          <option value="">All changes</option>
          ${actions.map((name) => html`<option value=${name} ?selected=${saved.auditAction === name}>${name.replace(/-/g, ' ')}</option>`)}
        </select>
      </div>
      <table class="data-table" id="audit-table">
        <thead>
          <tr>
            ${['Time', 'Change', 'Provider', 'Detail'].map((title) => html`<th scope="col">${title}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${rows.slice(0, 500).map(
            (entry) =>
              html`<tr data-action=${entry.action}>
                <td>${new Date(entry.at).toLocaleString()}</td>
                <td>${entry.action.replace(/-/g, ' ')}</td>
                <td>${entry.providerId ?? ''}</td>
                <td>${entry.detail ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  }
}
customElements.define('sb-activity', ActivitySection);
