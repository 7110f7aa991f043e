// Prices and limits from the provider's own list in modelFacts, priceOf and costOf: the user's value
// wins, else the provider's list, else the catalog, else the default for the kind of provider.
import assert from 'node:assert/strict';
import { costOf, findTemplate, priceOf, type ModelInfo } from '../../src/core';
import { DEFAULT_CONTEXT_WINDOW, modelFacts } from '../../src/core/modelFacts';

const template = (id: string) => findTemplate(id)!;
const SONNET = 'anthropic/claude-sonnet-4';
/** OpenRouter's list for SONNET, as listModels reads it (prices per million tokens). */
const listedSonnet: ModelInfo = {
  id: SONNET,
  contextWindow: 1_000_000,
  maxOutputTokens: 64_000,
  prices: { input: 3.3, output: 16.5, cachedInput: 0.33 },
  sources: { contextWindow: 'provider', maxOutputTokens: 'provider', prices: 'provider' },
};

describe("prices and limits from the provider's own list", () => {
  it('the catalog where the list gives no prices (its source says so)', async () => {
    const facts = await modelFacts({ type: 'openai-compatible', template: template('openrouter'), modelId: SONNET });
    assert.deepEqual(facts.price, {
      source: 'catalog',
      prices: { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    });
  });

  it("the provider's list over the catalog, whole: no catalog cache price mixed in", async () => {
    const facts = await modelFacts({
      type: 'openai-compatible',
      template: template('openrouter'),
      modelId: SONNET,
      listed: listedSonnet,
    });
    assert.deepEqual(facts.price, { source: 'provider', prices: { input: 3.3, output: 16.5, cachedInput: 0.33 } });
    assert.deepEqual(
      [facts.contextWindow, facts.maxOutputTokens],
      [
        { value: 1_000_000, source: 'provider' },
        { value: 64_000, source: 'provider' },
      ],
    );
  });

  it("the user's prices over the provider's, field by field; the provider's fill the rest", async () => {
    const facts = await modelFacts({
      type: 'openai-compatible',
      template: template('openrouter'),
      modelId: SONNET,
      listed: listedSonnet,
      user: { prices: { output: 12 }, contextWindow: 200_000 },
    });
    assert.deepEqual(facts.price, { source: 'user', prices: { input: 3.3, output: 12, cachedInput: 0.33 } });
    assert.deepEqual(facts.contextWindow, { value: 200_000, source: 'user' });
  });

  it('a list with only one of input and output does not count: the catalog', async () => {
    const facts = await modelFacts({
      type: 'openai-compatible',
      template: template('openrouter'),
      modelId: SONNET,
      listed: { id: SONNET, prices: { input: 0.4 }, sources: { prices: 'provider' } },
    });
    assert.equal(facts.price.source, 'catalog');
    assert.deepEqual(facts.price.prices, { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 });
  });

  it('a LiteLLM proxy (no catalog): the prices its /model/info lists, else unknown, never $0', async () => {
    const litellm = template('litellm');
    const listed: ModelInfo = { id: 'team-gpt', prices: { input: 2.5, output: 10 }, sources: { prices: 'provider' } };
    const known = await modelFacts({ type: 'openai-compatible', template: litellm, modelId: 'team-gpt', listed });
    assert.deepEqual(known.price, { source: 'provider', prices: { input: 2.5, output: 10 } });
    const unlisted = await modelFacts({ type: 'openai-compatible', template: litellm, modelId: 'team-gpt' });
    assert.deepEqual(unlisted.price, { source: 'unknown' });
  });

  it('a free model listed at 0 is free by the provider, not unknown', async () => {
    const listed: ModelInfo = { id: 'x:free', prices: { input: 0, output: 0 }, sources: { prices: 'provider' } };
    assert.deepEqual(await priceOf({ catalogIds: ['openrouter'], listed: listed.prices }, 'x:free'), {
      source: 'provider',
      prices: { input: 0, output: 0 },
    });
  });

  it('a local server stays free whatever a list says', async () => {
    const facts = await modelFacts({
      type: 'openai-compatible',
      template: template('lmstudio'),
      modelId: 'qwen',
      listed: { id: 'qwen', prices: { input: 1, output: 1 } },
    });
    assert.deepEqual(facts.price, { source: 'local', prices: { input: 0, output: 0 } });
  });

  it('a loaded local model: the context it runs with, from the provider', async () => {
    const facts = await modelFacts({
      type: 'openai-compatible',
      template: template('lmstudio'),
      modelId: 'meta-llama-3.1-8b-instruct',
      listed: {
        id: 'meta-llama-3.1-8b-instruct',
        contextWindow: 4_096,
        maxContextWindow: 131_072,
        loaded: true,
        sources: { contextWindow: 'provider' },
      },
    });
    assert.deepEqual(facts.contextWindow, { value: 4_096, source: 'provider' });
    assert.equal(facts.maxInputTokens, 3_072);
  });

  it('the default context is never more than the most the provider says the model takes', async () => {
    const facts = await modelFacts({
      type: 'openai-compatible',
      template: template('lmstudio'),
      modelId: 'embed',
      listed: { id: 'embed', maxContextWindow: 2_048, sources: {} },
    });
    assert.deepEqual(facts.contextWindow, { value: 2_048, source: 'default' });
    const wide = await modelFacts({
      type: 'openai-compatible',
      template: template('lmstudio'),
      modelId: 'wide',
      listed: { id: 'wide', maxContextWindow: 131_072, sources: {} },
    });
    assert.deepEqual(wide.contextWindow, { value: DEFAULT_CONTEXT_WINDOW.local, source: 'default' });
  });

  describe('costOf with listed prices', () => {
    const usage = { inputTokens: 1_000, cachedInputTokens: 200, outputTokens: 500, reasoningTokens: 100 };

    it('uncached, cached, output and reasoning tokens each at their price, plus the fee per request', async () => {
      const cost = await costOf(
        {
          catalogIds: ['openrouter'],
          listed: { input: 3, output: 15, cachedInput: 0.3, reasoning: 20, perRequest: 0.001 },
        },
        SONNET,
        usage,
      );
      // (800 × 3 + 200 × 0.3 + 400 × 15 + 100 × 20) / 1e6 + 0.001
      assert.equal(cost.basis, 'computed');
      assert.equal(Math.round(cost.usd! * 1e9), 11_460_000);
    });

    it('without a reasoning price, reasoning is output; the catalog is not used', async () => {
      const cost = await costOf({ catalogIds: ['openrouter'], listed: { input: 1, output: 2 } }, SONNET, usage);
      // (1,000 × 1 + 500 × 2) / 1e6: the catalog's $3/$15 and its cache price do not apply.
      assert.equal(Math.round(cost.usd! * 1e9), 2_000_000);
    });

    it("the user's prices over the listed ones", async () => {
      const cost = await costOf(
        { catalogIds: ['openrouter'], listed: { input: 1, output: 2 }, overrides: { input: 10 } },
        SONNET,
        { inputTokens: 1_000, outputTokens: 0 },
      );
      assert.equal(Math.round(cost.usd! * 1e9), 10_000_000);
    });

    it("a provider's reported cost still wins, with the listed figure kept beside it", async () => {
      const cost = await costOf({ catalogIds: ['openrouter'], listed: { input: 1, output: 2 } }, SONNET, {
        inputTokens: 1_000,
        outputTokens: 500,
        costUsd: 0.0025,
      });
      assert.deepEqual(cost, { basis: 'reported', usd: 0.0025, computedUsd: 0.002 });
    });
  });
});
