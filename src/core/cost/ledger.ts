import type { KeyValueStore, SharedStore } from '../storage';
import { MemorySharedStore } from '../storage';
import type { Clock } from '../types';
import { periodKey, type Budget, type BudgetScope, type Reservation, type SpendBook, type SpendView } from './budgets';
import { mergeable, merged, unapplied } from './journalMerge';
import { emptyLedger, modelKey, readLedger, type LedgerState, type Reading } from './ledgerFormat';
import { cellOf, rowsOf, spentIn, totalsIn, type Totals, type UsageRecord, type UsageRow } from './ledgerTotals';
import { HEARTBEAT_MS, journalCell, prune, readBook, type JournalEntry, type SharedBook } from './sharedBook';

export { LEDGER_DAYS, LEDGER_MONTHS, LEDGER_SCHEMA_VERSION } from './ledgerFormat';
export const LEDGER_KEY = 'switchboard.usage';

/** Something about stored usage the user should hear about (once each). */
export type LedgerProblem =
  | { kind: 'damaged'; backupKey: string; problems: string[] }
  | { kind: 'newer'; version: number }
  | { kind: 'storage'; where: 'ledger' | 'shared'; error: unknown };

export interface LedgerOptions {
  /** Machine-wide state shared with the other windows; without one, this window is alone. */
  shared?: SharedStore;
  /** This window's id in the shared state (unique per window and start). */
  windowId?: string;
  /** Longest wait before records are written to the ledger in globalState (default 1 s). */
  flushMs?: number;
  onProblem?: (problem: LedgerProblem) => void;
}

/** A record on its way to the shared journal, and the reservation it settles. */
interface OutboxItem {
  entry: JournalEntry;
  settles?: string;
}

/** Back-off of failed writes: the flush interval doubled per failure, up to a minute. */
const MAX_RETRY_MS = 60_000;

/**
 * Spend and tokens by day × provider × model, kept for every window of the machine.
 *
 * The aggregates live in a key-value store (globalState), written at most about once a second. Every
 * record also goes to the shared journal at once, where every window's budget check sees it, and
 * stays there until every live window's copy of the aggregates includes it. A write of the
 * aggregates adds whatever the journal holds beyond the copy it starts from, and notes per window
 * how far it goes (`applied`), so a window that writes over another's newer write brings that
 * window's records along: no record is lost and none is counted twice.
 *
 * Reservations of requests in flight (see BudgetGuard) live in the same shared state and are
 * settled by the record of the request, in the same change.
 */
export class UsageLedger implements SpendBook {
  readonly #kv: KeyValueStore;
  readonly #clock: Clock;
  readonly #shared: SharedStore;
  readonly #window: string;
  readonly #flushMs: number;
  readonly #onProblem: (problem: LedgerProblem) => void;
  /** Numbers this window's records, one after another with no gap (a writer's mark moves only over consecutive records). */
  #recordSeq = 0;
  #reservationSeq = 0;
  /** This window's records not yet in the shared journal, with the reservations they settle. */
  #outbox: OutboxItem[] = [];
  /** The shared state as last read or written by this window. */
  #book: SharedBook = { windows: {}, reservations: [], journal: [], cleared: 0 };
  #view: { raw: unknown; reading: Reading } | undefined;
  /** The damaged value last kept aside (as JSON), so it is kept once. */
  #backedUp: string | undefined;
  #flushTimer: unknown;
  #heartbeatTimer: unknown;
  #failures = 0;
  #told = new Set<string>();
  #writing: Promise<void> = Promise.resolve();
  #sends: Promise<void> = Promise.resolve();
  #disposed = false;
  readonly #listeners = new Set<() => void>();
  readonly #recordListeners = new Set<(record: UsageRecord) => void>();

  constructor(kv: KeyValueStore, clock: Clock, options: LedgerOptions = {}) {
    this.#kv = kv;
    this.#clock = clock;
    this.#shared = options.shared ?? new MemorySharedStore();
    this.#window = options.windowId ?? `w${clock.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    this.#flushMs = options.flushMs ?? 1000;
    this.#onProblem = options.onProblem ?? (() => undefined);
    this.#heartbeatTimer = this.#clock.setTimeout(() => void this.#heartbeat(), HEARTBEAT_MS);
  }

