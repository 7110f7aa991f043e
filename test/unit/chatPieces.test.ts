import assert from 'node:assert/strict';
import { ProviderError, RouteError, type FallbackStep, type RouteTarget } from '../../src/core';
import { plainError, retryTarget } from '../../src/chat/failure';
import { answerText, FOOTER_MARK, REASONING_MARK } from '../../src/chat/metadata';
import { carried, firstStep } from '../../src/chat/turnState';

const target = (providerId: string, model: string): RouteTarget => ({
  providerId,
  providerName: providerId.toUpperCase(),
  model,
  provider: undefined as never,
});
const anyStep = (step: FallbackStep | undefined) => step;
const picker = (id: string) => ({ prompt: 'hi', model: { vendor: 'switchboard', id } });

describe('chat: turn state', () => {
  it('a Retry follow-up for the same prompt goes to the model it names', () => {
    const previous = {
      metadata: {
        providerId: 'a',
        model: 'm1',
        retry: { prompt: 'hi', providerId: 'b', model: 'm2', modelName: 'B m2' },
      },
    };
    assert.deepEqual(firstStep(picker('a/m1'), previous, anyStep), { provider: 'b', model: 'm2' });
  });

  it('a model newly picked in VS Code wins over the conversation; an unchanged picker does not', () => {
    const previous = { metadata: { providerId: 'a', model: 'm1', picker: 'c/m3' } };
    assert.deepEqual(firstStep(picker('d/org/m4'), previous, anyStep), { provider: 'd', model: 'org/m4' });
    assert.deepEqual(firstStep(picker('c/m3'), previous, anyStep), { provider: 'a', model: 'm1' });
  });

  it('a model no longer usable falls through to the picker', () => {
    const previous = { metadata: { providerId: 'gone', model: 'm1', picker: 'c/m3' } };
    const usable = (step: FallbackStep | undefined) => (step?.provider === 'gone' ? undefined : step);
    assert.deepEqual(firstStep(picker('c/m3'), previous, usable), { provider: 'c', model: 'm3' });
  });

  it('the state carried keeps the model and notes the picker (only a Switchboard one)', () => {
    const previous = { metadata: { providerId: 'a', model: 'm1', command: 'cost' } };
    assert.deepEqual(carried(picker('c/m3'), previous), { providerId: 'a', model: 'm1', picker: 'c/m3' });
    assert.deepEqual(carried({ prompt: '', model: { vendor: 'copilot', id: 'gpt' } }, undefined), {});
  });
});

describe('chat: failure', () => {
  const failure = (providerId: string, model: string, kind: ProviderError['kind'], status?: number) => ({
    target: target(providerId, model),
    error: new ProviderError(kind, `${kind}`, status ? { status } : {}),
  });

  it('one model: its own sentence; several: what happened to each, and what to do', () => {
    assert.equal(plainError(new Error('Just this.')), 'Just this.');
    const error = new RouteError(
      'invalid_credentials',
      'x',
      [failure('a', 'm1', 'rate_limited', 429), failure('b', 'm2', 'invalid_credentials', 401)],
      [],
    );
    assert.equal(
      plainError(error),
      'No model could answer: A m1 rate limited (429); B m2 key refused (401). Check the key.',
    );
  });

  it('the follow-up offers the first model not tried, else one that failed for a passing reason', () => {
    const error = new RouteError('overloaded', 'x', [failure('a', 'm1', 'overloaded')], []);
    assert.deepEqual(retryTarget(error, [{ provider: 'a', model: 'm1' }], [{ providerId: 'b', modelId: 'm2' }]), {
      provider: 'b',
      model: 'm2',
    });
    assert.deepEqual(retryTarget(error, [{ provider: 'a', model: 'm1' }], []), { provider: 'a', model: 'm1' });
    const refused = new RouteError('invalid_credentials', 'x', [failure('a', 'm1', 'invalid_credentials')], []);
    assert.equal(retryTarget(refused, [{ provider: 'a', model: 'm1' }], []), undefined);
  });
});

describe('chat: answer text', () => {
  it('cuts the reasoning quote and the footer, keeping the answer (with its own rules)', () => {
    const markdown = `${REASONING_MARK}thinking\n> more\n\nThe answer.\n\n---\nits own rule${FOOTER_MARK}OpenAI · gpt-4o*`;
    assert.equal(answerText(markdown), 'The answer.\n\n---\nits own rule');
  });
});
