import { html, svg, type TemplateResult } from 'lit';
import type { PanelSpend } from '../../src/shared/protocol';
import { usd } from '../format';

/** Six series colours, from the theme (panel.css: .series-N uses --vscode-charts-*), so a theme change recolours it by itself. */
const SERIES = 6;
const WIDTH = 600;
const HEIGHT = 180;
const LEFT = 56;
const BOTTOM = 20;

/**
 * Spend per day, stacked by provider: a small SVG drawn from the figures, in the theme's chart
 * colours. The same figures are in the table under it.
 */
export function spendChart(spend: PanelSpend, label: string): TemplateResult {
  const days = spend.days;
  const max = Math.max(0, ...days.map((day) => Object.values(day.byProvider).reduce((sum, value) => sum + value, 0)));
  const plot = { width: WIDTH - LEFT, height: HEIGHT - BOTTOM };
  const slot = plot.width / Math.max(1, days.length);
  const barWidth = Math.max(1, slot * 0.7);
  const y = (value: number) => (max === 0 ? 0 : (value / max) * plot.height);
  const bars = days.flatMap((day, index) => {
    let base = 0;
    return spend.providers.flatMap((provider, series) => {
      const value = day.byProvider[provider.id] ?? 0;
      if (value <= 0) return [];
      const height = y(value);
      const top = plot.height - base - height;
      base += height;
      return [
        svg`<rect class="bar series-${series % SERIES}" x=${LEFT + index * slot + (slot - barWidth) / 2} y=${top} width=${barWidth} height=${height}><title>${day.date} · ${provider.name}: ${usd(value)}</title></rect>`,
      ];
    });
  });
  return html`<figure class="chart">
    <svg
      id="spend-chart"
      role="img"
      aria-label=${label}
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      preserveAspectRatio="xMidYMid meet"
    >
      <line class="axis" x1=${LEFT} y1=${plot.height} x2=${WIDTH} y2=${plot.height}></line>
      <line class="grid" x1=${LEFT} y1="0" x2=${WIDTH} y2="0"></line>
      <text class="tick" x=${LEFT - 6} y="10" text-anchor="end">${usd(max)}</text>
      <text class="tick" x=${LEFT - 6} y=${plot.height} text-anchor="end">$0</text>
      ${
        days.length > 0
          ? svg`<text class="tick" x=${LEFT} y=${HEIGHT - 4}>${days[0]!.date.slice(5)}</text><text class="tick" x=${WIDTH} y=${HEIGHT - 4} text-anchor="end">${days.at(-1)!.date.slice(5)}</text>`
          : ''
      }
      ${bars}
    </svg>
    <figcaption class="legend">
      ${spend.providers.map((provider, series) => html`<span class="legend-item"><span class="swatch series-${series % SERIES}" aria-hidden="true"></span>${provider.name}</span>`)}
    </figcaption>
  </figure>`;
}
