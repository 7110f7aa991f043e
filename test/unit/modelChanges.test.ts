import assert from 'node:assert/strict';
import {
  changeText,
  combineChanges,
  compareSnapshots,
  type ModelChange,
  type ModelSnapshot,
} from '../../src/core/modelChanges';

const gpt = { input: 2.5, output: 10 };

describe('what changed in a provider’s models since the last look', () => {
  it('a first look has no changes; then new, gone and price changes by model id', () => {
    const first: ModelSnapshot = { 'gpt-4o': gpt, mini: { input: 0.15, output: 0.6 }, old: null };
    assert.deepEqual(compareSnapshots(undefined, first), new Map());
    assert.deepEqual(compareSnapshots(first, structuredClone(first)), new Map());
    const next: ModelSnapshot = { 'gpt-4o': { input: 3, output: 10 }, mini: { input: 0.15, output: 0.6 }, fresh: null };
    assert.deepEqual(
      compareSnapshots(first, next),
      new Map<string, ModelChange>([
        ['gpt-4o', { kind: 'price', from: gpt, to: { input: 3, output: 10 } }],
        ['fresh', { kind: 'new' }],
        ['old', { kind: 'gone', was: null }],
      ]),
    );
    // A price that became known, or unknown, is a change too.
    assert.deepEqual(compareSnapshots({ a: null }, { a: gpt }).get('a'), { kind: 'price', from: null, to: gpt });
    assert.deepEqual(compareSnapshots({ a: gpt }, { a: null }).get('a'), { kind: 'price', from: gpt, to: null });
    // The user's own price, set or cleared: their own doing, not news.
    assert.deepEqual(compareSnapshots({ a: gpt }, { a: { input: 1, output: 2, own: true } }), new Map());
    assert.deepEqual(compareSnapshots({ a: { input: 1, output: 2, own: true } }, { a: gpt }), new Map());
    // Ids that are also Object.prototype's names are models like any other.
    assert.deepEqual(compareSnapshots({}, { constructor: null }).get('constructor'), { kind: 'new' });
  });

  it('marks not yet seen add up: came and went is nothing, new stays new, two price changes are one', () => {
    const price = (from: number, to: number): ModelChange => ({
      kind: 'price',
      from: { input: from, output: 10 },
      to: { input: to, output: 10 },
    });
    assert.deepEqual(combineChanges(undefined, { kind: 'new' }), { kind: 'new' });
    assert.equal(combineChanges({ kind: 'new' }, { kind: 'gone', was: null }), undefined);
    assert.equal(combineChanges({ kind: 'gone', was: gpt }, { kind: 'new' }), undefined);
    assert.deepEqual(combineChanges({ kind: 'new' }, price(2.5, 3)), { kind: 'new' });
    assert.deepEqual(combineChanges(price(2.5, 3), price(3, 4)), price(2.5, 4));
    assert.equal(combineChanges(price(2.5, 3), price(3, 2.5)), undefined);
    assert.deepEqual(combineChanges(price(2.5, 3), { kind: 'gone', was: gpt }), { kind: 'gone', was: gpt });
  });

  it('in words', () => {
    assert.equal(changeText({ kind: 'new' }), 'new');
    assert.equal(changeText({ kind: 'gone', was: gpt }), 'gone');
    assert.equal(
      changeText({ kind: 'price', from: gpt, to: { input: 3, output: 10 } }),
      'price changed $2.50 → $3.00 in',
    );
    assert.equal(
      changeText({ kind: 'price', from: gpt, to: { input: 3, output: 12 } }),
      'price changed $2.50 → $3.00 in, $10.00 → $12.00 out',
    );
    assert.equal(changeText({ kind: 'price', from: null, to: gpt }), 'price changed unknown → $2.50 / $10.00');
  });
});
