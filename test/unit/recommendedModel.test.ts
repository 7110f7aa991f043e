// The add wizard preselects the template's recommended model, not whatever the provider lists first.
import assert from 'node:assert/strict';
import { findTemplate, PROVIDER_TEMPLATES, recommendedAmong } from '../../src/core';
import { priceOf } from '../../src/core/cost/pricing';

describe('recommended models', () => {
  it('each recommended model is one the catalog prices (a current id, not a typo)', async () => {
    const recommending = PROVIDER_TEMPLATES.filter((template) => template.recommendedModel);
    assert.ok(recommending.length >= 8, String(recommending.length));
    for (const template of recommending) {
      const quote = await priceOf({ catalogIds: template.catalogIds }, template.recommendedModel!);
      assert.equal(quote.source, 'catalog', `${template.id}: ${template.recommendedModel}`);
    }
  });

  it('is picked among the listed ids, exact or as its newest dated snapshot, never a sibling', () => {
    const openai = findTemplate('openai')!;
    assert.equal(recommendedAmong(openai, ['dall-e-3', 'gpt-4o', 'gpt-5-mini', 'gpt-5']), 'gpt-5-mini');
    assert.equal(
      recommendedAmong(openai, ['gpt-5', 'gpt-5-mini-2025-08-07', 'gpt-5-mini-search']),
      'gpt-5-mini-2025-08-07',
    );
    const anthropic = findTemplate('anthropic')!;
    assert.equal(
      recommendedAmong(anthropic, [
        'claude-opus-4-1-20250805',
        'claude-sonnet-4-5-20250929',
        'claude-3-5-haiku-20241022',
      ]),
      'claude-sonnet-4-5-20250929',
    );
    assert.equal(recommendedAmong(openai, ['gpt-4o', 'gpt-4o-mini']), undefined);
    assert.equal(recommendedAmong(findTemplate('custom')!, ['a']), undefined);
  });
});
