import assert from 'node:assert/strict';
import { findTemplate } from '../../src/core';
import { DEFAULT_CONTEXT_WINDOW, DEFAULT_MAX_OUTPUT_TOKENS, modelFacts } from '../../src/core/modelFacts';

const template = (id: string) => findTemplate(id)!;

describe('model facts', () => {
  it('an Ollama model nobody describes: the 4,096-token context Ollama loads by default, on every surface', async () => {
    const facts = await modelFacts({ type: 'ollama', template: template('ollama'), modelId: 'llama3.2:3b' });
    assert.deepEqual(facts.contextWindow, { value: DEFAULT_CONTEXT_WINDOW.local, source: 'default' });
    assert.equal(DEFAULT_CONTEXT_WINDOW.local, 4_096);
    // A quarter of the window is kept for the answer: 3,072 tokens of prompt, not 124,000.
    assert.deepEqual([facts.maxOutputTokens, facts.maxInputTokens], [{ value: 1_024, source: 'default' }, 3_072]);
    assert.deepEqual([facts.price.source, facts.price.prices?.input], ['local', 0]);
  });

  it('LM Studio, another local server, gets the same default; a self-hosted or hosted one the hosted default', async () => {
    assert.equal(
      (await modelFacts({ type: 'openai-compatible', template: template('lmstudio'), modelId: 'qwen2.5-7b' }))
        .contextWindow.value,
      4_096,
    );
    for (const id of ['vllm', 'litellm', 'custom', 'openai']) {
      const facts = await modelFacts({
        type: template(id).type,
        template: template(id),
        modelId: 'model-released-after-this-build',
      });
      assert.deepEqual(
        [facts.contextWindow, facts.maxOutputTokens, facts.maxInputTokens],
        [
          { value: 128_000, source: 'default' },
          { value: DEFAULT_MAX_OUTPUT_TOKENS, source: 'default' },
          128_000 - 4_096,
        ],
        id,
      );
    }
  });

  it('the catalog where it knows the model, with its source', async () => {
    const facts = await modelFacts({ type: 'openai', template: template('openai'), modelId: 'gpt-4o' });
    assert.deepEqual(
      [facts.contextWindow.source, facts.maxOutputTokens.source, facts.capabilities.source],
      ['catalog', 'catalog', 'catalog'],
    );
    assert.equal(facts.contextWindow.value, 128_000);
    assert.equal(facts.maxOutputTokens.value, 16_384);
    assert.equal(facts.capabilities.value.tools, true);
    assert.equal(facts.price.source, 'catalog');
  });

  it("the provider's own list over the catalog, the user's values over both", async () => {
    const listed = { id: 'gpt-4o', contextWindow: 64_000, maxOutputTokens: 8_000, capabilities: { tools: false } };
    const fromList = await modelFacts({ type: 'openai', template: template('openai'), modelId: 'gpt-4o', listed });
    assert.deepEqual(
      [fromList.contextWindow, fromList.maxOutputTokens],
      [
        { value: 64_000, source: 'provider' },
        { value: 8_000, source: 'provider' },
      ],
    );
    assert.deepEqual(fromList.capabilities, {
      value: { tools: false, vision: false, reasoning: false },
      source: 'provider',
    });
    // A list already filled in from the catalog says so.
    const filled = await modelFacts({
      type: 'openai',
      template: template('openai'),
      modelId: 'gpt-4o',
      listed: { ...listed, sources: { contextWindow: 'catalog' } },
    });
    assert.equal(filled.contextWindow.source, 'catalog');
    const mine = await modelFacts({
      type: 'ollama',
      template: template('ollama'),
      modelId: 'llama3.2:3b',
      listed: { id: 'llama3.2:3b', contextWindow: 131_072 },
      user: { contextWindow: 32_768, maxOutputTokens: 2_000 },
    });
    assert.deepEqual(
      [mine.contextWindow, mine.maxOutputTokens, mine.maxInputTokens],
      [{ value: 32_768, source: 'user' }, { value: 2_000, source: 'user' }, 30_768],
    );
    const priced = await modelFacts({
      type: 'openai-compatible',
      template: template('litellm'),
      modelId: 'team-model',
      user: { prices: { input: 1, output: 2 } },
    });
    assert.deepEqual([priced.price.source, priced.price.prices?.output], ['user', 2]);
  });

  it('an unknown model: tools assumed (a refusal moves on), images and reasoning not; its id as its name', async () => {
    const facts = await modelFacts({ type: 'openai-compatible', template: template('custom'), modelId: 'house-model' });
    assert.deepEqual(facts.capabilities, {
      value: { tools: true, vision: false, reasoning: false },
      source: 'default',
    });
    assert.deepEqual(facts.name, { value: 'house-model', source: 'default' });
    assert.equal(facts.price.source, 'unknown');
  });
});
