import assert from 'node:assert/strict';
import {
  describeError,
  describeFailure,
  describeSwitch,
  describeWait,
  modelKey,
  parseModelKey,
  ProviderError,
  type ProviderErrorKind,
  type RouteTarget,
} from '../../src/core';

const target = (providerName: string, model: string): RouteTarget => ({
  providerId: providerName.toLowerCase(),
  providerName,
  model,
  provider: undefined as never,
});

describe('describeError and the words for route events', () => {
  it('puts every kind into words of its own', () => {
    const kinds: ProviderErrorKind[] = [
      'invalid_credentials',
      'rate_limited',
      'quota_exceeded',
      'model_not_found',
      'overloaded',
      'server_error',
      'bad_request',
      'network',
      'timeout',
      'content_filter',
      'cancelled',
    ];
    const words = kinds.map(describeError);
    assert.equal(new Set(words).size, kinds.length);
    for (const word of words) assert.doesNotMatch(word, /_/);
    assert.equal(describeError('invalid_credentials'), 'key refused');
  });

  it('an unknown kind (from stored data) is still readable', () => {
    assert.equal(describeError('brand_new_kind' as ProviderErrorKind), 'brand new kind');
  });

  it('a wait and a switch use the same words', () => {
    const wait = describeWait({
      type: 'route-wait',
      target: target('OpenAI', 'gpt-4o'),
      delayMs: 12_300,
      attempt: 1,
      reason: new ProviderError('rate_limited', 'slow down'),
    });
    assert.equal(wait, 'OpenAI: rate limited — retrying in 12 s');
    const to = target('Anthropic', 'claude');
    assert.equal(
      describeSwitch({
        type: 'route-switch',
        from: target('OpenAI', 'gpt-4o'),
        to,
        error: new ProviderError('network', 'down'),
      } as never),
      'OpenAI gpt-4o failed (unreachable); trying Anthropic claude',
    );
  });

  it('describeFailure gives the error its own sentence', () => {
    assert.equal(describeFailure(new Error('Nothing was imported.')), 'Nothing was imported.');
    assert.equal(describeFailure('plain'), 'plain');
  });
});

describe('ModelRef', () => {
  it('keys round-trip, model ids with slashes included', () => {
    const ref = { providerId: 'openrouter', modelId: 'anthropic/claude-sonnet-4.5' };
    assert.equal(modelKey(ref), 'openrouter/anthropic/claude-sonnet-4.5');
    assert.deepEqual(parseModelKey(modelKey(ref)), ref);
    assert.equal(parseModelKey('no-slash'), undefined);
    assert.equal(parseModelKey('/model'), undefined);
  });
});
