import * as z from 'zod';
import type { KeyValueStore } from '../storage';
import type { Clock, Usage } from '../types';
import { periodKey, type Budget, type BudgetScope, type SpendSource } from './budgets';
import type { CostResult } from './pricing';

export const LEDGER_KEY = 'switchboard.usage';
export const LEDGER_SCHEMA_VERSION = 1;
/** Days kept day by day; older days are rolled up into their month (budgets need only this day and month). */
export const LEDGER_DAYS = 62;
/** Months kept after that: two years. */
export const LEDGER_MONTHS = 24;
/** Dollars are stored as integer nano-dollars: exact sums, short JSON. */
const NANO = 1e9;

export type Surface = 'chat' | 'language-model' | 'connection-test';

/** How long a read of the stored counts is reused before reading again (other windows write too). */
const STORED_TTL_MS = 5000;

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
}

/**
 * One day × provider × model, as a fixed-order array to keep the stored value small:
 * [requests, inputTokens, cachedInputTokens, cacheWriteInputTokens, outputTokens, reasoningTokens,
 *  nano-dollars, requests without a known price, requests whose usage was estimated].
 */
const cell = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]);
type Cell = z.infer<typeof cell>;
const FIELDS = 9;
/** Provider and model in one key: `openai\u0001gpt-4o` (neither contains U+0001). */
const SEP = '\u0001';

const ledgerState = z
  .object({
    schemaVersion: z.literal(LEDGER_SCHEMA_VERSION),
    /** `2026-11-21` → `provider\u0001model` → cell */
    days: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.record(z.string(), cell)),
    /** `2026-08` → `provider\u0001model` → cell: days older than LEDGER_DAYS, rolled up. */
    months: z.record(z.string().regex(/^\d{4}-\d{2}$/), z.record(z.string(), cell)),
  })
  .strict();
type LedgerState = z.infer<typeof ledgerState>;

export interface Totals {
  requests: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  usd: number;
  unpricedRequests: number;
  estimatedRequests: number;
}

function toTotals(values: Cell): Totals {
  const [requests, inputTokens, cachedInputTokens, cacheWriteInputTokens, outputTokens, reasoningTokens, nanoUsd, unpricedRequests, estimatedRequests] = values;
  return { requests, inputTokens, cachedInputTokens, cacheWriteInputTokens, outputTokens, reasoningTokens, usd: nanoUsd / NANO, unpricedRequests, estimatedRequests };
}

function add(target: Cell, source: Cell): void {
  for (let i = 0; i < FIELDS; i++) target[i]! += source[i]!;
}

const zero = (): Cell => [0, 0, 0, 0, 0, 0, 0, 0, 0];

function cellOf(record: UsageRecord): Cell {
  const { usage, cost } = record;
  return [1, usage.inputTokens, usage.cachedInputTokens ?? 0, usage.cacheWriteInputTokens ?? 0, usage.outputTokens, usage.reasoningTokens ?? 0, Math.round((cost.usd ?? 0) * NANO), cost.basis === 'unknown' ? 1 : 0, cost.basis === 'estimated' ? 1 : 0];
}

const empty = (): LedgerState => ({ schemaVersion: LEDGER_SCHEMA_VERSION, days: {}, months: {} });

const periodCells = z.record(z.string(), cell);

/** The days and months of damaged data that are still valid on their own. */
function salvage(raw: unknown): LedgerState {
  const state = empty();
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  for (const [field, pattern] of [
    ['days', /^\d{4}-\d{2}-\d{2}$/],
    ['months', /^\d{4}-\d{2}$/],
  ] as const) {
    const periods = record[field];
    if (typeof periods !== 'object' || periods === null) continue;
    for (const [key, value] of Object.entries(periods)) {
      const parsed = periodCells.safeParse(value);
      if (pattern.test(key) && parsed.success) state[field][key] = parsed.data;
    }
  }
  return state;
}

/** Rolls days older than LEDGER_DAYS into their months and drops months older than LEDGER_MONTHS. */
function compact(state: LedgerState, now: number): void {
  const oldestDay = periodKey('daily', now - LEDGER_DAYS * 86_400_000);
  for (const day of Object.keys(state.days)) {
    if (day >= oldestDay) continue;
    const month = (state.months[day.slice(0, 7)] ??= {});
    for (const [key, values] of Object.entries(state.days[day]!)) add((month[key] ??= zero()), values);
    delete state.days[day];
  }
  const months = Object.keys(state.months).sort();
  for (const month of months.slice(0, Math.max(0, months.length - LEDGER_MONTHS))) delete state.months[month];
}

