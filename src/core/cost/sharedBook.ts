import * as z from '../zod';
import { FIELDS, JOURNAL_FIELDS, type Cell } from './ledgerFormat';

/**
 * What every window of the machine must agree on to keep a budget, in the SharedStore:
 * - reservations: the worst case of each request in flight, in any window;
 * - journal: each finished request's counts, from the moment it is settled until every live window's
 *   copy of the ledger (globalState, which reaches other windows late and can be overwritten by a
 *   window that had not seen it yet) includes it. A window's ledger write adds what the journal holds
 *   beyond that copy, so no write can drop another window's record;
 * - windows: each live window's heartbeat and how far its copy of the ledger goes, per writer.
 */
const count = z.int().check(z.nonnegative());

/**
 * One finished request. Its cell is split for windows running an older Switchboard (see
 * JOURNAL_FIELDS): `cell` holds version 2's ten figures, `more` the rest. Loose, so what a newer
 * version adds to an entry survives this window's rewrite of the journal.
 */
const journalEntry = z.looseObject({
  writer: z.string().check(z.minLength(1)),
  seq: count,
  /** When the window recorded it (ms). */
  at: z.number().check(z.nonnegative()),
  day: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
  key: z.string().check(z.minLength(1)),
  cell: z.array(count).check(z.length(JOURNAL_FIELDS)),
  /** The cell's figures after the first JOURNAL_FIELDS (absent in an older window's entry: 0). */
  more: z.optional(z.array(count)),
});
export type JournalEntry = z.infer<typeof journalEntry>;

/** An entry's cell in full (an older window's entry has no `more`: those figures are 0; a newer one's extra figures are not ours). */
export function entryCell(entry: Pick<JournalEntry, 'cell' | 'more'>): Cell {
  const values = [...entry.cell, ...(entry.more ?? []).slice(0, FIELDS - JOURNAL_FIELDS)];
  while (values.length < FIELDS) values.push(0);
  return values as Cell;
}

/** A cell as a journal entry holds it. */
export function journalCell(values: Readonly<Cell>): Pick<JournalEntry, 'cell' | 'more'> {
  return { cell: values.slice(0, JOURNAL_FIELDS), more: values.slice(JOURNAL_FIELDS) };
}

const reservation = z.object({
  id: z.string().check(z.minLength(1)),
  window: z.string().check(z.minLength(1)),
  at: z.number().check(z.nonnegative()),
  worstUsd: z.number().check(z.nonnegative()),
  budgets: z.array(z.string()),
  periodKeys: z.array(z.string()),
});
export type SharedReservation = z.infer<typeof reservation>;

const windowEntry = z.object({ at: z.number().check(z.nonnegative()), seen: z.record(z.string(), count) });

export interface SharedBook {
  windows: Record<string, z.infer<typeof windowEntry>>;
  reservations: SharedReservation[];
  journal: JournalEntry[];
  /** When the user last deleted the usage data (0: never): every window's copy from before that counts as empty. */
  cleared: number;
}

/** A window silent this long (it heartbeats every HEARTBEAT_MS while open) crashed or closed: its reservations expire. */
export const HEARTBEAT_MS = 15_000;
export const WINDOW_TTL_MS = 8 * HEARTBEAT_MS;
/** A request's reservation lasts at most this long, even in a live window whose request never ended. */
export const RESERVATION_TTL_MS = 30 * 60_000;
/** A journal entry no live window has taken in after this long is dropped: it bounds the file. */
export const JOURNAL_TTL_MS = 7 * 86_400_000;
/** Kept at least this long, for a window that opened with an older copy of the ledger and has not said so yet. */
const JOURNAL_MIN_MS = 60_000;

/**
 * Reads the shared document item by item: a damaged item is dropped on its own, never the whole
 * book (an unreadable journal entry is one record; an unreadable file is a new book).
 */
export function readBook(raw: unknown): SharedBook {
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const items = <T>(value: unknown, schema: z.ZodMiniType<T>): T[] =>
    Array.isArray(value)
      ? value.flatMap((item) => {
          const parsed = schema.safeParse(item);
          return parsed.success ? [parsed.data] : [];
        })
      : [];
  const windows: SharedBook['windows'] = {};
  if (typeof record.windows === 'object' && record.windows !== null) {
    for (const [id, value] of Object.entries(record.windows)) {
      const parsed = windowEntry.safeParse(value);
      if (parsed.success) windows[id] = parsed.data;
    }
  }
  const cleared =
    typeof record.cleared === 'number' && Number.isFinite(record.cleared) && record.cleared >= 0 ? record.cleared : 0;
  return {
    windows,
    reservations: items(record.reservations, reservation),
    journal: items(record.journal, journalEntry),
    cleared,
  };
}

/**
 * Drops what no one needs any more: windows silent past WINDOW_TTL_MS and their reservations,
 * reservations past RESERVATION_TTL_MS, and journal entries every live window's ledger includes.
 */
export function prune(book: SharedBook, now: number): void {
  for (const [id, window] of Object.entries(book.windows)) if (now - window.at > WINDOW_TTL_MS) delete book.windows[id];
  book.reservations = book.reservations.filter(
    (item) => book.windows[item.window] !== undefined && now - item.at <= RESERVATION_TTL_MS,
  );
  const live = Object.values(book.windows);
  book.journal = book.journal.filter((entry) => {
    // Recorded before the user deleted the usage data (a window that sent it late).
    if (entry.at < book.cleared) return false;
    const age = now - entry.at;
    return (
      age <= JOURNAL_MIN_MS ||
      (age <= JOURNAL_TTL_MS && live.some((window) => (window.seen[entry.writer] ?? 0) < entry.seq))
    );
  });
}
