import assert from 'node:assert/strict';
import { costOf, priceOf } from '../../src/core/cost/pricing';

const near = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);

describe('pricing', () => {
  it('quotes catalog prices per million tokens, with cache prices and whether tiers apply', async () => {
    assert.deepEqual(await priceOf({ catalogIds: ['anthropic'] }, 'claude-sonnet-4-5-20250929'), {
      source: 'catalog',
      prices: { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
      tiered: true,
    });
  });

  it("the user's prices win; local models cost nothing; an unknown model has no price, not $0", async () => {
    assert.deepEqual(
      await priceOf({ catalogIds: ['anthropic'], overrides: { input: 1, output: 2 } }, 'claude-sonnet-4-5'),
      { source: 'user', prices: { input: 1, output: 2, cachedInput: 0.3, cacheWrite: 3.75 } },
    );
    assert.deepEqual(await priceOf({ catalogIds: [], overrides: { input: 1, output: 2 } }, 'custom-model'), {
      source: 'user',
      prices: { input: 1, output: 2 },
    });
    assert.deepEqual(await priceOf({ catalogIds: [], local: true }, 'llama3.2'), {
      source: 'local',
      prices: { input: 0, output: 0 },
    });
    assert.deepEqual(await priceOf({ catalogIds: ['openai'] }, 'my-finetune'), { source: 'unknown' });
  });

  it('uncached input, cache reads, cache writes and output each at their own price', async () => {
    // 5,000 uncached × $3 + 4,000 cache reads × $0.30 + 1,000 cache writes × $3.75 + 2,000 output × $15, per million.
    const usage = { inputTokens: 10_000, cachedInputTokens: 4_000, cacheWriteInputTokens: 1_000, outputTokens: 2_000 };
    const cost = await costOf({ catalogIds: ['anthropic'] }, 'claude-sonnet-4-5', usage);
    assert.equal(cost.basis, 'computed');
    near(cost.usd, 0.04995);
    // Reasoning tokens are part of the output already: counting them does not change the bill.
    near(
      (await costOf({ catalogIds: ['anthropic'] }, 'claude-sonnet-4-5', { ...usage, reasoningTokens: 1_500 })).usd,
      0.04995,
    );
  });

  it('long-context tiers: past 200k prompt tokens Gemini 2.5 Pro costs more per token', async () => {
    near(
      (await costOf({ catalogIds: ['google'] }, 'gemini-2.5-pro', { inputTokens: 100_000, outputTokens: 1_000 })).usd,
      100_000 * 1.25e-6 + 1_000 * 10e-6,
    );
    near(
      (await costOf({ catalogIds: ['google'] }, 'gemini-2.5-pro', { inputTokens: 300_000, outputTokens: 1_000 })).usd,
      300_000 * 2.5e-6 + 1_000 * 15e-6,
    );
  });

  it('partial user prices win field by field; the catalog fills the rest', async () => {
    const quote = await priceOf({ catalogIds: ['anthropic'], overrides: { output: 100 } }, 'claude-sonnet-4-5');
    assert.deepEqual(quote, { source: 'user', prices: { input: 3, output: 100, cachedInput: 0.3, cacheWrite: 3.75 } });
    const cost = await costOf({ catalogIds: ['anthropic'], overrides: { output: 100 } }, 'claude-sonnet-4-5', {
      inputTokens: 1_000,
      cachedInputTokens: 500,
      outputTokens: 10,
    });
    near(cost.usd, (500 * 3 + 500 * 0.3 + 10 * 100) * 1e-6);
    assert.deepEqual(await priceOf({ catalogIds: ['openai'], overrides: { output: 5 } }, 'my-finetune'), {
      source: 'unknown',
    });
  });

  it("user prices through the same formula; cached reads at the catalog's cache price, else the input price", async () => {
    const usage = { inputTokens: 1_000, cachedInputTokens: 400, cacheWriteInputTokens: 100, outputTokens: 500 };
    // gpt-4o's catalog cache-read price is $1.25.
    near(
      (await costOf({ catalogIds: ['openai'], overrides: { input: 2, output: 8, cacheWrite: 3 } }, 'gpt-4o', usage))
        .usd,
      (500 * 2 + 400 * 1.25 + 100 * 3 + 500 * 8) * 1e-6,
    );
    near(
      (await costOf({ catalogIds: [], overrides: { input: 2, output: 8, cacheWrite: 3 } }, 'custom', usage)).usd,
      (500 * 2 + 400 * 2 + 100 * 3 + 500 * 8) * 1e-6,
    );
  });

  it('keeps a reported cost and shows it, with the computed one beside it', async () => {
    const cost = await costOf({ catalogIds: ['anthropic'] }, 'claude-sonnet-4-5', {
      inputTokens: 1_000,
      outputTokens: 100,
      costUsd: 0.95,
    });
    assert.equal(cost.basis, 'reported');
    assert.equal(cost.usd, 0.95);
    near(cost.computedUsd, 1_000 * 3e-6 + 100 * 15e-6);
  });

  it('says estimated when the usage was counted locally, unknown when there is no price, zero when local', async () => {
    assert.equal(
      (
        await costOf(
          { catalogIds: ['anthropic'] },
          'claude-sonnet-4-5',
          { inputTokens: 10, outputTokens: 10 },
          { estimated: true },
        )
      ).basis,
      'estimated',
    );
    assert.deepEqual(await costOf({ catalogIds: ['openai'] }, 'my-finetune', { inputTokens: 10, outputTokens: 10 }), {
      basis: 'unknown',
    });
    assert.deepEqual(await costOf({ catalogIds: [], local: true }, 'llama3.2', { inputTokens: 10, outputTokens: 10 }), {
      basis: 'computed',
      usd: 0,
    });
  });
});
