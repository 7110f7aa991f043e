// Budgets and usage across several windows of one machine: each window has its own ledger and
// guard (as each extension host does), they share one SharedStore and one lagging globalState.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderError, type Clock, type KeyValueStore, type SharedStore } from '../../src/core';
import { BudgetGuard, budgetSchema, type AdmitRequest, type Reservation } from '../../src/core/cost/budgets';
import { LEDGER_KEY, UsageLedger } from '../../src/core/cost/ledger';
import type { UsageRecord } from '../../src/core/cost/ledgerTotals';
import { HEARTBEAT_MS, RESERVATION_TTL_MS, WINDOW_TTL_MS } from '../../src/core/cost/sharedBook';
import { MemorySharedStore } from '../../src/core/storage';
import { FileSharedStore } from '../../src/platform/sharedFileStore';
import { ManualClock } from '../support/manualClock';
import { LaggingGlobalState, MemoryKeyValueStore } from '../support/memoryStores';

const budget = (limitUsd: number) =>
  budgetSchema.parse({ id: 'daily', scope: { kind: 'overall' }, period: 'daily', limitUsd, mode: 'stop' });
/** Worst case $0.002 + 800 × $0.00001 = $0.01. */
const request: AdmitRequest = {
  providerId: 'openai',
  modelId: 'gpt-4o',
  inputUsd: 0.002,
  outputUsdPerToken: 0.00001,
  maxTokens: 800,
  minOutputTokens: 16,
};
const paid = (at: number, usd: number): UsageRecord => ({
  at,
  providerId: 'openai',
  modelId: 'gpt-4o',
  usage: { inputTokens: 200, outputTokens: 800 },
  cost: { basis: 'computed', usd },
  surface: 'chat',
  outcome: 'ok',
});
const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

/** A window: its own ledger and guard over the machine's shared state. `clock` lets a test stop one window's timers (a crash). */
function openWindow(
  globalState: { window(): KeyValueStore } | MemoryKeyValueStore,
  shared: SharedStore,
  clock: Clock,
  limitUsd: number,
) {
  const kv = globalState instanceof MemoryKeyValueStore ? globalState : globalState.window();
  const ledger = new UsageLedger(kv, clock, { shared });
  const guard = new BudgetGuard(
    () => [budget(limitUsd)],
    ledger,
    () => clock.now(),
  );
  return { kv, ledger, guard };
}

/** The same time as `clock`, but timers never fire: a window that crashed (or froze) stops heartbeating. */
const frozen = (clock: ManualClock): Clock => ({
  now: () => clock.now(),
  setTimeout: () => 0,
  clearTimeout: () => undefined,
});

