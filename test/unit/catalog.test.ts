import assert from 'node:assert/strict';
import { catalogFacts, withCatalog } from '../../src/core/catalog';
import { findTemplate, PROVIDER_TEMPLATES } from '../../src/core/templates';

describe('provider templates', () => {
  it('cover every provider the issue names, with unique ids and valid URLs', () => {
    const ids = PROVIDER_TEMPLATES.map((template) => template.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of [
      'openai',
      'anthropic',
      'gemini',
      'azure-openai',
      'deepseek',
      'xai',
      'mistral',
      'groq',
      'openrouter',
      'together',
      'fireworks',
      'perplexity',
      'ollama',
      'lmstudio',
      'vllm',
      'litellm',
      'custom',
    ]) {
      assert.ok(findTemplate(id), `missing template ${id}`);
    }
    for (const template of PROVIDER_TEMPLATES) {
      for (const url of [template.baseUrl, template.keyUrl])
        if (url) assert.doesNotThrow(() => new URL(url), `${template.id}: ${url}`);
      // Keys may only be asked for over TLS; plain http is for servers on this machine.
      if (template.baseUrl?.startsWith('http:')) assert.match(template.baseUrl, /^http:\/\/127\.0\.0\.1:/, template.id);
      if (template.local) assert.equal(template.key, 'none', template.id);
    }
  });
});

describe('model catalog', () => {
  it('knows a dated Anthropic snapshot: context from genai-prices, output and capabilities from models.dev', async () => {
    assert.deepEqual(await catalogFacts(['anthropic'], 'claude-sonnet-4-20250514'), {
      name: 'Claude Sonnet 4',
      contextWindow: 200000,
      maxOutputTokens: 64000,
      capabilities: { tools: true, vision: true, reasoning: true },
    });
  });

  it('names models as their providers write them (models.dev\'s "GPT-4o", not genai-prices\' "gpt 4o")', async () => {
    assert.equal((await catalogFacts(['openai'], 'gpt-4o')).name, 'GPT-4o');
    assert.equal((await catalogFacts(['openai'], 'gpt-4o-mini')).name, 'GPT-4o mini');
  });

  it('knows nothing of a model it has never heard of', async () => {
    assert.deepEqual(await catalogFacts(['openai'], 'my-finetune-xyz'), {});
    assert.deepEqual(await catalogFacts([], 'gpt-4o'), {});
  });

  it('fills only the gaps, and says which values came from the catalog', async () => {
    const merged = await withCatalog(
      [
        { id: 'claude-sonnet-4-20250514', contextWindow: 1_000_000, sources: { contextWindow: 'provider' } },
        { id: 'my-finetune-xyz', sources: {} },
      ],
      ['anthropic'],
    );
    assert.deepEqual(merged, [
      {
        id: 'claude-sonnet-4-20250514',
        name: 'Claude Sonnet 4',
        contextWindow: 1_000_000,
        maxOutputTokens: 64000,
        capabilities: { tools: true, vision: true, reasoning: true },
        sources: { contextWindow: 'provider', name: 'catalog', maxOutputTokens: 'catalog', capabilities: 'catalog' },
      },
      { id: 'my-finetune-xyz', sources: {} },
    ]);
  });
});
