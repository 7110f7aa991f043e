import assert from 'node:assert/strict';
import { BudgetGuard, budgetSchema } from '../../src/core/cost/budgets';
import { LEDGER_DAYS, LEDGER_KEY, LEDGER_MONTHS, UsageLedger, type LedgerProblem } from '../../src/core/cost/ledger';
import { usageCsv } from '../../src/core/cost/ledgerReport';
import type { UsageRecord } from '../../src/core/cost/ledgerTotals';
import { MemorySharedStore } from '../../src/core/storage';
import { ManualClock } from '../support/manualClock';
import { MemoryKeyValueStore } from '../support/memoryStores';

const DAY = 86_400_000;

function setup(kv = new MemoryKeyValueStore(), clock = new ManualClock(), shared = new MemorySharedStore()) {
  const corrupt: string[] = [];
  const problems: LedgerProblem[] = [];
  const onProblem = (problem: LedgerProblem) => {
    problems.push(problem);
    if (problem.kind === 'damaged') corrupt.push(problem.backupKey);
  };
  return { kv, clock, corrupt, problems, ledger: new UsageLedger(kv, clock, { onProblem, shared }) };
}

const record = (at: number, overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  at,
  providerId: 'openai',
  modelId: 'gpt-4o',
  usage: { inputTokens: 1000, cachedInputTokens: 200, outputTokens: 100, reasoningTokens: 40 },
  cost: { basis: 'computed', usd: 0.01 },
  surface: 'chat',
  outcome: 'ok',
  ...overrides,
});

const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);