  /** Fires when spend may have changed: a record here, or another window's record or write seen. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  /** Fires with each record made in this window. */
  onDidRecord(listener: (record: UsageRecord) => void): { dispose(): void } {
    this.#recordListeners.add(listener);
    return { dispose: () => this.#recordListeners.delete(listener) };
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Records a finished request (and settles its reservation, if it had one). Never throws. */
  record(record: UsageRecord, reservation?: Reservation): void {
    const entry: JournalEntry = {
      writer: this.#window,
      seq: ++this.#recordSeq,
      at: this.#clock.now(),
      day: periodKey('daily', record.at),
      key: modelKey(record.providerId, record.modelId),
      ...journalCell(cellOf(record)),
    };
    this.#outbox.push({ entry, ...(reservation ? { settles: reservation.id } : {}) });
    for (const listener of [...this.#recordListeners]) listener(record);
    this.#changed();
    void this.#send();
    this.#scheduleFlush(this.#flushMs);
  }

  /** A reservation whose request was never recorded (it failed before anything was sent). */
  async release(reservation: Reservation): Promise<void> {
    await this.#change((book) => {
      book.reservations = book.reservations.filter((item) => item.id !== reservation.id);
    }).catch((error: unknown) => this.#problem({ kind: 'storage', where: 'shared', error }));
  }

  /**
   * Runs `decide` with every window's spend and reservations while no other window can decide: a
   * reservation made in it is seen by the next decision in any window.
   */
  decide<T>(decide: (view: SpendView) => T): Promise<T> {
    return this.#change((book, now) => {
      const state = this.#effective(book);
      const pending = this.#unapplied(state, book);
      return decide({
        spentUsd: (scope, period, at) => spentIn(state, pending, scope, period, at),
        reservedUsd: (budgetId, key) =>
          book.reservations.reduce(
            (sum, item) =>
              item.budgets.includes(budgetId) && item.periodKeys.includes(key) ? sum + item.worstUsd : sum,
            0,
          ),
        reserve: (worstUsd, budgets, periodKeys) => {
          const reservation: Reservation = {
            id: `${this.#window}:r${++this.#reservationSeq}`,
            at: now,
            worstUsd,
            budgets,
            periodKeys,
          };
          book.reservations.push({
            ...reservation,
            budgets: [...budgets],
            periodKeys: [...periodKeys],
            window: this.#window,
          });
          return reservation;
        },
      });
    });
  }

  /**
   * Runs a change of the shared state, with this window's heartbeat, its unsent records and pruning.
   * The records are taken when the change runs, under the lock, so they reach the journal in order.
   */
  async #change<T>(change: (book: SharedBook, now: number) => T): Promise<T> {
    let taken: OutboxItem[] = [];
    try {
      const { result, book } = await this.#shared.update((raw) => {
        taken = this.#outbox;
        this.#outbox = [];
        const book = readBook(raw);
        const now = this.#clock.now();
        this.#merge(book, taken, now);
        const result = change(book, now);
        return { document: book, result: { result, book } };
      });
      this.#adopt(book);
      return result;
    } catch (error) {
      // Not shared: sent again with the next change; meanwhile they count here.
      this.#outbox = [...taken, ...this.#outbox];
      throw error;
    }
  }

  #merge(book: SharedBook, outbox: readonly OutboxItem[], now: number): void {
    const settled = new Set(outbox.flatMap((item) => (item.settles ? [item.settles] : [])));
    book.reservations = book.reservations.filter((item) => !settled.has(item.id));
    book.journal.push(...outbox.map((item) => item.entry));
    if (!this.#disposed) book.windows[this.#window] = { at: now, seen: { ...this.#effective(book).applied } };
    prune(book, now);
  }

  /** Sends this window's records to the shared journal; a failure keeps them here and is retried by the next flush. */
  #send(): Promise<void> {
    // Chained, so waiting on it waits for every send started before (a burst of records goes in the first).
    this.#sends = this.#sends.then(async () => {
      if (this.#outbox.length === 0) return;
      try {
        await this.#change(() => undefined);
      } catch (error) {
        this.#problem({ kind: 'storage', where: 'shared', error });
      }
    });
    return this.#sends;
  }

  async #heartbeat(): Promise<void> {
    this.#heartbeatTimer = undefined;
    if (this.#disposed) return;
    try {
      await this.#change(() => undefined);
      // Another window's records that no copy here includes yet: merge them in (see MERGE_GRACE_MS in journalMerge.ts).
      if (this.#mergeable(this.#clock.now()).length > 0) this.#scheduleFlush(0);
    } catch (error) {
      this.#problem({ kind: 'storage', where: 'shared', error });
    }
    if (!this.#disposed) this.#heartbeatTimer = this.#clock.setTimeout(() => void this.#heartbeat(), HEARTBEAT_MS);
  }

  #scheduleFlush(ms: number): void {
    if (this.#flushTimer !== undefined || this.#disposed) return;
    this.#flushTimer = this.#clock.setTimeout(() => {
      this.#flushTimer = undefined;
      this.flush().catch(() => undefined);
    }, ms);
  }

  /**
   * Writes the aggregates now (also on deactivation): what is stored, plus every record in the
   * journal or here that it lacks. Writes never overlap. A failure is told once and retried; the
   * returned promise rejects for callers that wait on it.
   */
  flush(): Promise<void> {
    const write = async () => {
      // The shared state as it is now (a stale copy could hold records whose marks are gone); a
      // failure leaves this window's records here, and they are written below all the same.
      await this.#change(() => undefined).catch((error: unknown) =>
        this.#problem({ kind: 'storage', where: 'shared', error }),
      );
      const reading = this.#reading();
      if (reading.kind === 'newer') return;
      const now = this.#clock.now();
      const pending = this.#mergeable(now);
      // Nothing to add, and nothing to migrate, salvage or empty after a deletion elsewhere.
      const outdated = reading.kind !== 'empty' && reading.state.clearedAt < this.#book.cleared;
      if (pending.length === 0 && (reading.kind === 'valid' || reading.kind === 'empty') && !outdated) return;
      try {
        const damaged = reading.kind === 'damaged' ? JSON.stringify(this.#view?.raw) : undefined;
        if (damaged !== undefined && damaged !== this.#backedUp) {
          // The damaged original is kept, and known to be kept, before anything replaces it.
          const backupKey = `${LEDGER_KEY}.backup.${now}`;
          await this.#kv.update(backupKey, this.#view?.raw);
          this.#backedUp = damaged;
          this.#problem({ kind: 'damaged', backupKey, problems: reading.kind === 'damaged' ? reading.problems : [] });
        }
        const state = merged(this.#effective(this.#book), pending, this.#book, this.#window, now);
        await this.#kv.update(LEDGER_KEY, state);
        // A Memento hands back the object it was given: known valid, not parsed again. Records that
        // went straight here (the shared state could not be reached) stay in the outbox for the
        // journal: another window's copy may not have them.
        this.#view = { raw: state, reading: { kind: 'valid', state } };
        this.#failures = 0;
        this.#told.delete('storage:ledger');
      } catch (error) {
        this.#failures++;
        this.#problem({ kind: 'storage', where: 'ledger', error });
        this.#scheduleFlush(Math.min(MAX_RETRY_MS, this.#flushMs * 2 ** this.#failures));
        throw error;
      }
    };
    this.#writing = this.#writing.then(write, write);
    return this.#writing;
  }

  /** This window's and other windows' records that a write of the stored state takes in now. */
  #mergeable(now: number): JournalEntry[] {
    const state = this.#effective(this.#book);
    return mergeable(state, this.#unapplied(state, this.#book), this.#window, now);
  }

  /** The stored state as this window must count it: empty if the user deleted the usage data after it was written. */
  #effective(book: SharedBook): LedgerState {
    const state = this.#reading().state;
    return state.clearedAt >= book.cleared ? state : emptyLedger(book.cleared);
  }

  #problem(problem: LedgerProblem): void {
    const key =
      problem.kind === 'storage'
        ? `storage:${problem.where}`
        : problem.kind === 'damaged'
          ? `damaged:${problem.backupKey}`
          : 'newer';
    if (this.#told.has(key)) return;
    this.#told.add(key);
    this.#onProblem(problem);
  }

  /** The stored aggregates as this window sees them now (read again whenever the stored value changed). */
  #reading(): Reading {
    const raw = this.#kv.get<unknown>(LEDGER_KEY);
    let view = this.#view;
    if (!view || view.raw !== raw) {
      view = this.#view = { raw, reading: readLedger(raw) };
      if (view.reading.kind === 'newer') this.#problem({ kind: 'newer', version: view.reading.version });
    }
    return view.reading;
  }

  /** Records in the journal or here that `state` does not include (each once; none from before the last deletion). */
  #unapplied(state: LedgerState, book: SharedBook): JournalEntry[] {
    return unapplied(
      state,
      book,
      this.#outbox.map((item) => item.entry),
    );
  }

  /** Takes a newer copy of the shared state; listeners hear of it when spend or reservations moved (not for a heartbeat). */
  #adopt(book: SharedBook): void {
    const signature = (of: SharedBook) =>
      `${of.journal.map((entry) => `${entry.writer}:${entry.seq}`).join()}|${of.reservations.map((item) => item.id).join()}`;
    const moved = signature(book) !== signature(this.#book);
    this.#book = book;
    if (moved) this.#changed();
  }

  /** Reads the shared state again (other windows' records and reservations); fires onDidChange when they moved. */
  async refresh(): Promise<void> {
    this.#adopt(readBook(await this.#shared.read()));
  }

  /** Totals over a day range, optionally grouped. */
  totals(range: { from: string; to: string }, groupBy?: 'provider' | 'model' | 'day'): Map<string, Totals> {
    const state = this.#effective(this.#book);
    return totalsIn(state, this.#unapplied(state, this.#book), range, groupBy);
  }

  /** Spend recorded so far in the period (every window's, as far as this window has seen it). */
  spentUsd(scope: BudgetScope, period: Budget['period'], now: number): number {
    const state = this.#effective(this.#book);
    return spentIn(state, this.#unapplied(state, this.#book), scope, period, now);
  }

  /** Worst cases of requests in flight in every window, as this window last saw them. */
  reservedUsd(): number {
    return this.#book.reservations.reduce((sum, item) => sum + item.worstUsd, 0);
  }

  /** Every stored and pending cell: a day (`2026-11-21`) or a rolled-up month (`2026-08`), provider, model, totals. */
  rows(): UsageRow[] {
    const state = this.#effective(this.#book);
    return rowsOf(state, this.#unapplied(state, this.#book));
  }

  /** Month-end spend at this month's pace so far ("on track for $X this month"). */
  projectedMonthUsd(now: number): number {
    const date = new Date(now);
    const daysInMonth = new Date(date.getFullYear(), date.getMonth() + 1, 0).getDate();
    const elapsedDays =
      date.getDate() - 1 + (date.getHours() * 3600 + date.getMinutes() * 60 + date.getSeconds()) / 86400;
    const spent = this.spentUsd({ kind: 'overall' }, 'monthly', now);
    // At least a day of pace: $0.50 at 00:01 on the 1st is not a $21,600 month.
    return (spent / Math.max(1, elapsedDays)) * daysInMonth;
  }

  /** Deletes every usage record, of every window (the user asked, and confirmed): a copy from before this counts as empty everywhere. */
  async clear(): Promise<void> {
    this.#outbox = [];
    await this.#writing.catch(() => undefined);
    const cleared = await this.#change((book, now) => {
      book.journal = [];
      book.cleared = now;
      return now;
    });
    await this.#kv.update(LEDGER_KEY, emptyLedger(cleared));
    this.#view = undefined;
  }

  /** The window is closing: its last records are written and its reservations given up. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const timer of [this.#flushTimer, this.#heartbeatTimer])
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    this.#flushTimer = this.#heartbeatTimer = undefined;
    await this.flush().catch(() => undefined);
    await this.#change((book) => {
      book.reservations = book.reservations.filter((item) => item.window !== this.#window);
      delete book.windows[this.#window];
    }).catch(() => undefined);
  }
}
