import assert from 'node:assert/strict';
import { createProvider } from '../../src/core/provider';
import { automaticFallback, type AutomaticCandidate, type RouteTarget } from '../../src/core/routing';

// Never called: derivation only reads what is known of each model.
const provider = createProvider({ type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9' });

function target(providerId: string, extra: Partial<RouteTarget> = {}): RouteTarget {
  return { providerId, providerName: providerId.toUpperCase(), model: `${providerId}-default`, provider, ...extra };
}

const candidate = (
  providerId: string,
  extra: Partial<RouteTarget> = {},
  flags: Partial<Omit<AutomaticCandidate, 'target'>> = {},
): AutomaticCandidate => ({ target: target(providerId, extra), enabled: true, keyReady: true, ...flags });

const ids = (targets: RouteTarget[]) => targets.map((item) => item.providerId);

describe('automatic fallback: candidates when the chain is empty', () => {
  // $2.50 + $10 per million: the first model's blended price is 12.5.
  const primary = target('openai', { prices: { input: 2.5, output: 10 }, contextWindow: 128_000, tools: true });

  it('cheapest first, unknown prices last, each marked automatic', () => {
    const { targets } = automaticFallback(
      [primary],
      [
        candidate('anthropic', { prices: { input: 3, output: 15 } }),
        candidate('unpriced'),
        candidate('deepseek', { prices: { input: 0.27, output: 1.1 } }),
        candidate('ollama', { prices: { input: 0, output: 0 } }),
      ],
      { tools: false, maxCostRatio: 3 },
    );
    assert.deepEqual(ids(targets), ['ollama', 'deepseek', 'anthropic', 'unpriced']);
    assert.ok(targets.every((item) => item.automatic === true));
  });

  it('within the cost ratio: a model over it is left out, saying why', () => {
    const { targets, excluded } = automaticFallback(
      [primary],
      [
        candidate('anthropic', { prices: { input: 3, output: 15 } }), // 18 / 12.5 = 1.44×
        candidate('opus', { prices: { input: 15, output: 75 } }), // 90 / 12.5 = 7.2×
      ],
      { tools: false, maxCostRatio: 3 },
    );
    assert.deepEqual(ids(targets), ['anthropic']);
    assert.deepEqual(
      excluded.map(({ target: left, why }) => [left.providerId, why]),
      [['opus', 'too-expensive']],
    );
    const wider = automaticFallback([primary], [candidate('opus', { prices: { input: 15, output: 75 } })], {
      tools: false,
      maxCostRatio: 8,
    });
    assert.deepEqual(ids(wider.targets), ['opus'], 'the ratio is the setting, not a constant');
  });

  it('after a free or unpriced first model, no paid model is picked without being set up', () => {
    const local = target('ollama', { prices: { input: 0, output: 0 } });
    const { targets, excluded } = automaticFallback(
      [local],
      [
        candidate('deepseek', { prices: { input: 0.27, output: 1.1 } }),
        candidate('lmstudio', { prices: { input: 0, output: 0 } }),
      ],
      { tools: false, maxCostRatio: 3 },
    );
    assert.deepEqual(ids(targets), ['lmstudio']);
    assert.deepEqual(
      excluded.map(({ why }) => why),
      ['paid-after-free'],
    );
  });

  it('only models that can take the request: tools, and a context window that fits the prompt', () => {
    const { targets, excluded } = automaticFallback(
      [primary],
      [
        candidate('notools', { tools: false, prices: { input: 0.1, output: 0.1 } }),
        candidate('small', { contextWindow: 8_000, prices: { input: 0.1, output: 0.1 } }),
        candidate('fits', { tools: true, contextWindow: 200_000, prices: { input: 1, output: 1 } }),
      ],
      { tools: true, promptTokens: 50_000, maxCostRatio: 3 },
    );
    assert.deepEqual(ids(targets), ['fits']);
    assert.deepEqual(
      excluded.map(({ target: left, why }) => [left.providerId, why]),
      [
        ['notools', 'no-tools'],
        ['small', 'context-too-small'],
      ],
    );
    const noTools = automaticFallback([primary], [candidate('notools', { tools: false })], {
      tools: false,
      maxCostRatio: 3,
    });
    assert.deepEqual(ids(noTools.targets), ['notools'], 'without tools in the request, tool support does not matter');
  });

  it('disabled providers, providers without a key and providers already in the chain are left out', () => {
    const { targets, excluded } = automaticFallback(
      [primary, target('anthropic')],
      [
        candidate('off', {}, { enabled: false }),
        candidate('nokey', {}, { keyReady: false }),
        candidate('openai'),
        candidate('anthropic'),
        candidate('gemini', { prices: { input: 1.25, output: 10 } }),
      ],
      { tools: false, maxCostRatio: 3 },
    );
    assert.deepEqual(ids(targets), ['gemini']);
    assert.deepEqual(
      excluded.map(({ target: left, why }) => [left.providerId, why]),
      [
        ['off', 'disabled'],
        ['nokey', 'no-key'],
        ['openai', 'in-chain'],
        ['anthropic', 'in-chain'],
      ],
    );
  });
});
