import type { Usage } from '../types';
import { periodKey, type Budget, type BudgetScope } from './budgets';
import {
  addCell,
  COMPARED_FIELD,
  FAILED_FIELD,
  LISTED_FIELD,
  NANO,
  REPORTED_FIELD,
  REQUESTS_FIELD,
  splitModelKey,
  SURFACE_GROUPS,
  surfaceField,
  USD_FIELD,
  zeroCell,
  type Cell,
  type LedgerState,
  type SurfaceGroup,
} from './ledgerFormat';
import type { CostResult } from './pricing';
import { entryCell, type JournalEntry } from './sharedBook';

/**
 * The ledger's arithmetic: what one finished request adds to a cell, and what is read back from the
 * cells (totals, rows, spend in a budget's period). Every read takes the stored state and the
 * records not in it yet (`pending`), so a record counts from the moment it is made. How the totals
 * read in words and as CSV is in ledgerReport.ts.
 */

export type Surface = 'chat' | 'language-model' | 'connection-test';
export type { SurfaceGroup } from './ledgerFormat';

/** The ledger's group of a surface: a connection test and a fallback test are both 'tests'. */
export const surfaceGroup = (surface: Surface): SurfaceGroup => (surface === 'connection-test' ? 'tests' : surface);

/** Attempts (answered or not) and their spend. */
export interface SurfaceSpend {
  attempts: number;
  usd: number;
}

/** One finished request, as recorded. */
export interface UsageRecord {
  at: number;
  providerId: string;
  modelId: string;
  usage: Usage;
  cost: CostResult;
  surface: Surface;
  outcome: 'ok' | 'error' | 'cancelled';
  latencyMs?: number;
  /** The provider's usage report was implausible; the request was priced from counted tokens instead. */
  suspect?: boolean;
  /**
   * Who asked, where VS Code says so at run time (a vscode.lm request's `requestInitiator`: the
   * calling extension's id, or `core`); on the recent requests only, never in the aggregates.
   */
  initiator?: string;
}

export interface Totals {
  /**
   * Answered requests (outcome 'ok'): what a cost per request is based on. Failed attempts are
   * apart, in `failedAttempts`; usage recorded before version 3 of the ledger counted them here.
   */
  requests: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  usd: number;
  unpricedRequests: number;
  estimatedRequests: number;
  suspectRequests: number;
  /** Attempts that failed or were cancelled (a 429 before a fallback model answered), apart from `requests`; their cost, if any, is in `usd`. */
  failedAttempts: number;
  /**
   * Requests whose provider reported what it billed (OpenRouter, LiteLLM) and whose list price is
   * known: `reportedUsd` is what the provider reported for them (in `usd`, and what budgets count),
   * `computedUsd` what the same requests cost at the list price.
   */
  comparedRequests: number;
  reportedUsd: number;
  computedUsd: number;
  /** Attempts and spend per surface group (recorded since version 4 of the ledger). */
  bySurface: Record<SurfaceGroup, SurfaceSpend>;
  /** What was recorded before the ledger kept the surface: the rest of the attempts and spend. */
  surfaceNotRecorded: SurfaceSpend;
}

/** One row of UsageLedger.rows(). */
export interface UsageRow {
  period: string;
  providerId: string;
  modelId: string;
  totals: Totals;
}

function toTotals(values: Readonly<Cell>): Totals {
  const [
    ,
    inputTokens,
    cachedInputTokens,
    cacheWriteInputTokens,
    outputTokens,
    reasoningTokens,
    nanoUsd,
    unpricedRequests,
    estimatedRequests,
    suspectRequests,
  ] = values;
  return {
    requests: Math.max(0, values[REQUESTS_FIELD] - values[FAILED_FIELD]),
    inputTokens,
    cachedInputTokens,
    cacheWriteInputTokens,
    outputTokens,
    reasoningTokens,
    usd: nanoUsd / NANO,
    unpricedRequests,
    estimatedRequests,
    suspectRequests,
    failedAttempts: values[FAILED_FIELD],
    comparedRequests: values[COMPARED_FIELD],
    reportedUsd: values[REPORTED_FIELD] / NANO,
    computedUsd: values[LISTED_FIELD] / NANO,
    ...bySurface(values),
  };
}

function bySurface(values: Readonly<Cell>): Pick<Totals, 'bySurface' | 'surfaceNotRecorded'> {
  let attempts = values[REQUESTS_FIELD];
  let nano = values[USD_FIELD];
  const groups = {} as Record<SurfaceGroup, SurfaceSpend>;
  for (const group of SURFACE_GROUPS) {
    const field = surfaceField(group);
    groups[group] = { attempts: values[field]!, usd: values[field + 1]! / NANO };
    attempts -= values[field]!;
    nano -= values[field + 1]!;
  }
  return { bySurface: groups, surfaceNotRecorded: { attempts: Math.max(0, attempts), usd: Math.max(0, nano) / NANO } };
}

/** A count as stored: a finite non-negative integer, whatever a caller handed in. */
const stored = (value: number | undefined): number =>
  value !== undefined && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
const isAmount = (value: number | undefined): value is number =>
  value !== undefined && Number.isFinite(value) && value >= 0;

