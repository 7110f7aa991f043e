// Version 4 of the ledger: who spent it (@switchboard, VS Code's chat and other extensions through
// vscode.lm, tests), per cell; the migration from version 3 and the shared journal.
import assert from 'node:assert/strict';
import { LEDGER_KEY, UsageLedger, type LedgerProblem } from '../../src/core/cost/ledger';
import { usageCsv } from '../../src/core/cost/ledgerReport';
import type { Surface, UsageRecord } from '../../src/core/cost/ledgerTotals';
import { MemorySharedStore } from '../../src/core/storage';
import { ManualClock } from '../support/manualClock';
import { MemoryKeyValueStore } from '../support/memoryStores';

const key = (providerId: string, modelId: string) => JSON.stringify([providerId, modelId]);
const dayOf = (at: number) => new Date(at).toLocaleDateString('sv-SE');
const ALL = { from: '2000-01-01', to: '2100-01-01' };

function setup(kv = new MemoryKeyValueStore(), clock = new ManualClock(), shared = new MemorySharedStore()) {
  const problems: LedgerProblem[] = [];
  const ledger = new UsageLedger(kv, clock, { shared, onProblem: (problem) => problems.push(problem) });
  return { kv, clock, ledger, problems, shared };
}

const record = (at: number, surface: Surface, usd: number, overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  at,
  providerId: 'openai',
  modelId: 'gpt-4o',
  usage: { inputTokens: 100, outputTokens: 10 },
  cost: { basis: 'computed', usd },
  surface,
  outcome: 'ok',
  ...overrides,
});

