import assert from 'node:assert/strict';
import { counted, formatUsd } from '../../src/core';

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

describe('counted', () => {
  it('says "1 request", never "1 requests"', () => {
    assert.deepEqual(
      [counted(0, 'request'), counted(1, 'request'), counted(2, 'request'), counted(1250, 'token')],
      ['0 requests', '1 request', '2 requests', '1,250 tokens'],
    );
  });
});
