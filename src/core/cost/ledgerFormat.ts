import * as z from '../zod';
import { periodKey } from './budgets';

/**
 * The stored form of the usage ledger: spend and tokens by day × provider × model, with versioned
 * migrations so later versions only add fields. Nothing here is allowed to hold NaN, Infinity, a
 * negative or a null amount: a damaged entry is dropped on its own (the rest of its day still
 * counts) and the damaged original is kept aside by the ledger.
 */
export const LEDGER_SCHEMA_VERSION = 4;
/** Days kept day by day; older days are rolled up into their month (budgets need only this day and month). */
export const LEDGER_DAYS = 62;
/** Months kept after that: two years. */
export const LEDGER_MONTHS = 24;
/** Dollars are stored as integer nano-dollars: exact sums, short JSON. */
export const NANO = 1e9;

/**
 * One day × provider × model, as a fixed-order array to keep the stored value small:
 * [requests (every attempt recorded, failed ones included), inputTokens, cachedInputTokens,
 *  cacheWriteInputTokens, outputTokens, reasoningTokens, nano-dollars (what the budgets count: the
 *  provider's reported cost where it gave one), requests without a known price, requests whose usage
 *  was estimated, requests whose reported usage was implausible (priced from counted tokens instead),
 *  failed attempts (outcome error or cancelled: a 429 before a fallback model answered),
 *  nano-dollars the provider reported for the requests it reported a cost for and whose list price
 *  is known, nano-dollars by list price for those same requests, how many such requests,
 *  then per surface group (see SURFACE_GROUPS: @switchboard, VS Code chat and other extensions through
 *  vscode.lm, tests) its attempts and nano-dollars].
 * Version 1 had the first nine, version 2 the first ten, version 3 the first fourteen; a later version
 * only adds at the end. What no surface group holds (requests recorded before version 4) is the
 * "surface not recorded" remainder: the cell's total less the groups'.
 */
export type Cell = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];
export const FIELDS = 20;
export const REQUESTS_FIELD = 0;
export const USD_FIELD = 6;
export const FAILED_FIELD = 10;
export const REPORTED_FIELD = 11;
export const LISTED_FIELD = 12;
export const COMPARED_FIELD = 13;
/** Who made the requests, in the ledger's groups: a connection test and a fallback test are both tests. */
export const SURFACE_GROUPS = ['chat', 'language-model', 'tests'] as const;
export type SurfaceGroup = (typeof SURFACE_GROUPS)[number];
/** The group's attempts; its nano-dollars follow. */
export const surfaceField = (group: SurfaceGroup): number => 14 + 2 * SURFACE_GROUPS.indexOf(group);
/**
 * The shared journal keeps the first ten (version 2's cell) in `cell` and the rest in `more`: a
 * window still running version 2 reads a journal entry whose `cell` is longer as damaged and drops
 * it, with its spend; it keeps an entry with an extra property (without that property).
 */
export const JOURNAL_FIELDS = 10;
const count = z.int().check(z.nonnegative());
const counts = (length: number) => z.array(count).check(z.length(length));
/** The older forms, by version: each is padded with zeros to the current one. */
const OLDER_CELLS = [counts(14), counts(10), counts(9)];
const cell = counts(FIELDS) as unknown as z.ZodMiniType<Cell>;