/**
 * Spend and tokens by day × provider × model in a key-value store (globalState, not synced). Records
 * are added in memory and written at most about once a second, as read-merge-write of the pending
 * counts into what is stored, so two windows never overwrite each other's counts and the cost of a
 * record does not grow with history. (globalState has no lock: two windows writing within the same
 * few milliseconds could still race; a window's own writes are queued.) Data that does not validate
 * is kept aside, never dropped.
 */
export class UsageLedger implements SpendSource {
  readonly #kv: KeyValueStore;
  readonly #clock: Clock;
  readonly #flushMs: number;
  readonly #onCorrupt: (backupKey: string, problem: string) => void;
  #pending = new Map<string, Map<string, Cell>>();
  /** Counts being written right now: still counted (budgets must see them), back to pending if the write fails. */
  #writingBatch: Map<string, Map<string, Cell>> | undefined;
  #timer: unknown;
  #writing: Promise<void> = Promise.resolve();
  /** The stored state as last read or written; re-read after STORED_TTL_MS to see other windows' spend. */
  #stored: { state: LedgerState; at: number } | undefined;
  #setAside = false;
  readonly #listeners = new Set<(record: UsageRecord) => void>();

  constructor(kv: KeyValueStore, clock: Clock, options: { flushMs?: number; onCorrupt?: (backupKey: string, problem: string) => void } = {}) {
    this.#kv = kv;
    this.#clock = clock;
    this.#flushMs = options.flushMs ?? 1000;
    this.#onCorrupt = options.onCorrupt ?? (() => undefined);
  }

  /** Fires after each record (the status bar updates within a second of a request finishing). */
  onDidRecord(listener: (record: UsageRecord) => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  #addPending(day: string, key: string, values: Cell): void {
    let byModel = this.#pending.get(day);
    if (!byModel) this.#pending.set(day, (byModel = new Map<string, Cell>()));
    const current = byModel.get(key) ?? zero();
    add(current, values);
    byModel.set(key, current);
  }