const near = (actual: number, expected: number, what = '') =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what} ${actual} != ${expected}`);

describe('usage ledger, version 4: who spent it', () => {
  it('records of each surface add up into their group; the rest is "surface not recorded"', () => {
    const { clock, ledger } = setup();
    const now = clock.now();
    ledger.record(record(now, 'chat', 0.4));
    ledger.record(record(now, 'language-model', 1));
    ledger.record(record(now, 'language-model', 0.2, { modelId: 'gpt-4o-mini' }));
    ledger.record(record(now, 'language-model', 0, { outcome: 'error' }));
    ledger.record(record(now, 'connection-test', 0.01));
    const all = ledger.totals(ALL).get('all')!;
    assert.deepEqual(all.bySurface, {
      chat: { attempts: 1, usd: 0.4 },
      'language-model': { attempts: 3, usd: 1.2 },
      tests: { attempts: 1, usd: 0.01 },
    });
    assert.deepEqual(all.surfaceNotRecorded, { attempts: 0, usd: 0 });
    assert.deepEqual([all.requests, all.failedAttempts], [4, 1]);
    near(all.usd, 1.61);
    const byModel = ledger.totals(ALL, 'model');
    assert.deepEqual(byModel.get('openai/gpt-4o-mini')!.bySurface['language-model'], { attempts: 1, usd: 0.2 });
    assert.deepEqual(byModel.get('openai/gpt-4o')!.bySurface['language-model'], { attempts: 2, usd: 1 });
  });

  it('migrates version 3 keeping every figure, mark and date; all of it "surface not recorded"', async () => {
    const clock = new ManualClock();
    const now = clock.now();
    const today = dayOf(now);
    const v3 = {
      schemaVersion: 3,
      days: {
        [today]: {
          [key('openai', 'gpt-4o')]: [5, 1000, 200, 10, 300, 40, 12_345_678, 1, 2, 1, 2, 3_000_000, 2_900_000, 1],
        },
      },
      months: { '2023-09': { [key('anthropic', 'claude')]: [40, 4, 3, 2, 1, 0, 5_000_000_000, 6, 7, 8, 9, 0, 0, 0] } },
      applied: { 'w-old': 17 },
      appliedAt: { 'w-old': now - 60_000 },
      clearedAt: 1_600_000_000_000,
    };
    const kv = new MemoryKeyValueStore();
    kv.data.set(LEDGER_KEY, structuredClone(v3));
    const { ledger, problems } = setup(kv, clock);
    const before = ledger.totals(ALL).get('all')!;
    assert.deepEqual(
      [before.requests, before.failedAttempts, before.inputTokens, before.outputTokens, before.comparedRequests],
      [34, 11, 1004, 301, 1],
    );
    near(before.usd, 5.012345678);
    assert.deepEqual(before.surfaceNotRecorded.attempts, 45);
    near(before.surfaceNotRecorded.usd, 5.012345678);
    assert.deepEqual(Object.values(before.bySurface), [
      { attempts: 0, usd: 0 },
      { attempts: 0, usd: 0 },
      { attempts: 0, usd: 0 },
    ]);

    // A record on top: the old figures plus the record; only the record has a surface.
    ledger.record(record(now, 'chat', 0.5));
    await ledger.flush();
    const pad = (cell: number[]) => [...cell, 0, 0, 0, 0, 0, 0];
    assert.deepEqual(kv.data.get(LEDGER_KEY), {
      schemaVersion: 4,
      days: {
        [today]: {
          [key('openai', 'gpt-4o')]: [
            6, 1100, 200, 10, 310, 40, 512_345_678, 1, 2, 1, 2, 3_000_000, 2_900_000, 1, 1, 500_000_000, 0, 0, 0, 0,
          ],
        },
      },
      months: { '2023-09': { [key('anthropic', 'claude')]: pad(v3.months['2023-09'][key('anthropic', 'claude')]!) } },
      applied: (kv.data.get(LEDGER_KEY) as { applied: object }).applied,
      appliedAt: (kv.data.get(LEDGER_KEY) as { appliedAt: object }).appliedAt,
      clearedAt: 1_600_000_000_000,
    });
    const stored = kv.data.get(LEDGER_KEY) as { applied: Record<string, number> };
    assert.equal(stored.applied['w-old'], 17, 'the old mark is kept');
    assert.deepEqual(problems, [], 'a migration is not damage');
    assert.equal(kv.data.size, 1, 'no backup written');

    const after = setup(kv, clock).ledger.totals(ALL).get('all')!;
    assert.deepEqual(after.bySurface.chat, { attempts: 1, usd: 0.5 });
    assert.equal(after.surfaceNotRecorded.attempts, 45);
    near(after.surfaceNotRecorded.usd, 5.012345678);
    near(after.usd, 5.512345678);
    const csv = usageCsv(setup(kv, clock).ledger.rows()).split('\r\n');
    assert.equal(
      csv[2],
      `${today},openai,gpt-4o,4,1100,200,10,310,40,0.512345678,1,2,1,2,1,0.003000000,0.002900000,1,0.500000000,0,0.000000000,0,0.000000000,5,0.012345678`,
    );
  });

  it('data from a newer version is read with its surfaces and never written', async () => {
    const clock = new ManualClock();
    const today = dayOf(clock.now());
    const newer = {
      schemaVersion: 5,
      days: {
        [today]: {
          [key('openai', 'gpt-4o')]: [
            6, 0, 0, 0, 0, 0, 3_000_000_000, 0, 0, 0, 0, 0, 0, 0, 1, 1_000_000_000, 3, 1_500_000_000, 1, 100_000_000,
            42,
          ],
        },
      },
      months: {},
      applied: {},
    };
    const kv = new MemoryKeyValueStore();
    kv.data.set(LEDGER_KEY, structuredClone(newer));
    const { ledger, problems } = setup(kv, clock);
    ledger.record(record(clock.now(), 'connection-test', 0.25));
    await ledger.flush();
    assert.deepEqual(kv.data.get(LEDGER_KEY), newer, 'read, never written');
    assert.deepEqual(problems, [{ kind: 'newer', version: 5 }]);
    const all = ledger.totals(ALL).get('all')!;
    assert.deepEqual(all.bySurface, {
      chat: { attempts: 1, usd: 1 },
      'language-model': { attempts: 3, usd: 1.5 },
      tests: { attempts: 2, usd: 0.35 },
    });
    assert.equal(all.surfaceNotRecorded.attempts, 1);
    near(all.surfaceNotRecorded.usd, 0.4);
  });

  it('crosses windows through the shared journal, whichever window writes', async () => {
    const clock = new ManualClock();
    const kv = new MemoryKeyValueStore();
    const shared = new MemorySharedStore();
    const a = setup(kv, clock, shared).ledger;
    const b = setup(kv, clock, shared).ledger;
    const now = clock.now();
    a.record(record(now, 'chat', 0.4));
    b.record(record(now, 'language-model', 1.2));
    b.record(record(now, 'connection-test', 0.01));
    await Promise.all([a.flush(), b.flush()]);
    const journal = ((await shared.read()) as { journal: Array<{ more?: number[] }> }).journal;
    assert.deepEqual(
      journal.map((entry) => entry.more),
      [
        [0, 0, 0, 0, 1, 400_000_000, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 1, 1_200_000_000, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 1, 10_000_000],
      ],
    );
    const expected = {
      chat: { attempts: 1, usd: 0.4 },
      'language-model': { attempts: 1, usd: 1.2 },
      tests: { attempts: 1, usd: 0.01 },
    };
    await Promise.all([a.refresh(), b.refresh()]);
    assert.deepEqual(a.totals(ALL).get('all')!.bySurface, expected, 'a, from the journal');
    assert.deepEqual(b.totals(ALL).get('all')!.bySurface, expected, 'b, from the journal');
    for (let i = 0; i < 6; i++) {
      clock.advance(30_000);
      await Promise.all([a.flush(), b.flush()]);
    }
    await Promise.all([a.dispose(), b.dispose()]);
    const stored = (kv.data.get(LEDGER_KEY) as { days: Record<string, Record<string, number[]>> }).days[dayOf(now)]!;
    assert.deepEqual(stored[key('openai', 'gpt-4o')]!.slice(14), [1, 400_000_000, 1, 1_200_000_000, 1, 10_000_000]);
    const reader = setup(kv, clock).ledger.totals(ALL).get('all')!;
    assert.deepEqual(reader.bySurface, expected, 'stored');
    assert.deepEqual(reader.surfaceNotRecorded, { attempts: 0, usd: 0 });
  });
});
