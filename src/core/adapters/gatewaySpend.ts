import * as z from '../zod';
import { valid } from './listings';

// A LiteLLM proxy's spend log for one key (`GET /spend/logs`), set beside Switchboard's own records
// of the same requests, so a team lead can trust both. Newer proxies return one row per request
// with `summarize=false`; older ones ignore it and return one row per UTC day.

/** What the gateway logged for a day: `day` is `YYYY-MM-DD` (local when rows carry times, else UTC). */
export interface GatewayDay {
  day: string;
  usd: number;
  /** Requests, where the log lists them one by one. */
  requests?: number;
}

const dollars = z.number().check(z.nonnegative());
const row = z.object({
  spend: z.unknown(),
  startTime: z.union([z.string(), z.number()]),
  request_id: z.optional(z.unknown()),
});

/** The day a moment falls in, in local time (as the ledger keeps its days). */
const localDay = (ms: number) => new Date(ms).toLocaleDateString('sv-SE');

/** SHA-256 of the key in hex, as LiteLLM stores keys: the spend log is asked by hash, so the key never sits in a URL. */
export async function liteLlmKeyHash(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The query for one key's log between two days (inclusive, `YYYY-MM-DD`). */
export function spendLogPath(keyHash: string, from: string, to: string): string {
  const query = new URLSearchParams({ api_key: keyHash, start_date: from, end_date: to, summarize: 'false' });
  return `/spend/logs?${query.toString()}`;
}

/** The log by day; a row with an unusable spend or time is left out (and counted in `skipped`). */
export function readLiteLlmSpendLog(json: unknown): { days: GatewayDay[]; skipped: number } | undefined {
  if (!Array.isArray(json)) return undefined;
  const byDay = new Map<string, GatewayDay>();
  let skipped = 0;
  for (const raw of json.slice(0, 100_000)) {
    const parsed = row.safeParse(raw);
    const usd = parsed.success ? valid(dollars, parsed.data.spend) : undefined;
    const at = parsed.success ? Date.parse(String(parsed.data.startTime)) : Number.NaN;
    if (!parsed.success || usd === undefined || Number.isNaN(at)) {
      skipped++;
      continue;
    }
    const perRequest = parsed.data.request_id !== undefined;
    // A summarized row's startTime is a bare UTC date: kept as that date.
    const day = perRequest ? localDay(at) : new Date(at).toISOString().slice(0, 10);
    const seen = byDay.get(day) ?? { day, usd: 0, ...(perRequest ? { requests: 0 } : {}) };
    seen.usd += usd;
    if (seen.requests !== undefined) seen.requests++;
    byDay.set(day, seen);
  }
  return { days: [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day)), skipped };
}

export interface ReconciledDay {
  day: string;
  /** What Switchboard recorded on this machine (the gateway's reported cost where it sent one). */
  recordedUsd: number;
  gatewayUsd: number;
  /** gateway − recorded: positive when the key spent more than this machine recorded (another machine, or a missed record). */
  differenceUsd: number;
}

/** Day by day and in total, rounded to a millionth of a dollar so float dust never reads as a difference. */
export function reconcileSpend(
  recorded: ReadonlyMap<string, number>,
  gateway: readonly GatewayDay[],
): { days: ReconciledDay[]; recordedUsd: number; gatewayUsd: number; differenceUsd: number } {
  const round = (usd: number) => Math.round(usd * 1e6) / 1e6;
  const theirs = new Map(gateway.map((entry) => [entry.day, entry.usd]));
  const days = [...new Set([...recorded.keys(), ...theirs.keys()])].sort().map((day) => {
    const recordedUsd = round(recorded.get(day) ?? 0);
    const gatewayUsd = round(theirs.get(day) ?? 0);
    return { day, recordedUsd, gatewayUsd, differenceUsd: round(gatewayUsd - recordedUsd) };
  });
  const recordedUsd = round(days.reduce((sum, day) => sum + day.recordedUsd, 0));
  const gatewayUsd = round(days.reduce((sum, day) => sum + day.gatewayUsd, 0));
  return { days, recordedUsd, gatewayUsd, differenceUsd: round(gatewayUsd - recordedUsd) };
}