  record(record: UsageRecord): void {
    this.#addPending(periodKey('daily', record.at), `${record.providerId}${SEP}${record.modelId}`, cellOf(record));
    for (const listener of [...this.#listeners]) listener(record);
    if (this.#timer === undefined) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushMs);
    }
  }

  /** Writes pending counts now (also called on deactivation). Writes never overlap. */
  flush(): Promise<void> {
    const write = async () => {
      if (this.#pending.size === 0) return;
      const batch = this.#pending;
      this.#pending = new Map();
      this.#writingBatch = batch;
      try {
        const state = this.#read();
        for (const [day, byModel] of batch) {
          const stored = (state.days[day] ??= {});
          for (const [key, values] of byModel) add((stored[key] ??= zero()), values);
        }
        compact(state, this.#clock.now());
        await this.#kv.update(LEDGER_KEY, state);
        this.#stored = { state, at: this.#clock.now() };
      } catch (error) {
        // Not written: the counts go back to pending for the next flush.
        for (const [day, byModel] of batch) {
          for (const [key, values] of byModel) this.#addPending(day, key, values);
        }
        throw error;
      } finally {
        this.#writingBatch = undefined;
      }
    };
    this.#writing = this.#writing.then(write, write);
    return this.#writing;
  }

  #read(): LedgerState {
    const raw = this.#kv.get<unknown>(LEDGER_KEY);
    if (raw === undefined) return empty();
    const parsed = ledgerState.safeParse(raw);
    if (parsed.success) return parsed.data;
    // Kept aside once; the valid days and months go on counting (this month's spend must not reset to $0).
    if (!this.#setAside) {
      this.#setAside = true;
      const backupKey = `${LEDGER_KEY}.backup.${this.#clock.now()}`;
      void this.#kv.update(backupKey, raw);
      this.#onCorrupt(backupKey, parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    }
    return salvage(raw);
  }

  /** Stored and pending counts for each day in [from, to] (day keys), by provider and model. */
  #cells(from: string, to: string): Array<{ day: string; providerId: string; modelId: string; values: Cell }> {
    const out: Array<{ day: string; providerId: string; modelId: string; values: Cell }> = [];
    const visit = (day: string, byModel: Iterable<[string, Cell]>) => {
      if (day < from || day > to) return;
      for (const [key, values] of byModel) {
        const [providerId = '', modelId = ''] = key.split(SEP);
        out.push({ day, providerId, modelId, values });
      }
    };
    const now = this.#clock.now();
    if (!this.#stored || now - this.#stored.at > STORED_TTL_MS) this.#stored = { state: this.#read(), at: now };
    for (const [day, byModel] of Object.entries(this.#stored.state.days)) visit(day, Object.entries(byModel));
    for (const [day, byModel] of this.#pending) visit(day, byModel);
    for (const [day, byModel] of this.#writingBatch ?? []) visit(day, byModel);
    // A rolled-up month counts when the whole month lies in the range (its days are no longer apart).
    for (const [month, byModel] of Object.entries(this.#stored.state.months)) {
      if (`${month}-01` >= from && `${month}-31` <= to) visit(`${month}-01`, Object.entries(byModel));
    }
    return out;
  }

  /** Totals over a day range, optionally grouped. */
  totals(range: { from: string; to: string }, groupBy?: 'provider' | 'model' | 'day'): Map<string, Totals> {
    const groups = new Map<string, Cell>();
    for (const { day, providerId, modelId, values } of this.#cells(range.from, range.to)) {
      const group = groupBy === 'provider' ? providerId : groupBy === 'model' ? `${providerId}/${modelId}` : groupBy === 'day' ? day : 'all';
      const target = groups.get(group) ?? zero();
      add(target, values);
      groups.set(group, target);
    }
    return new Map([...groups].map(([group, values]) => [group, toTotals(values)]));
  }

  spentUsd(scope: BudgetScope, period: Budget['period'], now: number): number {
    const prefix = periodKey(period, now);
    let total = 0;
    for (const { day, providerId, modelId, values } of this.#cells(prefix, `${prefix}\uffff`)) {
      if (!day.startsWith(prefix)) continue;
      if (scope.kind !== 'overall' && scope.providerId !== providerId) continue;
      if (scope.kind === 'model' && scope.modelId !== modelId) continue;
      total += values[6];
    }
    return total / NANO;
  }

  /** Every stored and pending cell: a day (`2026-11-21`) or a rolled-up month (`2026-08`), provider, model, totals. */
  rows(): Array<{ period: string; providerId: string; modelId: string; totals: Totals }> {
    const merged = new Map<string, Cell>();
    const put = (period: string, byModel: Iterable<[string, Cell]>) => {
      for (const [key, values] of byModel) {
        const id = `${period}${SEP}${key}`;
        const target = merged.get(id) ?? zero();
        add(target, values);
        merged.set(id, target);
      }
    };
    const stored = this.#read();
    for (const [month, byModel] of Object.entries(stored.months)) put(month, Object.entries(byModel));
    for (const [day, byModel] of Object.entries(stored.days)) put(day, Object.entries(byModel));
    for (const [day, byModel] of this.#pending) put(day, byModel);
    return [...merged]
      .map(([id, values]) => {
        const [period = '', providerId = '', modelId = ''] = id.split(SEP);
        return { period, providerId, modelId, totals: toTotals(values) };
      })
      .sort((a, b) => a.period.localeCompare(b.period) || a.providerId.localeCompare(b.providerId) || a.modelId.localeCompare(b.modelId));
  }

  /** Month-end spend at this month's pace so far ("on track for $X this month"). */
  projectedMonthUsd(now: number): number {
    const date = new Date(now);
    const daysInMonth = new Date(date.getFullYear(), date.getMonth() + 1, 0).getDate();
    const elapsedDays = date.getDate() - 1 + (date.getHours() * 3600 + date.getMinutes() * 60 + date.getSeconds()) / 86400;
    const spent = this.spentUsd({ kind: 'overall' }, 'monthly', now);
    // At least a day of pace: $0.50 at 00:01 on the 1st is not a $21,600 month.
    return (spent / Math.max(1, elapsedDays)) * daysInMonth;
  }

  /** Deletes every usage record (the user asked, and confirmed). */
  async clear(): Promise<void> {
    this.#pending.clear();
    await this.#writing;
    await this.#kv.update(LEDGER_KEY, undefined);
    this.#stored = undefined;
  }
}

const CSV_COLUMNS = ['period', 'provider', 'model', 'requests', 'input_tokens', 'cached_input_tokens', 'cache_write_input_tokens', 'output_tokens', 'reasoning_tokens', 'usd', 'requests_without_price', 'requests_estimated'];

/** RFC 4180 CSV of the ledger's rows (quoted where needed), for spreadsheets. */
export function usageCsv(rows: ReturnType<UsageLedger['rows']>): string {
  const quote = (value: string | number) => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = rows.map(({ period, providerId, modelId, totals }) =>
    [period, providerId, modelId, totals.requests, totals.inputTokens, totals.cachedInputTokens, totals.cacheWriteInputTokens, totals.outputTokens, totals.reasoningTokens, totals.usd.toFixed(9), totals.unpricedRequests, totals.estimatedRequests]
      .map(quote)
      .join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}
