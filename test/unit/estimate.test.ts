import assert from 'node:assert/strict';
import { countPromptTokens, estimateCost } from '../../src/core/cost/estimate';

const near = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);

describe('estimate before a run', () => {
  it('counts with the o200k tokenizer for OpenAI models, plus message framing', async () => {
    // "hello world" is 2 tokens in o200k_base; one message adds 4 framing tokens.
    assert.deepEqual(
      await countPromptTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello world' }] }, 'openai'),
      { tokens: 6, method: 'tokenizer' },
    );
    const other = await countPromptTokens(
      { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hello world' }] },
      'anthropic',
    );
    assert.equal(other.method, 'estimate');
  });

  it('counts tools, tool calls and images too', async () => {
    const bare = await countPromptTokens({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, 'openai');
    const rich = await countPromptTokens(
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'image', mimeType: 'image/png', data: 'AAAA' },
            ],
          },
        ],
        tools: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        ],
      },
      'openai',
    );
    assert.ok(rich.tokens > bare.tokens + 765, `${rich.tokens} vs ${bare.tokens}`);
  });

  it('gives the known input cost and the most the answer can add', async () => {
    const estimate = await estimateCost(
      { catalogIds: ['openai'] },
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello world' }] },
      'openai',
      1000,
    );
    // 6 tokens at $2.50 per million; up to 1,000 output tokens at $10 per million.
    near(estimate.inputUsd, 6 * 2.5e-6);
    near(estimate.outputUsdPerToken, 10e-6);
    near(estimate.maxUsd, 6 * 2.5e-6 + 1000 * 10e-6);
    assert.deepEqual([estimate.inputTokens, estimate.priceSource, estimate.maxOutputTokens], [6, 'catalog', 1000]);
  });

  it('prices a long prompt at its tier, output included', async () => {
    const long = 'word '.repeat(250_000);
    const estimate = await estimateCost(
      { catalogIds: ['google'] },
      { model: 'gemini-2.5-pro', messages: [{ role: 'user', content: long }] },
      'gemini',
      100,
    );
    assert.ok(estimate.inputTokens > 200_000);
    near(estimate.outputUsdPerToken, 15e-6);
  });

  it('says when there is no price instead of guessing', async () => {
    const estimate = await estimateCost(
      { catalogIds: ['openai'] },
      { model: 'my-finetune', messages: [{ role: 'user', content: 'hi' }] },
      'openai',
      100,
    );
    assert.deepEqual([estimate.priceSource, estimate.inputUsd, estimate.maxUsd], ['unknown', undefined, undefined]);
  });
});
