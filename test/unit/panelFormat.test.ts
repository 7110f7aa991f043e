import assert from 'node:assert/strict';
import { fromFirstSpend, passedSummary, perMillion } from '../../webview/format';

describe("the panel's prices per million tokens", () => {
  it('always show cents, and a third decimal only where it says something', () => {
    assert.deepEqual([0.6, 10, 2.5, 0.15, 0.1, 1.25].map(perMillion), [
      '$0.60',
      '$10.00',
      '$2.50',
      '$0.15',
      '$0.10',
      '$1.25',
    ]);
    assert.deepEqual([0.075, 0.055, 0.05].map(perMillion), ['$0.075', '$0.055', '$0.05']);
    assert.equal(perMillion(0), '$0');
  });
});

describe("the wizard's summary of a passed connection test", () => {
  it('counts the stages that passed and were skipped, and the time they took', () => {
    const stages = [
      { status: 'pass' as const, ms: 12 },
      { status: 'skip' as const },
      { status: 'pass' as const, ms: 800 },
      { status: 'pass' as const, ms: 430 },
      { status: 'skip' as const },
    ];
    assert.equal(passedSummary(stages), 'Connection test passed: 3 stages (2 skipped), 1.2 s');
    assert.equal(passedSummary([{ status: 'pass', ms: 41.6 }]), 'Connection test passed: 1 stage, 42 ms');
  });
});

describe('the days the usage chart draws', () => {
  const month = (spent: Record<number, number>) =>
    Array.from({ length: 30 }, (_, index): { date: string; byProvider: Record<string, number> } => ({
      date: `d${index}`,
      byProvider: spent[index] ? { openai: spent[index] } : {},
    }));

  it('start at the first day with spend', () => {
    assert.deepEqual(
      fromFirstSpend(month({ 10: 0.5, 20: 1 })).map((day) => day.date),
      month({})
        .slice(10)
        .map((day) => day.date),
    );
  });

  it('hold at least a week, so one day of history is a bar among seven, not a sliver among thirty', () => {
    assert.deepEqual(
      fromFirstSpend(month({ 29: 0.01 })).map((day) => day.date),
      ['d23', 'd24', 'd25', 'd26', 'd27', 'd28', 'd29'],
    );
    assert.equal(fromFirstSpend(month({})).length, 7);
    assert.equal(fromFirstSpend(month({}).slice(0, 3)).length, 3);
  });
});
