// Version 3 of the ledger: failed attempts apart from answered requests, and the provider's reported
// cost beside the list price of the same requests; the migration from version 2.
import assert from 'node:assert/strict';
import { LEDGER_KEY, LEDGER_SCHEMA_VERSION, UsageLedger, type LedgerProblem } from '../../src/core/cost/ledger';
import { describeDisagreement, disagreement, usageCsv } from '../../src/core/cost/ledgerReport';
import type { Totals, UsageRecord } from '../../src/core/cost/ledgerTotals';
import { MemorySharedStore } from '../../src/core/storage';
import { ManualClock } from '../support/manualClock';
import { MemoryKeyValueStore } from '../support/memoryStores';

const DAY = 86_400_000;
const key = (providerId: string, modelId: string) => JSON.stringify([providerId, modelId]);
const dayOf = (at: number) => new Date(at).toLocaleDateString('sv-SE');

function setup(kv = new MemoryKeyValueStore(), clock = new ManualClock()) {
  const problems: LedgerProblem[] = [];
  const ledger = new UsageLedger(kv, clock, {
    shared: new MemorySharedStore(),
    onProblem: (problem) => problems.push(problem),
  });
  return { kv, clock, ledger, problems };
}

const record = (at: number, overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  at,
  providerId: 'openrouter',
  modelId: 'openai/gpt-4o',
  usage: { inputTokens: 1000, outputTokens: 500 },
  cost: { basis: 'computed', usd: 0.0075 },
  surface: 'chat',
  outcome: 'ok',
  ...overrides,
});
const reported = (usd: number, computedUsd?: number): UsageRecord['cost'] => ({
  basis: 'reported',
  usd,
  ...(computedUsd === undefined ? {} : { computedUsd }),
});

