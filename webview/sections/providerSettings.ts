import { html, type TemplateResult } from 'lit';
import { SECRET_HEADER } from '../../src/core/registry/keyShape';
import type { PanelHeader, PanelProviderSettings } from '../../src/shared/protocol';
import { button, submitButton, submitOnEnter } from '../components/button';
import { request, Section } from '../section';
import { announce, store } from '../state';

/** A secret header's value while it is typed: in memory only, never in the view state or the markup. */
const typedSecrets = new Map<number, string>();

type NumberField = { key: string; label: string; group: 'sampling' | 'timeouts'; step: string; seconds?: boolean };
const NUMBER_FIELDS: NumberField[] = [
  { key: 'temperature', label: 'Temperature', group: 'sampling', step: '0.1' },
  { key: 'topP', label: 'Top-p', group: 'sampling', step: '0.05' },
  { key: 'frequencyPenalty', label: 'Frequency penalty', group: 'sampling', step: '0.1' },
  { key: 'presencePenalty', label: 'Presence penalty', group: 'sampling', step: '0.1' },
  { key: 'maxOutputTokens', label: 'Maximum output tokens', group: 'sampling', step: '1' },
  { key: 'firstByteMs', label: 'First-byte timeout (seconds)', group: 'timeouts', step: '1', seconds: true },
  { key: 'idleMs', label: 'Idle timeout (seconds)', group: 'timeouts', step: '1', seconds: true },
];

/**
 * A provider's settings beyond its address and key: request headers (a secret one's value goes to
 * VS Code's secret storage and is shown as a mask), OpenAI organization and project, sampling for
 * requests that set none, timeouts, and a CA bundle for a self-hosted endpoint.
 */
export class ProviderSettingsSection extends Section {
  #providerId: string | undefined;
  #settings: PanelProviderSettings | undefined;
  #busy = false;