/** Provider and model as one key: JSON, so no character in an id can make two pairs collide. */
export const modelKey = (providerId: string, modelId: string): string => JSON.stringify([providerId, modelId]);
export function splitModelKey(key: string): [providerId: string, modelId: string] {
  const parsed: unknown = JSON.parse(key);
  return Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string'
    ? [parsed[0], parsed[1]]
    : ['', ''];
}
const isModelKey = (key: string): boolean => {
  try {
    return splitModelKey(key)[0] !== '';
  } catch {
    return false;
  }
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;

const modelKeyName = z.string().check(z.refine(isModelKey));

export const ledgerState = z.strictObject({
  schemaVersion: z.literal(LEDGER_SCHEMA_VERSION),
  /** `2026-11-21` → `["provider","model"]` → cell */
  days: z.record(z.string().check(z.regex(DAY)), z.record(modelKeyName, cell)),
  /** `2026-08` → `["provider","model"]` → cell: days older than LEDGER_DAYS, rolled up. */
  months: z.record(z.string().check(z.regex(MONTH)), z.record(modelKeyName, cell)),
  /**
   * Per window that recorded (its writer id): the last of its records counted here. Records still
   * in the shared journal with a higher number are not in this state yet; lower are.
   */
  applied: z.record(z.string(), count),
  /** When each of those records was made: a mark is dropped only long after no journal can hold its writer's records. */
  appliedAt: z.record(z.string(), z.number().check(z.nonnegative())),
  /** When the user last deleted the usage data (0: never): a copy from before that is empty. */
  clearedAt: z.number().check(z.nonnegative()),
});
export type LedgerState = z.infer<typeof ledgerState>;

export const emptyLedger = (clearedAt = 0): LedgerState => ({
  schemaVersion: LEDGER_SCHEMA_VERSION,
  days: {},
  months: {},
  applied: {},
  appliedAt: {},
  clearedAt,
});
export const zeroCell = (): Cell => Array<number>(FIELDS).fill(0) as Cell;

export function addCell(target: Cell, source: Readonly<Cell>): void {
  for (let i = 0; i < FIELDS; i++) target[i]! += source[i]!;
}

/** Version 1 keyed provider and model as `provider\u0001model`, which an id holding U+0001 could forge. */
const V1_SEP = '\u0001';

export type Reading =
  | { kind: 'empty'; state: LedgerState }
  | { kind: 'valid'; state: LedgerState }
  /** Stored by an older version: migrated in memory, written in the new form with the next record. */
  | { kind: 'migrated'; state: LedgerState; from: number }
  /** Written by a newer Switchboard: read what can be read, never write over it. */
  | { kind: 'newer'; state: LedgerState; version: number }
  /** Damaged: every entry that is valid on its own, and what was wrong (the original must be kept aside before a write). */
  | { kind: 'damaged'; state: LedgerState; problems: string[] };

/** Reads any stored form: current, older (migrated), newer (read only), or damaged (salvaged entry by entry). */
export function readLedger(raw: unknown): Reading {
  if (raw === undefined) return { kind: 'empty', state: emptyLedger() };
  const parsed = ledgerState.safeParse(raw);
  if (parsed.success) return { kind: 'valid', state: parsed.data };
  const version =
    typeof raw === 'object' && raw !== null ? (raw as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version > LEDGER_SCHEMA_VERSION) {
    return { kind: 'newer', state: salvage(raw, []), version };
  }
  const problems: string[] = [];
  const state = salvage(raw, problems);
  if ((version === 1 || version === 2 || version === 3) && problems.length === 0)
    return { kind: 'migrated', state, from: version };
  if (problems.length === 0)
    problems.push(`schemaVersion: expected ${LEDGER_SCHEMA_VERSION}, found ${JSON.stringify(version) ?? 'none'}`);
  return { kind: 'damaged', state, problems };
}

/** Each entry valid on its own, in the current form (version 1 cells and keys converted); `problems` names the rest. */
function salvage(raw: unknown, problems: string[]): LedgerState {
  const state = emptyLedger();
  const record = asRecord(raw);
  if (!record) {
    problems.push('the stored value is not an object');
    return state;
  }
  for (const [field, pattern] of [
    ['days', DAY],
    ['months', MONTH],
  ] as const) {
    const periods = asRecord(record[field]);
    if (!periods) {
      if (record[field] !== undefined) problems.push(`${field}: not an object`);
      continue;
    }
    for (const [period, entries] of Object.entries(periods)) {
      if (!pattern.test(period)) {
        problems.push(`${field}.${period}: not a ${field === 'days' ? 'day' : 'month'}`);
        continue;
      }
      for (const [key, value] of Object.entries(asRecord(entries) ?? {})) {
        const converted = convertEntry(key, value);
        if (!converted) {
          problems.push(`${field}.${period}.${key}: not a valid entry`);
          continue;
        }
        addCell(((state[field][period] ??= {})[converted.key] ??= zeroCell()), converted.cell);
      }
      if (!asRecord(entries)) problems.push(`${field}.${period}: not an object`);
    }
  }
  const appliedAt = asRecord(record.appliedAt) ?? {};
  for (const [writer, seq] of Object.entries(asRecord(record.applied) ?? {})) {
    if (!count.safeParse(seq).success) continue;
    state.applied[writer] = seq as number;
    const at = appliedAt[writer];
    state.appliedAt[writer] = typeof at === 'number' && Number.isFinite(at) && at >= 0 ? at : 0;
  }
  if (typeof record.clearedAt === 'number' && Number.isFinite(record.clearedAt) && record.clearedAt >= 0)
    state.clearedAt = record.clearedAt;
  return state;
}

function convertEntry(key: string, value: unknown): { key: string; cell: Cell } | undefined {
  const values = toCell(value);
  if (!values) return undefined;
  if (isModelKey(key)) return { key, cell: values };
  const separator = key.indexOf(V1_SEP);
  if (separator <= 0) return undefined;
  return { key: modelKey(key.slice(0, separator), key.slice(separator + 1)), cell: values };
}

/**
 * A stored cell in the current form: the current one; a newer version's (it only adds fields at the
 * end: its first FIELDS read as ours); or an older version's, whose missing fields are 0 (nothing
 * of them was counted then).
 */
function toCell(value: unknown): Cell | undefined {
  const current = cell.safeParse(Array.isArray(value) && value.length > FIELDS ? value.slice(0, FIELDS) : value);
  if (current.success) return current.data;
  for (const older of OLDER_CELLS) {
    const parsed = older.safeParse(value);
    if (parsed.success) return [...parsed.data, ...Array<number>(FIELDS - parsed.data.length).fill(0)] as Cell;
  }
  return undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Rolls days older than LEDGER_DAYS into their months and drops months older than LEDGER_MONTHS. */
export function compact(state: LedgerState, now: number): void {
  const oldestDay = periodKey('daily', now - LEDGER_DAYS * 86_400_000);
  for (const day of Object.keys(state.days)) {
    if (day >= oldestDay) continue;
    const month = (state.months[day.slice(0, 7)] ??= {});
    for (const [key, values] of Object.entries(state.days[day]!)) addCell((month[key] ??= zeroCell()), values);
    delete state.days[day];
  }
  const months = Object.keys(state.months).sort();
  for (const month of months.slice(0, Math.max(0, months.length - LEDGER_MONTHS))) delete state.months[month];
}
