import { counted } from '../text';
import type { Totals, UsageRow } from './ledgerTotals';
import { SURFACE_GROUPS, type SurfaceGroup } from './ledgerFormat';
import { formatUsd } from './money';

/**
 * What the ledger's totals say to a reader: where the provider's reported cost and the list price
 * disagree, who spent it (per surface), and the CSV export. The arithmetic is in ledgerTotals.ts.
 */

/** Reported and list-price figures part by more than this (1 %): worth showing both. */
export const DISAGREEMENT = 0.01;

/**
 * Where the provider's reported cost and the list price of the same requests disagree by more
 * than 1 %: both figures, and the reported one's difference from the list price (undefined when
 * the list price is $0).
 */
export function disagreement(
  totals: Totals,
): { requests: number; reportedUsd: number; computedUsd: number; percent: number | undefined } | undefined {
  const { comparedRequests: requests, reportedUsd, computedUsd } = totals;
  if (requests === 0) return undefined;
  const differs =
    computedUsd === 0 ? reportedUsd > 0 : Math.abs(reportedUsd - computedUsd) > DISAGREEMENT * computedUsd;
  if (!differs) return undefined;
  return {
    requests,
    reportedUsd,
    computedUsd,
    percent: computedUsd === 0 ? undefined : ((reportedUsd - computedUsd) / computedUsd) * 100,
  };
}

/**
 * Both figures where they disagree, in words: "$0.0123 billed (reported by OpenRouter) · $0.0119 by
 * list price (+3.4 %)", with "for 2 requests: " first when the row holds requests without both.
 * Undefined when they agree within 1 % (or no request has both).
 */
export function describeDisagreement(totals: Totals, reportedBy: string): string | undefined {
  const found = disagreement(totals);
  if (!found) return undefined;
  const { requests, reportedUsd, computedUsd, percent } = found;
  const part = requests === totals.requests + totals.failedAttempts ? '' : `for ${counted(requests, 'request')}: `;
  const difference = percent === undefined ? '' : ` (${percent >= 0 ? '+' : '-'}${Math.abs(percent).toFixed(1)} %)`;
  const [billed, listed] = apart(reportedUsd, computedUsd);
  return `${part}${billed} billed (reported by ${reportedBy}) · ${listed} by list price${difference}`;
}

/** Two amounts as every surface shows them, or with four decimals where that would show them alike ($0.0123 and $0.0119, not $0.01 twice). */
function apart(a: number, b: number): [string, string] {
  const shown = [formatUsd(a), formatUsd(b)] as [string, string];
  return shown[0] === shown[1] ? [`$${a.toFixed(4)}`, `$${b.toFixed(4)}`] : shown;
}

/**
 * `requests` are answered requests; `failed_attempts` the attempts that failed or were cancelled
 * (their cost, if any, is in `usd`); `requests_compared` the requests whose provider reported its
 * cost and whose list price is known, with both figures for them: `reported_usd` (in `usd`) and
 * `computed_usd` (the list price). Then, per surface group, its attempts and spend (`chat`:
 * @switchboard; `language_model`: VS Code's chat and other extensions through vscode.lm; `tests`), and
 * what was recorded before the ledger kept the surface.
 */
const CSV_COLUMNS = [
  'period',
  'provider',
  'model',
  'requests',
  'input_tokens',
  'cached_input_tokens',
  'cache_write_input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'usd',
  'requests_without_price',
  'requests_estimated',
  'requests_suspect',
  'failed_attempts',
  'requests_compared',
  'reported_usd',
  'computed_usd',
  ...SURFACE_GROUPS.flatMap((group) => [`${group.replace('-', '_')}_attempts`, `${group.replace('-', '_')}_usd`]),
  'surface_not_recorded_attempts',
  'surface_not_recorded_usd',
];

/** RFC 4180 CSV of the ledger's rows (quoted where needed), for spreadsheets. */
export function usageCsv(rows: readonly UsageRow[]): string {
  const quote = (value: string | number) => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = rows.map(({ period, providerId, modelId, totals }) =>
    [
      period,
      providerId,
      modelId,
      totals.requests,
      totals.inputTokens,
      totals.cachedInputTokens,
      totals.cacheWriteInputTokens,
      totals.outputTokens,
      totals.reasoningTokens,
      totals.usd.toFixed(9),
      totals.unpricedRequests,
      totals.estimatedRequests,
      totals.suspectRequests,
      totals.failedAttempts,
      totals.comparedRequests,
      totals.reportedUsd.toFixed(9),
      totals.computedUsd.toFixed(9),
      ...SURFACE_GROUPS.flatMap((group) => [totals.bySurface[group].attempts, totals.bySurface[group].usd.toFixed(9)]),
      totals.surfaceNotRecorded.attempts,
      totals.surfaceNotRecorded.usd.toFixed(9),
    ]
      .map(quote)
      .join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}

/** Each surface group's name, as every surface says it. */
export const SURFACE_NAMES: Record<SurfaceGroup, string> = {
  'language-model': 'VS Code chat and extensions',
  chat: '@switchboard',
  tests: 'tests',
};
export const SURFACE_NOT_RECORDED = 'earlier, surface not recorded';

/**
 * Who spent it, in the order shown: VS Code's chat and other extensions (vscode.lm), @switchboard,
 * tests, then what was recorded before the ledger kept the surface; a part with no attempt is left out.
 */
export function surfaceParts(totals: Totals): Array<{ name: string; attempts: number; usd: number }> {
  const parts = (['language-model', 'chat', 'tests'] as const).map((group) => ({
    name: SURFACE_NAMES[group],
    ...totals.bySurface[group],
  }));
  parts.push({ name: SURFACE_NOT_RECORDED, ...totals.surfaceNotRecorded });
  return parts.filter((part) => part.attempts > 0 || part.usd > 0);
}

/** "VS Code chat and extensions $1.20 · @switchboard $0.40 · tests $0.01"; undefined when nothing was recorded. */
export function describeSurfaces(totals: Totals | undefined): string | undefined {
  const parts = totals ? surfaceParts(totals) : [];
  return parts.length === 0 ? undefined : parts.map((part) => `${part.name} ${formatUsd(part.usd)}`).join(' · ');
}
