import assert from 'node:assert/strict';
import { formatUsd } from '../../src/core';

describe('formatUsd', () => {
  it('shows cents, four decimals below a cent, and the digits that matter below that', () => {
    const cases: Array<[number, string]> = [
      [0, '$0'],
      [12.5, '$12.50'],
      [0.01, '$0.01'],
      [0.0069, '$0.0069'],
      [0.0001, '$0.0001'],
      [0.0000018, '$0.0000018'],
      [0.00000001, '$0.00000001'],
      [1e-9, '<$0.00000001'],
      [1e-16, '<$0.00000001'],
      [-0.5, '-$0.50'],
      [-0.0000018, '-$0.0000018'],
      [Number.NaN, '–'],
      [Number.POSITIVE_INFINITY, '–'],
    ];
    for (const [value, shown] of cases) assert.equal(formatUsd(value), shown, String(value));
  });
});
