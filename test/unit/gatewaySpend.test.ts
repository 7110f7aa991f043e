// A LiteLLM proxy's spend log for a key, beside this machine's records. Rows CONSTRUCTED from
// LiteLLM's LiteLLM_SpendLogs table (`request_id`, `spend`, `startTime`, …) as `/spend/logs` returns
// them with `summarize=false`, and from its older per-day summary (`startTime` a date, `spend`, `models`).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  liteLlmKeyHash,
  readLiteLlmSpendLog,
  reconcileSpend,
  spendLogPath,
} from '../../src/core/adapters/gatewaySpend';

const localNoon = (day: string) => new Date(`${day}T12:00:00`).toISOString();

describe('gateway spend log', () => {
  it('asks by the key’s SHA-256, as LiteLLM stores it: the key itself is never in the URL', async () => {
    const key = 'sk-team-0123456789abcdef';
    const hash = await liteLlmKeyHash(key);
    assert.equal(hash, createHash('sha256').update(key).digest('hex'));
    const path = spendLogPath(hash, '2026-12-01', '2026-12-05');
    assert.ok(!path.includes(key));
    assert.equal(path, `/spend/logs?api_key=${hash}&start_date=2026-12-01&end_date=2026-12-05&summarize=false`);
  });

  it('one row per request: summed by local day, counted, bad rows left out and counted', () => {
    const log = readLiteLlmSpendLog([
      { request_id: 'a', spend: 0.25, startTime: localNoon('2026-12-04'), model: 'gpt-4o' },
      { request_id: 'b', spend: 0.5, startTime: localNoon('2026-12-04'), model: 'gpt-4o' },
      { request_id: 'c', spend: 1, startTime: localNoon('2026-12-05'), model: 'gpt-4o-mini' },
      { request_id: 'd', spend: -3, startTime: localNoon('2026-12-05') },
      { request_id: 'e', spend: '9', startTime: localNoon('2026-12-05') },
      { request_id: 'f', spend: 1e308 * 10, startTime: localNoon('2026-12-05') },
      { request_id: 'g', spend: 0.1, startTime: 'yesterday' },
      null,
    ])!;
    assert.deepEqual(log.days, [
      { day: '2026-12-04', usd: 0.75, requests: 2 },
      { day: '2026-12-05', usd: 1, requests: 1 },
    ]);
    assert.equal(log.skipped, 5);
  });

  it('an older proxy’s per-day summary is read as its UTC days', () => {
    const log = readLiteLlmSpendLog([
      { startTime: '2026-12-04', spend: 1.5, models: { 'gpt-4o': 1.5 }, users: {} },
      { startTime: '2026-12-05', spend: 0, models: {}, users: {} },
    ])!;
    assert.deepEqual(log.days, [
      { day: '2026-12-04', usd: 1.5 },
      { day: '2026-12-05', usd: 0 },
    ]);
    assert.equal(readLiteLlmSpendLog({ detail: 'Not Found' }), undefined);
  });

  it('reconciles day by day and in total, without float dust', () => {
    const recorded = new Map([
      ['2026-12-03', 0.1 + 0.2],
      ['2026-12-04', 0.75],
    ]);
    const result = reconcileSpend(recorded, [
      { day: '2026-12-03', usd: 0.3 },
      { day: '2026-12-04', usd: 1.25 },
      { day: '2026-12-05', usd: 2 },
    ]);
    assert.deepEqual(result.days, [
      { day: '2026-12-03', recordedUsd: 0.3, gatewayUsd: 0.3, differenceUsd: 0 },
      { day: '2026-12-04', recordedUsd: 0.75, gatewayUsd: 1.25, differenceUsd: 0.5 },
      { day: '2026-12-05', recordedUsd: 0, gatewayUsd: 2, differenceUsd: 2 },
    ]);
    assert.deepEqual([result.recordedUsd, result.gatewayUsd, result.differenceUsd], [1.05, 3.55, 2.5]);
  });
});