  protected override async load(): Promise<void> {
    const writable = store.state?.providers.filter((card) => !card.readOnly) ?? [];
    // The provider asked for (Edit > Advanced Settings, or the one chosen last), else the first that can be changed.
    const wanted = store.saved.settingsProvider;
    this.#providerId = writable.some((card) => card.id === wanted) ? wanted : writable[0]?.id;
    store.saved.settingsProvider = this.#providerId;
    this.#settings = undefined;
    typedSecrets.clear();
    this.requestUpdate();
    if (!this.#providerId) return;
    try {
      const providerId = this.#providerId;
      const settings = await request('providerSettings', { providerId });
      // Another provider asked for meanwhile: its own load shows it.
      if (providerId === this.#providerId) this.#settings = settings;
    } catch (error) {
      store.showError((error as Error).message);
    }
    this.requestUpdate();
  }

  /** Opened again for another provider while showing (Edit > Advanced Settings), or another one chosen: that one's settings. */
  protected override updated(): void {
    const wanted = store.saved.settingsProvider;
    if (
      wanted !== undefined &&
      wanted !== this.#providerId &&
      store.state?.providers.some((card) => card.id === wanted)
    )
      void this.load();
  }

  override render(): TemplateResult {
    const writable = store.state?.providers.filter((card) => !card.readOnly) ?? [];
    if (writable.length === 0) return html`<p class="muted">Add a provider first.</p>`;
    const settings = this.#settings;
    return html`<section aria-label="Provider settings">
      <label for="settings-provider">Provider</label>
      <select
        id="settings-provider"
        @change=${(event: Event) => {
          store.saved.settingsProvider = (event.target as HTMLSelectElement).value;
          store.changed();
        }}
      >
        ${writable.map((card) => html`<option value=${card.id} ?selected=${card.id === this.#providerId}>${card.name}</option>`)}
      </select>
      ${settings ? this.#form(settings) : html`<p class="muted">Loading…</p>`}
    </section>`;
  }

  #form(settings: PanelProviderSettings): TemplateResult {
    const text = (id: string, label: string, value: string | undefined, set: (value: string | undefined) => void) =>
      html`<label for=${id}>${label}</label>
        <input
          id=${id}
          type="text"
          spellcheck="false"
          .value=${value ?? ''}
          @input=${(event: Event) => set((event.target as HTMLInputElement).value.trim() || undefined)}
        />`;
    const submit = (event: Event) => {
      event.preventDefault();
      if (!this.#busy) void this.#save(settings);
    };
    return html`<form class="provider-settings" novalidate @submit=${submit} @keydown=${submitOnEnter}>
      <h2>Organization</h2>
      ${text('organization', 'OpenAI organization', settings.organization, (value) => (settings.organization = value))}
      ${text('project', 'OpenAI project', settings.project, (value) => (settings.project = value))}
      <p class="hint">Sent as OpenAI-Organization and OpenAI-Project.</p>
      <h2>Request headers</h2>
      <p class="hint" id="headers-hint">
        A secret header's value is kept in VS Code's secret storage, sent only to this provider's address, and shown
        masked. Names like Authorization, api-key or X-Auth-Token are secret by themselves.
      </p>
      ${settings.headers.map((header, index) => this.#headerRow(settings, header, index))}
      ${button(
        'Add Header',
        () => {
          settings.headers.push({ name: '', secret: false });
          this.requestUpdate();
        },
        { id: 'add-header' },
      )}
      <h2>Sampling and limits</h2>
      <p class="hint">Applied to each request that does not set its own. Empty: the provider's default.</p>
      ${NUMBER_FIELDS.map((field) => this.#numberField(settings, field))}
      <h2>Certificate</h2>
      ${text('ca-bundle', 'CA bundle (path of a PEM file)', settings.caBundlePath, (value) => (settings.caBundlePath = value))}
      <div class="actions">
        ${button('Choose File…', () => void this.#chooseCaBundle(settings), { id: 'choose-ca-bundle' })}
      </div>
      <p class="hint">
        For a self-hosted endpoint signed by your own certificate authority; trusted in addition to the system's.
      </p>
      <div class="actions">${submitButton(this.#busy ? 'Saving…' : 'Save Settings', 'save-settings', this.#busy)}</div>
    </form>`;
  }

  #headerRow(settings: PanelProviderSettings, header: PanelHeader, index: number): TemplateResult {
    const secret = header.secret || SECRET_HEADER.test(header.name);
    return html`<div class="header-row">
      <input
        id=${`header-name-${index}`}
        type="text"
        spellcheck="false"
        aria-label=${`Header ${index + 1} name`}
        placeholder="Header-Name"
        .value=${header.name}
        @input=${(event: Event) => {
          header.name = (event.target as HTMLInputElement).value.trim();
          this.requestUpdate();
        }}
      />
      <!-- A secret value is a property only, never an attribute: it must not appear in the page's markup. -->
      <input
        id=${`header-value-${index}`}
        type=${secret ? 'password' : 'text'}
        autocomplete="off"
        spellcheck="false"
        aria-label=${`Header ${index + 1} value`}
        aria-describedby="headers-hint"
        placeholder=${secret && header.mask ? `saved (${header.mask}); type to replace` : 'value'}
        .value=${secret ? (typedSecrets.get(index) ?? '') : (header.value ?? '')}
        @input=${(event: Event) => {
          const value = (event.target as HTMLInputElement).value;
          if (secret) typedSecrets.set(index, value);
          else header.value = value;
        }}
      />
      <label class="inline"
        ><input
          type="checkbox"
          id=${`header-secret-${index}`}
          .checked=${secret}
          ?disabled=${SECRET_HEADER.test(header.name)}
          @change=${(event: Event) => {
            header.secret = (event.target as HTMLInputElement).checked;
            this.requestUpdate();
          }}
        />
        Secret</label
      >
      ${button(
        'Remove',
        () => {
          settings.headers.splice(index, 1);
          // The rows below move up one: so do their typed secrets.
          const kept = [...typedSecrets].flatMap(([row, value]) =>
            row === index ? [] : [[row > index ? row - 1 : row, value] as const],
          );
          typedSecrets.clear();
          for (const [row, value] of kept) typedSecrets.set(row, value);
          this.requestUpdate();
        },
        { label: `Remove header ${index + 1}` },
      )}
    </div>`;
  }

  #numberField(settings: PanelProviderSettings, field: NumberField): TemplateResult {
    const group = settings[field.group] as Record<string, number | undefined>;
    const value = group[field.key];
    const shown = value === undefined ? '' : String(field.seconds ? value / 1000 : value);
    return html`<label for=${`setting-${field.key}`}>${field.label}</label>
      <input
        id=${`setting-${field.key}`}
        type="number"
        step=${field.step}
        .value=${shown}
        @input=${(event: Event) => {
          const raw = (event.target as HTMLInputElement).value.trim();
          const number = raw === '' ? undefined : Number(raw);
          group[field.key] =
            number === undefined || !Number.isFinite(number)
              ? undefined
              : field.seconds || field.key === 'maxOutputTokens'
                ? Math.round(field.seconds ? number * 1000 : number)
                : number;
        }}
      />`;
  }

  /** VS Code's file picker (on the host): the chosen PEM file fills the field, saved with the rest. */
  async #chooseCaBundle(settings: PanelProviderSettings): Promise<void> {
    const providerId = this.#providerId;
    if (!providerId) return;
    try {
      const path = await request('chooseCaBundle', { providerId });
      if (path === null || providerId !== this.#providerId) return;
      settings.caBundlePath = path;
      this.requestUpdate();
      announce(`CA bundle ${path} chosen: Save Settings to use it.`);
    } catch (error) {
      store.showError((error as Error).message);
    }
  }

  async #save(settings: PanelProviderSettings): Promise<void> {
    const providerId = this.#providerId;
    if (!providerId) return;
    // Each row's typed secret by the row's own index, before rows without a name are left out.
    const headers = settings.headers.flatMap((header, index) => {
      if (!header.name) return [];
      const secret = header.secret || SECRET_HEADER.test(header.name);
      const typed = typedSecrets.get(index)?.trim();
      return [
        secret
          ? { name: header.name, secret: true, ...(typed ? { value: typed } : {}) }
          : { name: header.name, secret: false, ...(header.value ? { value: header.value } : {}) },
      ];
    });
    this.#busy = true;
    this.requestUpdate();
    try {
      await request('saveProviderSettings', {
        providerId,
        headers,
        ...(settings.organization ? { organization: settings.organization } : {}),
        ...(settings.project ? { project: settings.project } : {}),
        sampling: settings.sampling,
        timeouts: settings.timeouts,
        ...(settings.caBundlePath ? { caBundlePath: settings.caBundlePath } : {}),
      });
      announce('Settings saved.');
      await this.load();
    } catch (error) {
      store.showError((error as Error).message);
    } finally {
      this.#busy = false;
      this.requestUpdate();
    }
  }
}
customElements.define('sb-provider-settings', ProviderSettingsSection);
