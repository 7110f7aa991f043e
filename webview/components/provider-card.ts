import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { PanelStage, ProviderCard } from '../../src/shared/protocol';
import { ago, monogram } from '../format';
import { act } from '../section';
import { button } from './button';
import { gatewayLines } from './gateway-lines';
import { stageList } from './stage-list';

/** "Healthy · 230 ms · checked 2 min ago", or why the provider is not checked. */
function backgroundCheck(health: NonNullable<ProviderCard['health']>): string {
  const ms = health.lastMs !== undefined ? ` · ${health.lastMs.toLocaleString()} ms` : '';
  const when = health.checkedAt !== undefined ? ` · checked ${ago(health.checkedAt)}` : '';
  switch (health.state) {
    case 'healthy':
      return `Healthy${ms}${when}`;
    case 'slow':
      return `Slow${ms}${when}`;
    case 'failing':
      return `Failing${health.error ? `: ${health.error}` : ''}${when} (skipped while another model can answer)`;
    case 'no-free-call':
      return 'Not checked in the background (no model list to ask)';
    case 'no-key':
      return 'No key: not checked';
    case 'unchecked':
      return 'Background check pending';
  }
}

/** One provider: its address, key (as a mask), last test, background check and actions. */
export function providerCard(
  card: ProviderCard,
  running: PanelStage[] | undefined,
  lastRun: PanelStage[] | undefined,
  onTest: () => void,
): TemplateResult {
  const keyText =
    card.key.state === 'set'
      ? `Key ${card.key.mask ?? 'set'}`
      : card.key.state === 'not-needed'
        ? 'No key needed'
        : card.key.state === 'other-origin'
          ? 'Key saved for another address: set it again'
          : 'No key';
  const health = card.lastTest
    ? `${card.lastTest.ok ? '✓ Connected' : `✗ ${card.lastTest.summary}`} · tested ${ago(card.lastTest.at)}`
    : 'Not tested yet';
  const defaultModel = card.defaultModel ?? card.models[0];
  const stages = running ?? lastRun;
  return html`<article class="card${card.enabled ? '' : ' disabled'}" data-provider=${card.id} aria-label=${card.name}>
    <div class="card-head">
      <span class="monogram template-${card.template ?? 'custom'}" aria-hidden="true"
        >${monogram(card.templateName ?? card.name)}</span
      >
      <h2>${card.name}</h2>
      ${card.templateName && card.templateName !== card.name ? html`<span class="muted">${card.templateName}</span>` : nothing}
      ${card.isDefault ? html`<vscode-badge>Default${card.defaultModel ? ` · ${card.defaultModel}` : ''}</vscode-badge>` : nothing}
      ${card.source !== 'user' ? html`<vscode-badge title="Declared in configuration: change it there">From ${card.source}</vscode-badge>` : nothing}
    </div>
    <p class="url">${card.baseUrl}</p>
    <p class="key key-${card.key.state}">${keyText}</p>
    <p class="health ${card.lastTest ? (card.lastTest.ok ? 'ok' : 'fail') : ''}" role="status">${health}</p>
    ${card.health ? html`<p class="health check-${card.health.state}${card.health.state === 'failing' ? ' fail' : card.health.state === 'healthy' ? ' ok' : ''}" id=${`check-${card.id}`}>${backgroundCheck(card.health)}</p>` : nothing}
    ${gatewayLines(card.gateway, `gateway-${card.id}`)} ${stages ? stageList(stages) : nothing}
    <div class="actions">
      <vscode-checkbox
        toggle
        id=${`enabled-${card.id}`}
        .checked=${live(card.enabled)}
        ?disabled=${card.readOnly}
        @change=${(event: Event) => void act('setEnabled', { providerId: card.id, enabled: (event.target as VscodeCheckbox).checked })}
        >Enabled</vscode-checkbox
      >
      ${button(running ? 'Testing…' : 'Test Connection', onTest, { disabled: running !== undefined, id: `test-${card.id}` })}
      ${button('Edit', () => void act('editProvider', { providerId: card.id }), { disabled: card.readOnly, id: `edit-provider-${card.id}`, title: card.readOnly ? 'Declared in configuration: change it there' : 'Name, base URL, API version' })}
      <!-- Declared (read-only) providers get their key here too: keys are never part of configuration. -->
      ${button('Set Key', () => void act('setKey', { providerId: card.id }), { disabled: card.key.state === 'not-needed', id: `key-${card.id}` })}
      ${button(
        'Make Default',
        () => void (defaultModel && act('setDefault', { providerId: card.id, modelId: defaultModel })),
        {
          disabled: card.isDefault || !defaultModel || !card.enabled,
          title: defaultModel
            ? `Use ${defaultModel} by default`
            : 'Choose a model first (Switchboard: Select Default Model)',
          id: `default-${card.id}`,
        },
      )}
      ${button('Remove', () => void act('removeProvider', { providerId: card.id }), { disabled: card.readOnly, look: 'danger', id: `remove-${card.id}` })}
    </div>
  </article>`;
}