describe('usage ledger', () => {
  it('batches writes: many records, one write a second', async () => {
    const { kv, clock, ledger } = setup();
    for (let i = 0; i < 50; i++) ledger.record(record(clock.now()));
    assert.equal(kv.writes, 0);
    clock.advance(1000);
    await ledger.flush();
    assert.equal(kv.writes, 1);
    const today = new Date(clock.now()).toLocaleDateString('sv-SE');
    const totals = ledger.totals({ from: today, to: today }).get('all');
    assert.deepEqual(totals && { ...totals, usd: Math.round(totals.usd * 100) / 100 }, {
      requests: 50,
      inputTokens: 50_000,
      cachedInputTokens: 10_000,
      cacheWriteInputTokens: 0,
      outputTokens: 5_000,
      reasoningTokens: 2_000,
      usd: 0.5,
      unpricedRequests: 0,
      estimatedRequests: 0,
      suspectRequests: 0,
      failedAttempts: 0,
      comparedRequests: 0,
      reportedUsd: 0,
      computedUsd: 0,
      bySurface: {
        chat: { attempts: 50, usd: 0.5 },
        'language-model': { attempts: 0, usd: 0 },
        tests: { attempts: 0, usd: 0 },
      },
      surfaceNotRecorded: { attempts: 0, usd: 0 },
    });
  });

  it('two windows writing to the same store never overwrite each other', async () => {
    const kv = new MemoryKeyValueStore();
    const clock = new ManualClock();
    const shared = new MemorySharedStore();
    const first = setup(kv, clock, shared).ledger;
    const second = setup(kv, clock, shared).ledger;
    // Each window has seen the other's earlier writes or not; each flush merges into what is stored now.
    first.record(record(clock.now()));
    second.record(
      record(clock.now(), {
        providerId: 'anthropic',
        modelId: 'claude-sonnet-4-5',
        cost: { basis: 'computed', usd: 0.02 },
      }),
    );
    await first.flush();
    first.record(record(clock.now()));
    await second.flush();
    await first.flush();
    const reader = setup(kv, clock).ledger;
    near(reader.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 0.04);
    near(reader.spentUsd({ kind: 'provider', providerId: 'openai' }, 'daily', clock.now()), 0.02);
  });

  it('groups by provider, model and day; counts unpriced and estimated requests', () => {
    const { clock, ledger } = setup();
    const now = clock.now();
    ledger.record(record(now - DAY));
    ledger.record(record(now, { cost: { basis: 'unknown' } }));
    ledger.record(
      record(now, { providerId: 'anthropic', modelId: 'claude-sonnet-4-5', cost: { basis: 'estimated', usd: 0.5 } }),
    );
    const range = {
      from: new Date(now - DAY).toLocaleDateString('sv-SE'),
      to: new Date(now).toLocaleDateString('sv-SE'),
    };
    assert.deepEqual([...ledger.totals(range, 'provider').keys()].sort(), ['anthropic', 'openai']);
    assert.deepEqual([...ledger.totals(range, 'model').keys()].sort(), [
      'anthropic/claude-sonnet-4-5',
      'openai/gpt-4o',
    ]);
    assert.equal(ledger.totals(range, 'day').size, 2);
    const all = ledger.totals(range).get('all')!;
    assert.deepEqual([all.requests, all.unpricedRequests, all.estimatedRequests], [3, 1, 1]);
    near(all.usd, 0.51);
  });

  it('is the spend budgets count against, by scope and period, pending records included', async () => {
    const { clock, ledger } = setup();
    const now = new Date(2026, 10, 21, 12).getTime();
    ledger.record(record(new Date(2026, 10, 1, 9).getTime(), { cost: { basis: 'computed', usd: 2 } }));
    ledger.record(record(now, { cost: { basis: 'computed', usd: 1 } }));
    ledger.record(record(now, { modelId: 'gpt-4o-mini', cost: { basis: 'computed', usd: 0.5 } }));
    near(ledger.spentUsd({ kind: 'overall' }, 'daily', now), 1.5);
    near(ledger.spentUsd({ kind: 'overall' }, 'monthly', now), 3.5);
    near(ledger.spentUsd({ kind: 'model', providerId: 'openai', modelId: 'gpt-4o' }, 'monthly', now), 3);
    near(ledger.spentUsd({ kind: 'provider', providerId: 'anthropic' }, 'monthly', now), 0);
    const guard = new BudgetGuard(
      () => [budgetSchema.parse({ id: 'b', scope: { kind: 'overall' }, period: 'daily', limitUsd: 2, mode: 'stop' })],
      ledger,
      () => now,
    );
    const admission = await guard.admit({
      providerId: 'openai',
      modelId: 'gpt-4o',
      inputUsd: 0.1,
      outputUsdPerToken: 0.001,
      maxTokens: 1000,
    });
    assert.equal(admission.allowed && admission.maxTokens, 400, '($2 − $1.50 − $0.10) / $0.001');
    void clock;
  });

  it('projects the month from its pace so far', () => {
    const { ledger } = setup();
    // $3 by noon on day 11 of a 30-day month: 10.5 days elapsed.
    ledger.record(record(new Date(2026, 10, 5).getTime(), { cost: { basis: 'computed', usd: 3 } }));
    near(ledger.projectedMonthUsd(new Date(2026, 10, 11, 12).getTime()), (3 / 10.5) * 30);
    // Minutes into a month, the pace is taken over a day at least.
    const fresh = setup().ledger;
    fresh.record(record(new Date(2026, 11, 1, 0, 1).getTime(), { cost: { basis: 'computed', usd: 0.5 } }));
    near(fresh.projectedMonthUsd(new Date(2026, 11, 1, 0, 1).getTime()), 0.5 * 31);
  });

  it(`keeps ${LEDGER_DAYS} days apart, rolls older ones into months without losing a count, and stays small`, async () => {
    const { kv, clock, ledger } = setup();
    const today = clock.now();
    // 450 days up to today × 12 provider/model pairs × 3 requests.
    for (let day = 449; day >= 0; day--) {
      for (let model = 0; model < 12; model++) {
        for (let i = 0; i < 3; i++)
          ledger.record(
            record(today - day * DAY, {
              providerId: `provider-${model % 4}`,
              modelId: `model-with-a-long-name-${model}`,
              cost: { basis: 'computed', usd: 0.123456789 },
            }),
          );
      }
      if (day % 50 === 0) await ledger.flush();
    }
    await ledger.flush();
    const stored = kv.get<{ days: Record<string, unknown>; months: Record<string, unknown> }>(LEDGER_KEY)!;
    assert.ok(Object.keys(stored.days).length <= LEDGER_DAYS + 1, `${Object.keys(stored.days).length} days`);
    assert.ok(Object.keys(stored.months).length <= LEDGER_MONTHS);
    const everything = setup(kv, clock).ledger.totals({ from: '2000-01-01', to: '2100-12-31' }).get('all')!;
    assert.equal(everything.requests, 450 * 12 * 3);
    near(everything.usd, 450 * 12 * 3 * 0.123456789);
    const bytes = Buffer.byteLength(JSON.stringify(stored));
    assert.ok(bytes < 256 * 1024, `${bytes} bytes`);
  });

  it('salvages damage entry by entry: one bad entry hides nothing else of its day; the original is kept first', async () => {
    const { kv, clock, ledger, corrupt } = setup();
    const today = new Date(clock.now()).toLocaleDateString('sv-SE');
    // Version 1: provider and model joined by U+0001; one entry of today's damaged (a null amount).
    const damaged = {
      schemaVersion: 1,
      days: {
        'not-a-day': {},
        [today]: {
          'openai\u0001gpt-4o': [1, 0, 0, 0, 0, 0, 2_000_000_000, 0, 0],
          'openai\u0001gpt-4o-mini': [1, 0, 0, 0, 0, 0, null, 0, 0],
        },
      },
      months: {},
    };
    kv.data.set(LEDGER_KEY, damaged);
    near(ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 2);
    const update = kv.update.bind(kv);
    const order: string[] = [];
    kv.update = async (key, value) => {
      order.push(key === LEDGER_KEY ? 'ledger' : 'backup');
      return update(key, value);
    };
    ledger.record(record(clock.now()));
    await ledger.flush();
    assert.deepEqual(order, ['backup', 'ledger'], 'the original is kept before anything replaces it');
    assert.equal(corrupt.length, 1);
    assert.deepEqual(kv.data.get(corrupt[0]!), damaged);
    near(setup(kv, clock).ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 2.01);
  });

  it('a failed backup leaves the damaged original in place and is tried again', async () => {
    const { kv, clock, ledger, problems } = setup();
    const damaged = {
      schemaVersion: 1,
      days: { '2023-11-14': { 'openai\u0001gpt-4o': [1, 0, 0, 0, 0, 0, -5, 0, 0] } },
      months: {},
    };
    kv.data.set(LEDGER_KEY, damaged);
    const update = kv.update.bind(kv);
    let refuse = true;
    kv.update = async (key, value) => {
      if (refuse && key !== LEDGER_KEY) throw new Error('storage refused');
      return update(key, value);
    };
    ledger.record(record(clock.now()));
    await assert.rejects(ledger.flush(), /storage refused/);
    assert.deepEqual(kv.data.get(LEDGER_KEY), damaged, 'not overwritten');
    assert.deepEqual(
      problems.map((problem) => problem.kind),
      ['storage'],
    );
    refuse = false;
    clock.advance(60_000);
    await ledger.flush();
    assert.equal(kv.data.size, 2, 'the backup and the new ledger');
  });

  it('migrates version 1 without losing a count, and never writes over data from a newer version', async () => {
    const { kv, clock } = setup();
    const today = new Date(clock.now()).toLocaleDateString('sv-SE');
    kv.data.set(LEDGER_KEY, {
      schemaVersion: 1,
      days: { [today]: { 'openai\u0001gpt-4o': [2, 10, 0, 0, 20, 0, 3_000_000_000, 0, 1] } },
      months: {},
    });
    const ledger = setup(kv, clock).ledger;
    ledger.record(record(clock.now()));
    await ledger.flush();
    const stored = kv.data.get(LEDGER_KEY) as { schemaVersion: number; days: Record<string, Record<string, number[]>> };
    assert.equal(stored.schemaVersion, 4);
    assert.deepEqual(
      stored.days[today]![JSON.stringify(['openai', 'gpt-4o'])],
      [3, 1010, 200, 0, 120, 40, 3_010_000_000, 0, 1, 0, 0, 0, 0, 0, 1, 10_000_000, 0, 0, 0, 0],
    );

    const newer = {
      schemaVersion: 5,
      days: {
        [today]: {
          [JSON.stringify(['openai', 'gpt-4o'])]: [
            3, 0, 0, 0, 0, 0, 4_000_000_000, 0, 0, 0, 1, 900, 800, 1, 2, 3_000_000_000, 1, 1_000_000_000, 0, 0, 7,
          ],
        },
      },
      months: {},
      applied: {},
      somethingNew: true,
    };
    const fromTheFuture = setup();
    fromTheFuture.kv.data.set(LEDGER_KEY, newer);
    const reader = new UsageLedger(fromTheFuture.kv, clock, {
      onProblem: (problem) => fromTheFuture.problems.push(problem),
    });
    near(reader.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 4);
    // Its first fields read as this version's (a later version only adds at the end).
    const read = reader.totals({ from: today, to: today }).get('all')!;
    assert.deepEqual(
      [read.requests, read.failedAttempts, read.comparedRequests, read.reportedUsd, read.computedUsd],
      [2, 1, 1, 9e-7, 8e-7],
    );
    assert.deepEqual(
      [read.bySurface.chat, read.bySurface['language-model'], read.bySurface.tests, read.surfaceNotRecorded],
      [
        { attempts: 2, usd: 3 },
        { attempts: 1, usd: 1 },
        { attempts: 0, usd: 0 },
        { attempts: 0, usd: 0 },
      ],
    );
    reader.record(record(clock.now()));
    await reader.flush();
    assert.deepEqual(fromTheFuture.kv.data.get(LEDGER_KEY), newer, 'read, never written');
    near(reader.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 4.01);
    assert.deepEqual(fromTheFuture.problems, [{ kind: 'newer', version: 5 }]);
  });

  it('stores no NaN, Infinity, negative or null amount, whatever a caller hands it', async () => {
    const { kv, clock, ledger } = setup();
    ledger.record(
      record(clock.now(), {
        usage: { inputTokens: -5, outputTokens: Number.NaN, cachedInputTokens: Infinity },
        cost: { basis: 'computed', usd: -3 },
      }),
    );
    ledger.record(record(clock.now(), { cost: { basis: 'reported', usd: Number.POSITIVE_INFINITY } }));
    await ledger.flush();
    const stored = kv.data.get(LEDGER_KEY) as { days: Record<string, Record<string, unknown[]>> };
    const amounts = Object.values(stored.days).flatMap((byModel) => Object.values(byModel).flat());
    assert.ok(
      amounts.length === 20 && amounts.every((value) => Number.isSafeInteger(value) && (value as number) >= 0),
      JSON.stringify(amounts),
    );
    const totals = ledger.totals({ from: '2000-01-01', to: '2100-01-01' }).get('all')!;
    assert.deepEqual([totals.requests, totals.usd, totals.unpricedRequests], [2, 0, 2]);
  });

  it('a write that keeps failing is told once, retried, and never an unhandled rejection', async () => {
    const { kv, clock, ledger, problems } = setup();
    const update = kv.update.bind(kv);
    let failures = 0;
    kv.update = async (key, value) => {
      if (failures++ < 3) throw new Error('disk full');
      return update(key, value);
    };
    ledger.record(record(clock.now(), { cost: { basis: 'computed', usd: 1 } }));
    // The timers flush and retry on their own; the root hook fails this test on any unhandled rejection.
    for (let i = 0; i < 6; i++) {
      clock.advance(60_000);
      await new Promise((resolve) => setImmediate(resolve));
      await ledger.flush().catch(() => undefined);
    }
    assert.deepEqual(
      problems.map((problem) => problem.kind),
      ['storage'],
    );
    near(setup(kv, clock).ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 1);
  });

  it('a failed write loses nothing, and counts being written are still counted', async () => {
    const { kv, clock, ledger } = setup();
    ledger.record(record(clock.now(), { cost: { basis: 'computed', usd: 1 } }));
    const update = kv.update.bind(kv);
    let failNext = true;
    let seenDuringWrite = -1;
    kv.update = async (key, value) => {
      seenDuringWrite = ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now());
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      return update(key, value);
    };
    await assert.rejects(ledger.flush(), /disk full/);
    near(seenDuringWrite, 1);
    near(ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 1);
    await ledger.flush();
    near(setup(kv, clock).ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 1);
  });

  it('lists every cell for export, and writes CSV a spreadsheet reads', () => {
    const { ledger } = setup();
    const at = new Date(2026, 10, 21, 12).getTime();
    ledger.record(record(at));
    ledger.record(record(at, { providerId: 'team, "gateway"', modelId: 'gpt-4o' }));
    const rows = ledger.rows();
    assert.deepEqual(
      rows.map((row) => [row.period, row.providerId, row.modelId, row.totals.requests]),
      [
        ['2026-11-21', 'openai', 'gpt-4o', 1],
        ['2026-11-21', 'team, "gateway"', 'gpt-4o', 1],
      ],
    );
    const header =
      'period,provider,model,requests,input_tokens,cached_input_tokens,cache_write_input_tokens,output_tokens,reasoning_tokens,usd,requests_without_price,requests_estimated,requests_suspect,failed_attempts,requests_compared,reported_usd,computed_usd' +
      ',chat_attempts,chat_usd,language_model_attempts,language_model_usd,tests_attempts,tests_usd,surface_not_recorded_attempts,surface_not_recorded_usd';
    const surfaces = ',1,0.010000000,0,0.000000000,0,0.000000000,0,0.000000000';
    const quoted = '"team, ""gateway"""';
    assert.equal(
      usageCsv(rows),
      `${header}\r\n2026-11-21,openai,gpt-4o,1,1000,200,0,100,40,0.010000000,0,0,0,0,0,0.000000000,0.000000000${surfaces}\r\n2026-11-21,${quoted},gpt-4o,1,1000,200,0,100,40,0.010000000,0,0,0,0,0,0.000000000,0.000000000${surfaces}\r\n`,
    );
  });

  it('deletes everything when asked', async () => {
    const { kv, clock, ledger } = setup();
    ledger.record(record(clock.now()));
    await ledger.flush();
    await ledger.clear();
    assert.deepEqual((kv.data.get(LEDGER_KEY) as { days: object }).days, {});
    assert.equal(ledger.spentUsd({ kind: 'overall' }, 'monthly', clock.now()), 0);
  });
});
