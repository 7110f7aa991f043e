import { html, nothing, type TemplateResult } from 'lit';
import { act } from '../section';
import { button } from './button';

/** A team gateway's figures for a key (and the team's policy), as the host wrote them: one line each. */
export function gatewayLines(lines: readonly string[] | undefined, id: string): TemplateResult | typeof nothing {
  if (!lines || lines.length === 0) return nothing;
  return html`<ul class="gateway" id=${id} aria-label="Team gateway">
    ${lines.map((line) => html`<li>${line}</li>`)}
  </ul>`;
}

/** Every gateway's lines in the usage section, each under its provider's name, with the comparison of a LiteLLM proxy's spend log. */
export function gatewaySummary(
  gateways:
    ReadonlyArray<{ providerId: string; name: string; lines: readonly string[]; keepsSpendLog: boolean }> | undefined,
): TemplateResult | typeof nothing {
  if (!gateways || gateways.length === 0) return nothing;
  return html`<div id="gateway-spend">
    ${gateways.map(
      (gateway) =>
        html`<h3>${gateway.name}</h3>
          ${gatewayLines(gateway.lines, `gateway-usage-${gateway.providerId}`)}
          ${
            gateway.keepsSpendLog
              ? button(
                  `Compare with ${gateway.name}'s Spend Log`,
                  () => void act('compareGatewaySpend', { providerId: gateway.providerId }),
                  { id: `compare-${gateway.providerId}` },
                )
              : nothing
          }`,
    )}
  </div>`;
}