export function cellOf(record: UsageRecord): Cell {
  const { usage, cost } = record;
  const priced = isAmount(cost.usd);
  // Both figures of one request, to show where the provider's bill and the list price part.
  const compared = cost.basis === 'reported' && priced && isAmount(cost.computedUsd);
  const nano = priced ? stored(cost.usd! * NANO) : 0;
  const group = surfaceGroup(record.surface);
  const cell: Cell = [
    1,
    stored(usage.inputTokens),
    stored(usage.cachedInputTokens),
    stored(usage.cacheWriteInputTokens),
    stored(usage.outputTokens),
    stored(usage.reasoningTokens),
    nano,
    cost.basis === 'unknown' || !priced ? 1 : 0,
    cost.basis === 'estimated' ? 1 : 0,
    record.suspect ? 1 : 0,
    record.outcome === 'ok' ? 0 : 1,
    compared ? stored(cost.usd! * NANO) : 0,
    compared ? stored(cost.computedUsd! * NANO) : 0,
    compared ? 1 : 0,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  cell[surfaceField(group)] = 1;
  cell[surfaceField(group) + 1] = nano;
  return cell;
}

/** Each cell in [from, to] (day keys): stored, and every record not in what is stored yet. */
function cellsIn(
  state: LedgerState,
  pending: readonly JournalEntry[],
  from: string,
  to: string,
): Array<{ day: string; key: string; values: Readonly<Cell> }> {
  const out: Array<{ day: string; key: string; values: Readonly<Cell> }> = [];
  for (const [day, byModel] of Object.entries(state.days))
    if (day >= from && day <= to) for (const [key, values] of Object.entries(byModel)) out.push({ day, key, values });
  // A rolled-up month counts when the whole month lies in the range (its days are no longer apart).
  for (const [month, byModel] of Object.entries(state.months))
    if (`${month}-01` >= from && `${month}-31` <= to)
      for (const [key, values] of Object.entries(byModel)) out.push({ day: `${month}-01`, key, values });
  for (const entry of pending)
    if (entry.day >= from && entry.day <= to) out.push({ day: entry.day, key: entry.key, values: entryCell(entry) });
  return out;
}

/** Totals over a day range, optionally grouped. */
export function totalsIn(
  state: LedgerState,
  pending: readonly JournalEntry[],
  range: { from: string; to: string },
  groupBy?: 'provider' | 'model' | 'day',
): Map<string, Totals> {
  const groups = new Map<string, Cell>();
  for (const { day, key, values } of cellsIn(state, pending, range.from, range.to)) {
    const [providerId, modelId] = splitModelKey(key);
    const group =
      groupBy === 'provider'
        ? providerId
        : groupBy === 'model'
          ? `${providerId}/${modelId}`
          : groupBy === 'day'
            ? day
            : 'all';
    const target = groups.get(group) ?? zeroCell();
    addCell(target, values);
    groups.set(group, target);
  }
  return new Map([...groups].map(([group, values]) => [group, toTotals(values)]));
}

/** Every stored and pending cell as a row, sorted by period, provider and model. */
export function rowsOf(state: LedgerState, pending: readonly JournalEntry[]): UsageRow[] {
  const merged = new Map<string, Cell>();
  const put = (period: string, key: string, values: Readonly<Cell>) => {
    const id = JSON.stringify([period, key]);
    let target = merged.get(id);
    if (!target) merged.set(id, (target = zeroCell()));
    addCell(target, values);
  };
  for (const [month, byModel] of Object.entries(state.months))
    for (const [key, values] of Object.entries(byModel)) put(month, key, values);
  for (const [day, byModel] of Object.entries(state.days))
    for (const [key, values] of Object.entries(byModel)) put(day, key, values);
  for (const entry of pending) put(entry.day, entry.key, entryCell(entry));
  return [...merged]
    .map(([id, values]) => {
      const [period, key] = JSON.parse(id) as [string, string];
      const [providerId, modelId] = splitModelKey(key);
      return { period, providerId, modelId, totals: toTotals(values) };
    })
    .sort(
      (a, b) =>
        a.period.localeCompare(b.period) ||
        a.providerId.localeCompare(b.providerId) ||
        a.modelId.localeCompare(b.modelId),
    );
}

export function spentIn(
  state: LedgerState,
  pending: readonly JournalEntry[],
  scope: BudgetScope,
  period: Budget['period'],
  now: number,
): number {
  const prefix = periodKey(period, now);
  const applies = (key: string) => {
    if (scope.kind === 'overall') return true;
    const [providerId, modelId] = splitModelKey(key);
    return scope.providerId === providerId && (scope.kind !== 'model' || scope.modelId === modelId);
  };
  let total = 0;
  for (const [day, byModel] of Object.entries(state.days))
    if (day.startsWith(prefix))
      for (const [key, values] of Object.entries(byModel)) if (applies(key)) total += values[USD_FIELD];
  // A rolled-up month is older than LEDGER_DAYS: only a monthly budget of that month could need it, and that is never now.
  for (const entry of pending)
    if (entry.day.startsWith(prefix) && applies(entry.key)) total += entryCell(entry)[USD_FIELD];
  return total / NANO;
}
