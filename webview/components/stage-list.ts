import { html, nothing, type TemplateResult } from 'lit';
import type { PanelStage } from '../../src/shared/protocol';

export const STAGE_NAMES: Record<PanelStage['stage'], string> = {
  connect: 'Connect',
  tls: 'TLS',
  auth: 'Key',
  models: 'Models',
  chat: 'One-token chat',
};

/** A connection test, stage by stage, each with its time. */
export function stageList(list: PanelStage[]): TemplateResult {
  return html`<ol class="stages" aria-label="Connection test">
    ${list.map(
      (stage) =>
        html`<li class="stage ${stage.status}" data-stage=${stage.stage} data-status=${stage.status}>
          <span class="icon" aria-hidden="true"
            >${stage.status === 'pass' ? '✓' : stage.status === 'fail' ? '✗' : '–'}</span
          ><strong>${STAGE_NAMES[stage.stage]}</strong>
          ${stage.message}${stage.ms !== undefined ? html`<span class="muted"> ${Math.round(stage.ms)} ms</span>` : nothing}
        </li>`,
    )}
  </ol>`;
}
