export { formatPerMillion as perMillion, formatUsd as usd } from '../src/core/cost/money';
export const thousands = (value: number | undefined) =>
  value === undefined ? '–' : value >= 1000 ? `${Math.round(value / 1000)}k` : String(value);

export function ago(at: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - at) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(at).toLocaleDateString();
}

/** "OpenAI" → "OA", "Google Gemini" → "GG", "xAI" → "XA". */
export function monogram(name: string): string {
  // By code point, so a name that starts with an emoji keeps it whole.
  const words = name.split(/[\s-]+/).filter(Boolean);
  const chars = Array.from(name);
  const letters =
    words.length > 1
      ? words.slice(0, 2).map((word) => Array.from(word)[0]!)
      : [chars[0] ?? '?', ...(chars.slice(1).join('').match(/[A-Z]/) ?? [chars[1] ?? ''])];
  return letters.join('').toUpperCase();
}

export const domId = (text: string) => text.replace(/[^a-zA-Z0-9_-]/g, '_');

/** "420 ms", "1.2 s": a duration as a person reads it. */
export const duration = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** A passed test in one line, for the summary that stays above the model list: "Connection test passed: 3 stages (2 skipped), 1.2 s". */
export function passedSummary(stages: ReadonlyArray<{ status: 'pass' | 'fail' | 'skip'; ms?: number }>): string {
  const passed = stages.filter((stage) => stage.status === 'pass').length;
  const skipped = stages.filter((stage) => stage.status === 'skip').length;
  const ms = stages.reduce((total, stage) => total + (stage.ms ?? 0), 0);
  return `Connection test passed: ${passed} ${passed === 1 ? 'stage' : 'stages'}${skipped > 0 ? ` (${skipped} skipped)` : ''}, ${duration(ms)}`;
}

/**
 * The days a spend chart draws: from the first day with spend, at least `minimum` days (the last
 * ones), so a new user's one day of history is one bar at its date, not a sliver after 29 empty days.
 */
export function fromFirstSpend<T extends { byProvider: Record<string, number> }>(days: readonly T[], minimum = 7): T[] {
  const first = days.findIndex((day) => Object.values(day.byProvider).some((value) => value > 0));
  const start = first < 0 ? days.length : first;
  return days.slice(Math.max(0, Math.min(start, days.length - minimum)));
}
