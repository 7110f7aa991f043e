import { addCell, compact, zeroCell, type LedgerState } from './ledgerFormat';
import { entryCell, JOURNAL_TTL_MS, type JournalEntry, type SharedBook } from './sharedBook';

/**
 * How the shared journal's records reach the stored aggregates: which records a copy of the
 * aggregates lacks, which of them a write takes in now, and the state that write stores. Per writer,
 * the aggregates note how far they go (`applied`), so every record is counted once, whichever window
 * writes it.
 */

/**
 * Another window's record is merged into this window's write once it is this old: by then that
 * window's own write has normally reached this window's copy, and every write of globalState replaces
 * the extension's whole state from the writer's copy, so needless writes are worth avoiding.
 */
const MERGE_GRACE_MS = 60_000;
/** A missing record this old (a window that died with it unsent) no longer holds back its writer's later ones. */
const GAP_WAIT_MS = 10 * 60_000;
/** A writer's mark outlives the longest any journal keeps its records, with a day to spare. */
const MARK_TTL_MS = JOURNAL_TTL_MS + 86_400_000;

/**
 * Records in the journal or the window's outbox that `state` does not include (each once; none from
 * before the last deletion).
 */
export function unapplied(state: LedgerState, book: SharedBook, outbox: readonly JournalEntry[]): JournalEntry[] {
  const seen = new Set<string>();
  const out: JournalEntry[] = [];
  for (const entry of [...book.journal, ...outbox]) {
    const id = `${entry.writer}:${entry.seq}`;
    if (seen.has(id) || entry.seq <= (state.applied[entry.writer] ?? 0) || entry.at < book.cleared) continue;
    seen.add(id);
    out.push(entry);
  }
  return out;
}

/**
 * What a write of the stored state takes in: per writer, its records after its mark in order, with
 * no gap (a record still on its way would be skipped for good); other windows' records only once
 * older than MERGE_GRACE_MS (their own write usually brings them first), and a gap older than
 * GAP_WAIT_MS is taken as a record lost for good.
 */
export function mergeable(
  state: LedgerState,
  pending: readonly JournalEntry[],
  window: string,
  now: number,
): JournalEntry[] {
  const byWriter = new Map<string, JournalEntry[]>();
  for (const entry of pending) {
    if (entry.writer !== window && now - entry.at < MERGE_GRACE_MS) continue;
    const list = byWriter.get(entry.writer) ?? [];
    list.push(entry);
    byWriter.set(entry.writer, list);
  }
  const out: JournalEntry[] = [];
  for (const [writer, entries] of byWriter) {
    let mark = state.applied[writer] ?? 0;
    for (const entry of entries.sort((a, b) => a.seq - b.seq)) {
      if (entry.seq !== mark + 1 && now - entry.at < GAP_WAIT_MS) break;
      out.push(entry);
      mark = entry.seq;
    }
  }
  return out;
}

/** A copy of `base` with the records in `pending` added and their writers' marks moved, compacted. */
export function merged(
  base: LedgerState,
  pending: readonly JournalEntry[],
  book: SharedBook,
  window: string,
  now: number,
): LedgerState {
  const state = structuredClone(base);
  for (const entry of pending) {
    addCell(((state.days[entry.day] ??= {})[entry.key] ??= zeroCell()), entryCell(entry));
    state.applied[entry.writer] = entry.seq;
    state.appliedAt[entry.writer] = entry.at;
  }
  // A writer's mark is dropped once no journal, nor any window's stale copy of one, can hold its records.
  const writers = new Set([...book.journal.map((entry) => entry.writer), ...Object.keys(book.windows), window]);
  for (const writer of Object.keys(state.applied)) {
    if (!writers.has(writer) && now - (state.appliedAt[writer] ?? 0) > MARK_TTL_MS) {
      delete state.applied[writer];
      delete state.appliedAt[writer];
    }
  }
  compact(state, now);
  return state;
}
