import assert from 'node:assert/strict';
import { passedSummary, perMillion } from '../../webview/format';

describe('the panel\'s prices per million tokens', () => {
  it('always show cents, and a third decimal only where it says something', () => {
    assert.deepEqual([0.6, 10, 2.5, 0.15, 0.1, 1.25].map(perMillion), ['$0.60', '$10.00', '$2.50', '$0.15', '$0.10', '$1.25']);
    assert.deepEqual([0.075, 0.055, 0.05].map(perMillion), ['$0.075', '$0.055', '$0.05']);
    assert.equal(perMillion(0), '$0');
  });
});

describe('the wizard\'s summary of a passed connection test', () => {
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