const near = (actual: number, expected: number, what = '') =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what} ${actual} != ${expected}`);

describe('usage ledger, version 3', () => {
  it('is version 4', () => assert.equal(LEDGER_SCHEMA_VERSION, 4));

  it('migrates version 2 keeping every figure, mark and date, and adds the new fields empty', async () => {
    const clock = new ManualClock();
    const now = clock.now();
    const today = dayOf(now);
    const yesterday = dayOf(now - DAY);
    const v2 = {
      schemaVersion: 2,
      days: {
        [today]: {
          [key('openai', 'gpt-4o')]: [5, 1000, 200, 10, 300, 40, 12_345_678, 1, 2, 1],
          [key('openrouter', 'openai/gpt-4o')]: [3, 30, 0, 0, 60, 0, 7_000_000, 0, 0, 0],
        },
        [yesterday]: { [key('anthropic', 'claude-sonnet-4-5')]: [2, 500, 0, 100, 50, 0, 9_000_000_000, 0, 1, 0] },
      },
      months: { '2023-09': { [key('openai', 'gpt-4o')]: [40, 4, 3, 2, 1, 0, 5_000_000_000, 6, 7, 8] } },
      applied: { 'w-old': 17 },
      appliedAt: { 'w-old': now - 60_000 },
      clearedAt: 1_600_000_000_000,
    };
    const kv = new MemoryKeyValueStore();
    kv.data.set(LEDGER_KEY, structuredClone(v2));
    const { ledger, problems } = setup(kv, clock);

    // Read before anything is written: every figure as it was; the new ones 0.
    const all = ledger.totals({ from: '2000-01-01', to: '2100-01-01' }).get('all')!;
    assert.deepEqual(
      [all.requests, all.inputTokens, all.outputTokens, all.unpricedRequests, all.estimatedRequests],
      [50, 1534, 411, 7, 10],
    );
    assert.deepEqual([all.failedAttempts, all.comparedRequests, all.reportedUsd, all.computedUsd], [0, 0, 0, 0]);
    near(all.usd, 14.019345678);

    await ledger.flush();
    // Version 4's surface groups are empty too: all of it is "surface not recorded".
    const pad = (cell: number[]) => [...cell, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    assert.deepEqual(kv.data.get(LEDGER_KEY), {
      schemaVersion: 4,
      days: {
        [today]: {
          [key('openai', 'gpt-4o')]: pad(v2.days[today]![key('openai', 'gpt-4o')]!),
          [key('openrouter', 'openai/gpt-4o')]: pad(v2.days[today]![key('openrouter', 'openai/gpt-4o')]!),
        },
        [yesterday]: {
          [key('anthropic', 'claude-sonnet-4-5')]: pad(v2.days[yesterday]![key('anthropic', 'claude-sonnet-4-5')]!),
        },
      },
      months: { '2023-09': { [key('openai', 'gpt-4o')]: pad(v2.months['2023-09'][key('openai', 'gpt-4o')]!) } },
      applied: { 'w-old': 17 },
      appliedAt: { 'w-old': now - 60_000 },
      clearedAt: 1_600_000_000_000,
    });
    assert.deepEqual(problems, [], 'a migration is not damage: nothing kept aside, nothing told');
    assert.equal(kv.data.size, 1, 'no backup written');

    // Read back by a new window: the same figures.
    const again = setup(kv, clock).ledger.totals({ from: '2000-01-01', to: '2100-01-01' }).get('all')!;
    assert.deepEqual(again, all);
  });

  it('version 2 data with a record on top: the old figures plus the record, the new fields from the record only', async () => {
    const clock = new ManualClock();
    const today = dayOf(clock.now());
    const kv = new MemoryKeyValueStore();
    kv.data.set(LEDGER_KEY, {
      schemaVersion: 2,
      days: { [today]: { [key('openrouter', 'openai/gpt-4o')]: [3, 30, 0, 0, 60, 0, 7_000_000, 0, 0, 0] } },
      months: {},
      applied: {},
      appliedAt: {},
      clearedAt: 0,
    });
    const { ledger } = setup(kv, clock);
    ledger.record(record(clock.now(), { cost: reported(0.0123, 0.0119) }));
    ledger.record(
      record(clock.now(), {
        outcome: 'error',
        usage: { inputTokens: 0, outputTokens: 0 },
        cost: { basis: 'computed', usd: 0 },
      }),
    );
    await ledger.flush();
    const stored = kv.data.get(LEDGER_KEY) as { schemaVersion: number; days: Record<string, Record<string, number[]>> };
    assert.equal(stored.schemaVersion, 4);
    assert.deepEqual(
      stored.days[today]![key('openrouter', 'openai/gpt-4o')],
      [5, 1030, 0, 0, 560, 0, 19_300_000, 0, 0, 0, 1, 12_300_000, 11_900_000, 1, 2, 12_300_000, 0, 0, 0, 0],
    );
  });

  it('adds up reported and list-price spend of the requests that have both, apart from those that do not', () => {
    const { clock, ledger } = setup();
    const now = clock.now();
    ledger.record(record(now, { cost: reported(0.0123, 0.0119) }));
    ledger.record(record(now, { cost: reported(0.002, 0.002) }));
    // Without a reported cost, and a reported cost whose list price is unknown: in the spend, not compared.
    ledger.record(record(now, { cost: { basis: 'computed', usd: 0.001 } }));
    ledger.record(record(now, { modelId: 'new/model', cost: reported(0.004) }));
    // A reported cost that cannot be stored compares nothing.
    ledger.record(record(now, { modelId: 'new/model', cost: reported(Number.NaN, 0.5) }));
    const range = { from: dayOf(now), to: dayOf(now) };
    const all = ledger.totals(range).get('all')!;
    assert.deepEqual([all.requests, all.comparedRequests, all.unpricedRequests], [5, 2, 1]);
    near(all.usd, 0.0193, 'usd');
    near(all.reportedUsd, 0.0143, 'reported');
    near(all.computedUsd, 0.0139, 'computed');
    assert.equal(
      describeDisagreement(all, 'OpenRouter'),
      'for 2 requests: $0.0143 billed (reported by OpenRouter) · $0.0139 by list price (+2.9 %)',
    );
    const model = ledger.totals(range, 'model').get('openrouter/openai/gpt-4o')!;
    assert.deepEqual([model.requests, model.comparedRequests], [3, 2]);
    const [row] = ledger.rows().filter((item) => item.modelId === 'openai/gpt-4o');
    assert.equal(
      usageCsv([row!]).split('\r\n')[1],
      `${dayOf(now)},openrouter,openai/gpt-4o,3,3000,0,0,1500,0,0.015300000,0,0,0,0,2,0.014300000,0.013900000,3,0.015300000,0,0.000000000,0,0.000000000,0,0.000000000`,
    );
  });

  it('says both figures only where they differ by more than 1 %, with the sign of the difference', () => {
    const totals = (reportedUsd: number, computedUsd: number, requests = 1): Totals => ({
      requests,
      inputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
      usd: reportedUsd,
      unpricedRequests: 0,
      estimatedRequests: 0,
      suspectRequests: 0,
      failedAttempts: 0,
      bySurface: {
        chat: { attempts: 0, usd: 0 },
        'language-model': { attempts: 0, usd: 0 },
        tests: { attempts: 0, usd: 0 },
      },
      surfaceNotRecorded: { attempts: 0, usd: 0 },
      comparedRequests: 1,
      reportedUsd,
      computedUsd,
    });
    assert.equal(
      describeDisagreement(totals(0.0123, 0.0119), 'OpenRouter'),
      '$0.0123 billed (reported by OpenRouter) · $0.0119 by list price (+3.4 %)',
    );
    assert.equal(
      describeDisagreement(totals(0.97, 1), 'Team gateway'),
      '$0.97 billed (reported by Team gateway) · $1.00 by list price (-3.0 %)',
    );
    assert.equal(describeDisagreement(totals(1.009, 1), 'X'), undefined, '0.9 %: they agree');
    assert.equal(describeDisagreement(totals(0.991, 1), 'X'), undefined, '-0.9 %: they agree');
    assert.equal(disagreement(totals(1.011, 1))?.percent?.toFixed(1), '1.1');
    assert.equal(describeDisagreement(totals(0.001, 0), 'X'), '$0.0010 billed (reported by X) · $0 by list price');
    assert.equal(describeDisagreement(totals(0, 0), 'X'), undefined);
    assert.equal(describeDisagreement({ ...totals(2, 1), comparedRequests: 0 }, 'X'), undefined, 'nothing compared');
  });

  it('counts failed attempts apart from answered requests; what they cost stays in the spend', async () => {
    const { kv, clock, ledger } = setup();
    const now = clock.now();
    // A 429 before the fallback answered, a stream cut by the user after some text, and the answer.
    ledger.record(
      record(now, {
        modelId: 'first',
        outcome: 'error',
        usage: { inputTokens: 0, outputTokens: 0 },
        cost: { basis: 'computed', usd: 0 },
      }),
    );
    ledger.record(record(now, { outcome: 'cancelled', cost: { basis: 'estimated', usd: 0.001 } }));
    ledger.record(record(now, { cost: reported(0.0078, 0.0075) }));
    const check = (reader: UsageLedger) => {
      const all = reader.totals({ from: dayOf(now), to: dayOf(now) }).get('all')!;
      assert.deepEqual([all.requests, all.failedAttempts, all.estimatedRequests], [1, 2, 1]);
      near(all.usd, 0.0088);
      const byModel = reader.totals({ from: dayOf(now), to: dayOf(now) }, 'model');
      assert.deepEqual([...byModel].map(([model, totals]) => [model, totals.requests, totals.failedAttempts]).sort(), [
        ['openrouter/first', 0, 1],
        ['openrouter/openai/gpt-4o', 1, 1],
      ]);
    };
    check(ledger);
    await ledger.flush();
    const stored = kv.data.get(LEDGER_KEY) as { days: Record<string, Record<string, number[]>> };
    assert.deepEqual(
      stored.days[dayOf(now)]![key('openrouter', 'first')],
      [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0],
    );
    check(setup(kv, clock).ledger);
  });
});
