import assert from 'node:assert/strict';
import { closestModel, costOf, modelStem, priceOf } from '../../src/core/cost/pricing';

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

describe('the closest known model (a model nobody knows the price of)', () => {
  it('strips snapshot suffixes, never down to the family alone', () => {
    assert.equal(modelStem('gpt-4.1-mini-2026-11-30'), 'gpt-4.1-mini');
    assert.equal(modelStem('claude-sonnet-4-5-20250929'), 'claude-sonnet-4-5');
    assert.equal(modelStem('claude-3-5-sonnet@20240620'), 'claude-3-5-sonnet');
    assert.equal(modelStem('GPT-4o-Latest'), 'gpt-4o');
    assert.equal(modelStem('gemini-3-pro-preview'), 'gemini-3-pro');
    assert.equal(modelStem('gemini-2.0-flash-exp'), 'gemini-2.0-flash');
    assert.equal(modelStem('mistral-nemo:free'), 'mistral-nemo');
    assert.equal(modelStem('gpt-4-0613'), 'gpt-4');
    assert.equal(modelStem('amazon/nova-pro-v1'), 'amazon/nova-pro');
    // Versions are models, not snapshots: `-v5` after the family alone stays, `-v3.2` always does.
    assert.equal(modelStem('deepseek-v5'), 'deepseek-v5');
    assert.equal(modelStem('deepseek-v3.2'), 'deepseek-v3.2');
    assert.equal(modelStem('gemini-exp'), 'gemini-exp');
  });

  it('finds the closest known model of the same catalog provider in the bundled price data', async () => {
    const closest = async (catalogIds: string[], id: string) => (await closestModel(catalogIds, id))?.modelId;
    assert.equal(await closest(['openai'], 'gpt-4.1-mini-2026-11-30'), 'gpt-4.1-mini');
    // Another version of the same line, the nearest one: not -4-5 nor -4-0, nor claude-sonnet-5.
    assert.equal(await closest(['anthropic'], 'claude-sonnet-4-7'), 'claude-sonnet-4-6');
    assert.equal(await closest(['anthropic'], 'claude-opus-4-9-20261001'), 'claude-opus-4-8');
    assert.equal(await closest(['anthropic'], 'claude-haiku-5'), 'claude-haiku-4-5');
    // The plain model of the nearest version (not gpt-5.5-pro, not gpt-5.6-luna).
    assert.equal(await closest(['openai'], 'gpt-5.7'), 'gpt-5.5');
    // Its own words count: flash stays flash, mini stays mini.
    assert.equal(await closest(['google'], 'gemini-3.9-flash'), 'gemini-3.8-flash');
    assert.equal(await closest(['openai'], 'o5-mini'), 'o4-mini');
    // A tie on everything else goes to the more expensive: deepseek-v4-pro ($0.66 / $1.98) over -flash.
    assert.equal(await closest(['deepseek'], 'deepseek-v5'), 'deepseek-v4-pro');
    // OpenRouter's namespace must be shared: an Anthropic model is never priced as an OpenAI one.
    assert.equal(await closest(['openrouter'], 'anthropic/claude-sonnet-4.7'), 'anthropic/claude-sonnet-4.6');
    // Azure's own models first, then OpenAI's, as its template lists them.
    const azure = await closestModel(['azure', 'openai'], 'gpt-4.1-mini-2026-11-30');
    assert.deepEqual([azure?.modelId, azure?.catalogId], ['gpt-4.1-mini', 'openai']);
  });

  it('no estimate without a known model sharing at least the family, and never across providers', async () => {
    assert.equal(await closestModel(['openai'], 'my-finetune'), undefined);
    assert.equal(await closestModel(['anthropic'], 'gpt-4.1-mini-2026-11-30'), undefined);
    assert.equal(await closestModel(['openrouter'], 'acme/claude-sonnet-4.7'), undefined);
    assert.equal(await closestModel([], 'gpt-4.1-mini-2026-11-30'), undefined);
  });

  it("prices are the closest model's, marked estimated, only when asked for and nobody knows the price", async () => {
    assert.deepEqual(await priceOf({ catalogIds: ['openai'], closest: true }, 'gpt-4.1-mini-2026-11-30'), {
      source: 'estimated',
      prices: { input: 0.4, output: 1.6, cachedInput: 0.1 },
      estimatedFrom: 'gpt-4.1-mini',
    });
    assert.deepEqual(await priceOf({ catalogIds: ['openai'] }, 'gpt-4.1-mini-2026-11-30'), { source: 'unknown' });
    // A known price is never an estimate; the user's whole price wins over one.
    assert.equal((await priceOf({ catalogIds: ['openai'], closest: true }, 'gpt-4.1-mini')).source, 'catalog');
    assert.deepEqual(
      await priceOf(
        { catalogIds: ['openai'], closest: true, overrides: { input: 1, output: 4 } },
        'gpt-4.1-mini-2026-11-30',
      ),
      { source: 'user', prices: { input: 1, output: 4, cachedInput: 0.1 } },
    );
    // 1M input at $0.40 and 1M output at $1.60: gpt-4.1-mini's price, as an estimate.
    const cost = await costOf({ catalogIds: ['openai'], closest: true }, 'gpt-4.1-mini-2026-11-30', {
      inputTokens: 1_000_000,
      outputTokens: 1_000_000,
    });
    assert.deepEqual(
      { ...cost, usd: Math.round(cost.usd! * 1e9) / 1e9 },
      {
        basis: 'estimated',
        usd: 2,
        estimatedFrom: 'gpt-4.1-mini',
      },
    );
    assert.deepEqual(
      await costOf({ catalogIds: ['openai'], closest: true }, 'my-finetune', { inputTokens: 10, outputTokens: 10 }),
      { basis: 'unknown' },
    );
  });
});
