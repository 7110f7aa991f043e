import { html, nothing, type TemplateResult } from 'lit';

/** A team gateway's figures for a key (and the team's policy), as the host wrote them: one line each. */
export function gatewayLines(lines: readonly string[] | undefined, id: string): TemplateResult | typeof nothing {
  if (!lines || lines.length === 0) return nothing;
  return html`<ul class="gateway" id=${id} aria-label="Team gateway">
    ${lines.map((line) => html`<li>${line}</li>`)}
  </ul>`;
}

/** Every gateway's lines in the usage section, each under its provider's name. */
export function gatewaySummary(
  gateways: ReadonlyArray<{ providerId: string; name: string; lines: readonly string[] }> | undefined,
): TemplateResult | typeof nothing {
  if (!gateways || gateways.length === 0) return nothing;
  return html`<div id="gateway-spend">
    ${gateways.map(
      (gateway) =>
        html`<h3>${gateway.name}</h3>
          ${gatewayLines(gateway.lines, `gateway-usage-${gateway.providerId}`)}`,
    )}
  </div>`;
}