describe('budgets and usage across windows', () => {
  let folder: string;
  before(async () => (folder = await mkdtemp(join(tmpdir(), 'switchboard-windows-'))));
  after(() => rm(folder, { recursive: true, force: true }));

  it('two windows firing 20 requests each at once never pass a budget that fits three (one lock file, two stores)', async () => {
    const clock = new ManualClock();
    const file = join(folder, 'budget.json');
    const globalState = new LaggingGlobalState();
    // Each window opens the file itself, as each extension host does.
    const windows = [
      openWindow(globalState, new FileSharedStore(file), clock, 0.03),
      openWindow(globalState, new FileSharedStore(file), clock, 0.03),
    ];
    const admissions = await Promise.all(
      windows.flatMap(({ guard }) => Array.from({ length: 20 }, () => guard.admit(request))),
    );
    const admitted = admissions.filter((admission) => admission.allowed);
    const reserved = admitted.reduce(
      (sum, admission) => sum + (admission.allowed ? (admission.reservation?.worstUsd ?? 0) : 0),
      0,
    );
    assert.equal(admitted.length, 3, 'three requests at their full worst case, then none');
    near(reserved, 0.03, 'reserved');
    // Each answer costs its worst case; the records settle the reservations, whichever window made them.
    for (const [index, admission] of admissions.entries()) {
      if (admission.allowed)
        windows[index < 20 ? 0 : 1]!.ledger.record(
          paid(clock.now(), admission.reservation!.worstUsd),
          admission.reservation,
        );
    }
    await Promise.all(windows.map(({ ledger }) => ledger.flush()));
    for (const { ledger, guard } of windows) {
      await ledger.refresh();
      near(ledger.reservedUsd(), 0, 'nothing reserved once settled');
      assert.equal((await guard.admit(request)).allowed, false, 'the budget is spent, in every window');
    }
    // A third window sees all three at once (the journal has what the stored copy may still lack)…
    const third = new UsageLedger(globalState.window(), clock, { shared: new FileSharedStore(file) });
    await third.refresh();
    near(third.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 0.03, 'seen by a third window');
    // …and once the windows have merged what the other wrote, the stored copy alone holds them.
    clock.advance(HEARTBEAT_MS);
    await Promise.all(windows.map(({ ledger }) => ledger.flush()));
    globalState.propagate();
    await Promise.all(windows.map(({ ledger }) => ledger.flush()));
    globalState.propagate();
    near(
      new UsageLedger(globalState.window(), clock).spentUsd({ kind: 'overall' }, 'daily', clock.now()),
      0.03,
      'stored',
    );
    await Promise.all([...windows.map(({ ledger }) => ledger.dispose()), third.dispose()]);
  });

  it('no paid request goes missing or counts twice when one window writes over the other', async () => {
    const clock = new ManualClock();
    const globalState = new LaggingGlobalState();
    const shared = new MemorySharedStore();
    const a = openWindow(globalState, shared, clock, 100);
    const b = openWindow(globalState, shared, clock, 100);
    // Six paid requests across two windows, each write made from a copy that has not seen the other's.
    for (let i = 0; i < 3; i++) {
      a.ledger.record(paid(clock.now(), 0.01));
      b.ledger.record(paid(clock.now(), 0.02));
      await a.ledger.flush();
      await b.ledger.flush();
      if (i === 1) globalState.propagate();
    }
    // Each window counts every request already, from the shared journal.
    await Promise.all([a.ledger.refresh(), b.ledger.refresh()]);
    for (const { ledger } of [a, b])
      near(ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 0.09, 'seen before any copy caught up');
    // Heartbeats merge what the stored state lacks; copies catch up; the journal empties.
    for (let i = 0; i < 4; i++) {
      clock.advance(HEARTBEAT_MS);
      await Promise.all([a.ledger.flush(), b.ledger.flush()]);
      globalState.propagate();
    }
    clock.advance(WINDOW_TTL_MS);
    await Promise.all([a.ledger.flush(), b.ledger.flush()]);
    const reader = new UsageLedger(globalState.window(), clock);
    const totals = reader.totals({ from: '2000-01-01', to: '2100-01-01' }).get('all');
    assert.equal(totals?.requests, 6);
    near(totals?.usd ?? 0, 0.09, 'stored');
    for (const { ledger } of [a, b])
      near(ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 0.09, 'each window once caught up');
    await Promise.all([a.ledger.dispose(), b.ledger.dispose()]);
    const journal = ((await shared.read()) as { journal: unknown[] }).journal;
    assert.equal(journal.length, 0, 'the journal keeps nothing every window already has');
  });

  it("a settled cost counts in another window before that window's copy of globalState has it", async () => {
    const clock = new ManualClock();
    const globalState = new LaggingGlobalState();
    const shared = new MemorySharedStore();
    const a = openWindow(globalState, shared, clock, 0.05);
    const b = openWindow(globalState, shared, clock, 0.05);
    const first = await a.guard.admit({ ...request, maxTokens: 4_700 });
    assert.ok(first.allowed);
    a.ledger.record(paid(clock.now(), 0.049), first.reservation);
    await a.ledger.flush();
    assert.equal(b.kv.get(LEDGER_KEY), undefined, "b's copy of globalState has not caught up");
    const second = await b.guard.admit(request);
    assert.equal(second.allowed, false, 'the $0.049 spent in the other window counts here');
    await Promise.all([a.ledger.dispose(), b.ledger.dispose()]);
  });

  it('a window that crashed mid-request gives its reservation back within two minutes; any reservation ends after 30', async () => {
    const clock = new ManualClock();
    const globalState = new MemoryKeyValueStore();
    const shared = new MemorySharedStore();
    const crashed = openWindow(globalState, shared, frozen(clock), 0.01);
    const alive = openWindow(globalState, shared, clock, 0.01);
    assert.ok((await crashed.guard.admit(request)).allowed);
    assert.equal((await alive.guard.admit(request)).allowed, false, 'reserved by the other window');
    clock.advance(WINDOW_TTL_MS + HEARTBEAT_MS);
    assert.equal(
      (await alive.guard.admit(request)).allowed,
      true,
      'the silent window is gone, and its reservation with it',
    );

    // In a live window, a request that never ends still lets go after 30 minutes.
    const stuck = openWindow(new MemoryKeyValueStore(), new MemorySharedStore(), clock, 0.01);
    assert.ok((await stuck.guard.admit(request)).allowed);
    clock.advance(RESERVATION_TTL_MS - HEARTBEAT_MS);
    assert.equal((await stuck.guard.admit(request)).allowed, false);
    clock.advance(2 * HEARTBEAT_MS);
    assert.equal((await stuck.guard.admit(request)).allowed, true);
    await Promise.all([crashed, alive, stuck].map(({ ledger }) => ledger.dispose()));
  });

  it('a closed window gives its reservations back at once', async () => {
    const clock = new ManualClock();
    const shared = new MemorySharedStore();
    const closing = openWindow(new MemoryKeyValueStore(), shared, clock, 0.01);
    const other = openWindow(new MemoryKeyValueStore(), shared, clock, 0.01);
    const admission = await closing.guard.admit(request);
    assert.ok(admission.allowed);
    await closing.ledger.dispose();
    assert.equal((await other.guard.admit(request)).allowed, true);
    await other.ledger.dispose();
    void (admission.reservation satisfies Reservation | undefined);
  });

  it("failed attempts and both costs cross windows; an older window's entries read as 0, a newer one's extra figures stay", async () => {
    const clock = new ManualClock();
    const globalState = new LaggingGlobalState();
    const shared = new MemorySharedStore();
    const a = openWindow(globalState, shared, clock, 100);
    const b = openWindow(globalState, shared, clock, 100);
    const now = clock.now();
    const today = new Date(now).toLocaleDateString('sv-SE');
    const key = JSON.stringify(['openai', 'gpt-4o']);
    // A 429 before the fallback answered, and OpenRouter-style answers with the cost the provider reported.
    a.ledger.record({ ...paid(now, 0), usage: { inputTokens: 0, outputTokens: 0 }, outcome: 'error' });
    a.ledger.record({ ...paid(now, 0), cost: { basis: 'reported', usd: 0.0078, computedUsd: 0.0075 } });
    b.ledger.record({ ...paid(now, 0), cost: { basis: 'reported', usd: 0.0123, computedUsd: 0.0119 } });
    b.ledger.record(paid(now, 0.001));
    await Promise.all([a.ledger.flush(), b.ledger.flush()]);
    type Entry = { writer: string; cell: number[]; more?: number[]; later?: string };
    const journal = async () => ((await shared.read()) as { journal: Entry[] }).journal;
    // Version 2's ten figures where a window still running it reads them; the rest beside them.
    assert.deepEqual(
      (await journal()).map((entry) => [entry.cell.length, entry.more]),
      [
        [10, [1, 0, 0, 0, 1, 0, 0, 0, 0, 0]],
        [10, [0, 7_800_000, 7_500_000, 1, 1, 7_800_000, 0, 0, 0, 0]],
        [10, [0, 12_300_000, 11_900_000, 1, 1, 12_300_000, 0, 0, 0, 0]],
        [10, [0, 0, 0, 0, 1, 1_000_000, 0, 0, 0, 0]],
      ],
    );
    // A window still running version 2 writes ten figures; a newer one more than this version knows, and a new property.
    await shared.update((document) => {
      const book = document as { journal: unknown[] };
      book.journal.push(
        { writer: 'old', seq: 1, at: now, day: today, key, cell: [1, 0, 0, 0, 0, 0, 1_000_000, 0, 0, 0] },
        {
          writer: 'new',
          seq: 1,
          at: now,
          day: today,
          key,
          cell: [2, 0, 0, 0, 0, 0, 2_000_000, 0, 0, 0],
          more: [1, 2_000_000, 1_900_000, 1, 0, 0, 2, 2_000_000, 0, 0, 99, 98],
          later: 'kept',
        },
      );
      return { document: book, result: undefined };
    });
    await a.ledger.flush();
    const newer = (await journal()).find((entry) => entry.writer === 'new');
    assert.deepEqual(
      [newer?.more, newer?.later],
      [[1, 2_000_000, 1_900_000, 1, 0, 0, 2, 2_000_000, 0, 0, 99, 98], 'kept'],
      'rewritten whole',
    );

    const check = (ledger: UsageLedger, what: string) => {
      const totals = ledger.totals({ from: '2000-01-01', to: '2100-01-01' }).get('all');
      assert.deepEqual(totals && [totals.requests, totals.failedAttempts, totals.comparedRequests], [5, 2, 3], what);
      near(totals?.usd ?? 0, 0.0241, `${what}: usd`);
      near(totals?.reportedUsd ?? 0, 0.0221, `${what}: reported`);
      near(totals?.computedUsd ?? 0, 0.0213, `${what}: computed`);
    };
    await Promise.all([a.ledger.refresh(), b.ledger.refresh()]);
    check(a.ledger, 'a, from the journal');
    check(b.ledger, 'b, from the journal');
    for (let i = 0; i < 4; i++) {
      clock.advance(HEARTBEAT_MS);
      await Promise.all([a.ledger.flush(), b.ledger.flush()]);
      globalState.propagate();
    }
    clock.advance(WINDOW_TTL_MS);
    await Promise.all([a.ledger.flush(), b.ledger.flush()]);
    await Promise.all([a.ledger.dispose(), b.ledger.dispose()]);
    assert.equal((await journal()).length, 0, 'every entry is in the stored state');
    check(new UsageLedger(globalState.window(), clock), 'stored');
    const stored = globalState.stored.get(LEDGER_KEY) as { days: Record<string, Record<string, number[]>> };
    assert.deepEqual(
      stored.days[today]![key],
      // The old window's record: surface not recorded; the newer one's: language-model.
      [7, 600, 0, 0, 2400, 0, 24_100_000, 0, 0, 0, 2, 22_100_000, 21_300_000, 3, 4, 21_100_000, 2, 2_000_000, 0, 0],
    );
  });

  describe('found by an independent review', () => {
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const nothing: Reservation = { id: 'none', at: 0, worstUsd: 0, budgets: [], periodKeys: [] };
    const storedRequests = (globalState: LaggingGlobalState, clock: ManualClock) =>
      new UsageLedger(globalState.window(), frozen(clock)).totals({ from: '2000-01-01', to: '2100-01-01' }).get('all')
        ?.requests ?? 0;
    /** The machine's shared store, failing for one window while `failing` is set (a lock held too long, a refused write). */
    const flaky = (inner: SharedStore) => {
      const store = {
        failing: false,
        update: <T>(change: (document: unknown) => { document: unknown; result: T }) =>
          store.failing ? Promise.reject(new Error('lock timeout')) : inner.update(change),
        read: () => inner.read(),
      };
      return store;
    };

    it('a record written straight to globalState while the shared store failed still reaches the journal, and survives a stale write', async () => {
      const clock = new ManualClock();
      const globalState = new LaggingGlobalState();
      const shared = new MemorySharedStore();
      const failing = flaky(shared);
      const a = new UsageLedger(globalState.window(), frozen(clock), { shared: failing });
      const b = new UsageLedger(globalState.window(), frozen(clock), { shared });
      failing.failing = true;
      a.record(paid(clock.now(), 0.01));
      await a.flush();
      failing.failing = false;
      b.record(paid(clock.now(), 0.02));
      await b.flush();
      globalState.propagate();
      clock.advance(61_000);
      await a.release(nothing);
      await a.flush();
      await b.flush();
      globalState.propagate();
      assert.equal(storedRequests(globalState, clock), 2);
      assert.equal(a.reservedUsd(), 0);
    });

    it("a window closing with a stale copy of the shared state does not add back a record another window's mark covers", async () => {
      const clock = new ManualClock();
      const globalState = new LaggingGlobalState();
      const shared = new MemorySharedStore();
      const [a, b, c] = [0, 1, 2].map(() => new UsageLedger(globalState.window(), frozen(clock), { shared }));
      a!.record(paid(clock.now(), 0.01));
      await a!.flush();
      globalState.propagate();
      await a!.dispose();
      for (let beat = 0; beat < 4; beat++) {
        clock.advance(15_000);
        await b!.release(nothing);
        await c!.release(nothing);
      }
      clock.advance(1_000);
      await c!.release(nothing);
      c!.record(paid(clock.now(), 0.02));
      await c!.flush();
      globalState.propagate();
      await b!.dispose();
      globalState.propagate();
      assert.equal(storedRequests(globalState, clock), 2);
    });

    it("deleting the usage data in one window is not undone by another window's next write", async () => {
      const clock = new ManualClock();
      const globalState = new LaggingGlobalState();
      const shared = new MemorySharedStore();
      const a = new UsageLedger(globalState.window(), frozen(clock), { shared });
      const b = new UsageLedger(globalState.window(), frozen(clock), { shared });
      a.record(paid(clock.now(), 0.01));
      await a.flush();
      globalState.propagate();
      clock.advance(1);
      await a.clear();
      b.record(paid(clock.now(), 0.02));
      await b.flush();
      globalState.propagate();
      assert.equal(storedRequests(globalState, clock), 1);
      near(b.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 0.02, 'b after the deletion');
    });

    it('records reach the journal in order even when a send fails and a later change succeeds', async () => {
      const clock = new ManualClock();
      const globalState = new LaggingGlobalState();
      const shared = new MemorySharedStore();
      let calls = 0;
      // The first change fails late (a lock wait that times out), the second succeeds, the third fails.
      const plan = [false, true, false];
      const stumbling: SharedStore = {
        update: async (change) => {
          if (!(plan[calls++] ?? true)) {
            await tick();
            await tick();
            throw new Error('lock timeout');
          }
          return shared.update(change);
        },
        read: () => shared.read(),
      };
      const a = new UsageLedger(globalState.window(), frozen(clock), { shared: stumbling });
      const b = new UsageLedger(globalState.window(), frozen(clock), { shared });
      a.record(paid(clock.now(), 0.01));
      await tick();
      a.record(paid(clock.now(), 0.02));
      await a.release(nothing);
      for (let i = 0; i < 10; i++) await tick();
      clock.advance(61_000);
      await b.release(nothing);
      await b.flush();
      globalState.propagate();
      await a.release(nothing);
      await b.refresh();
      near(b.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 0.03, 'b');
      await a.flush();
      await b.flush();
      globalState.propagate();
      assert.equal(storedRequests(globalState, clock), 2);
    });

    it('when the shared state cannot be reached, a budgeted request is refused unsent with a budget code (never a retried network error)', async () => {
      const clock = new ManualClock();
      const failing = flaky(new MemorySharedStore());
      failing.failing = true;
      const { guard } = openWindow(new MemoryKeyValueStore(), failing, clock, 1);
      await assert.rejects(
        guard.admit(request),
        (error: unknown) =>
          error instanceof ProviderError &&
          error.kind === 'quota_exceeded' &&
          error.code === 'budget_unavailable' &&
          /could not check your budget/.test(error.message),
      );
    });
  });
});
