import assert from 'node:assert/strict';
import { perMillion } from '../../webview/format';

describe('the panel\'s prices per million tokens', () => {
  it('always show cents, and a third decimal only where it says something', () => {
    assert.deepEqual([0.6, 10, 2.5, 0.15, 0.1, 1.25].map(perMillion), ['$0.60', '$10.00', '$2.50', '$0.15', '$0.10', '$1.25']);
    assert.deepEqual([0.075, 0.055, 0.05].map(perMillion), ['$0.075', '$0.055', '$0.05']);
    assert.equal(perMillion(0), '$0');
  });
});
