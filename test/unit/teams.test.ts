import assert from 'node:assert/strict';
import { parseWorkspaceFile, type ChatRequest, type Clock } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { route, RouteError, type RouteTarget } from '../../src/core/routing';
import { readSettings } from '../../src/platform/settingsSchema';
import { gatewayLines, lowLimits, periodWords } from '../../src/cost/gatewayText';
import { liteLlmProxy, openRouter } from '../fixtures/gatewayWire';
import { useServers } from '../support/chat';

/** Waits complete at once; every one is counted (a retry would wait first). */
class CountingClock implements Clock {
  readonly waits: number[] = [];
  now = () => 1_700_000_000_000;
  setTimeout(callback: () => void, ms: number): unknown {
    this.waits.push(ms);
    return setImmediate(callback);
  }
  clearTimeout(handle: unknown): void {
    clearImmediate(handle as NodeJS.Immediate);
  }
}

const ask: ChatRequest = { model: 'team-model', messages: [{ role: 'user', content: 'hi' }] };

describe('teams: what the VS Code layer builds on', () => {
  const serve = useServers();

  describe("the router never retries a gateway's refusal of its key", () => {
    const runOnce = async (target: RouteTarget) => {
      const clock = new CountingClock();
      let error: unknown;
      try {
        for await (const event of route([target], ask, { clock, random: () => 0.5 })) void event;
      } catch (caught) {
        error = caught;
      }
      return { error, waits: clock.waits };
    };

    for (const [name, status] of [
      ['LiteLLM budget exceeded as 429 (up to v1.102)', 429],
      ['LiteLLM budget exceeded as 422 (v1.104)', 422],
    ] as const) {
      it(`${name}: quota_exceeded, one request, no wait`, async () => {
        const server = await serve(
          liteLlmProxy({
            keys: { 'sk-team': { spend: 5, maxBudget: 5 } },
            models: { 'team-model': { input: 1e-6, output: 2e-6 } },
            budgetStatus: status,
          }),
        );
        const provider = createProvider({
          type: 'openai-compatible',
          name: 'Team Proxy',
          baseUrl: `${server.url}/v1`,
          apiKey: 'sk-team',
          modelListing: 'litellm',
        });
        const { error, waits } = await runOnce({
          providerId: 'p',
          providerName: 'Team Proxy',
          model: 'team-model',
          provider,
        });
        assert.ok(error instanceof RouteError);
        assert.equal(error.kind, 'quota_exceeded');
        assert.equal(server.requests.length, 1);
        assert.deepEqual(waits, []);
      });
    }

    it('an expired LiteLLM key: invalid_credentials saying so, one request', async () => {
      const server = await serve(
        liteLlmProxy({
          keys: { 'sk-team': { spend: 0, expires: '2020-01-01T00:00:00Z' } },
          models: { 'team-model': { input: 1e-6, output: 2e-6 } },
        }),
      );
      const provider = createProvider({
        type: 'openai-compatible',
        name: 'Team Proxy',
        baseUrl: `${server.url}/v1`,
        apiKey: 'sk-team',
        modelListing: 'litellm',
      });
      const { error, waits } = await runOnce({
        providerId: 'p',
        providerName: 'Team Proxy',
        model: 'team-model',
        provider,
      });
      assert.ok(error instanceof RouteError);
      assert.equal(error.kind, 'invalid_credentials');
      assert.match(error.message, /says the key has expired/);
      assert.deepEqual([server.requests.length, waits], [1, []]);
    });

    it("OpenRouter's key limit (402 and 403): quota_exceeded, one request", async () => {
      for (const limitStatus of [402, 403] as const) {
        const server = await serve(
          openRouter({
            key: 'sk-or-v1-x',
            limit: 1,
            usage: 1,
            limitStatus,
            models: { m: { input: 1e-6, output: 1e-6 } },
          }),
        );
        const provider = createProvider({
          type: 'openai-compatible',
          name: 'OpenRouter',
          baseUrl: `${server.url}/api/v1`,
          apiKey: 'sk-or-v1-x',
          modelListing: 'openrouter',
        });
        const { error, waits } = await runOnce({ providerId: 'o', providerName: 'OpenRouter', model: 'm', provider });
        assert.ok(error instanceof RouteError);
        assert.equal(error.kind, 'quota_exceeded', `status ${limitStatus}`);
        assert.deepEqual([server.requests.length, waits], [1, []]);
      }
    });
  });

  it('createProvider gives a LiteLLM proxy and OpenRouter a gateway reader, and no other provider', () => {
    const make = (modelListing?: 'litellm' | 'openrouter' | 'lmstudio') =>
      createProvider({
        type: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:1/v1',
        ...(modelListing ? { modelListing } : {}),
      });
    assert.equal(make('litellm').gateway?.kind, 'litellm');
    assert.equal(make('openrouter').gateway?.kind, 'openrouter');
    assert.equal(make('lmstudio').gateway, undefined);
    assert.equal(make().gateway, undefined);
  });

  it("the workspace file's policy section: read by provider, zod-checked field by field, never a key", () => {
    const good = parseWorkspaceFile(
      JSON.stringify({
        policy: {
          openrouter: {
            allowedModels: ['anthropic/claude-sonnet-4.5'],
            budget: { limitUsd: 200, period: 'monthly' },
            dataPolicy: { denyDataCollection: true },
          },
        },
      }),
      '.vscode/switchboard.json',
    );
    assert.ok(good.ok);
    assert.deepEqual(good.ok && good.value.policy, {
      openrouter: {
        allowedModels: ['anthropic/claude-sonnet-4.5'],
        budget: { limitUsd: 200, period: 'monthly', mode: 'stop' },
        dataPolicy: { denyDataCollection: true },
      },
    });
    const bad = parseWorkspaceFile(
      JSON.stringify({ policy: { openrouter: { budget: { limitUsd: -1, period: 'monthly' } } } }),
      'w.json',
    );
    assert.ok(!bad.ok);
    assert.match(bad.errors[0]!, /^w\.json: policy\.openrouter\.budget\.limitUsd/);
    const keyed = parseWorkspaceFile(JSON.stringify({ policy: { openrouter: { apiKey: 'sk-or-v1-x' } } }), 'w.json');
    assert.ok(!keyed.ok);
    assert.match(keyed.errors[0]!, /keys are never read from files/);
  });

  it('switchboard.openRouter.dataPolicy and switchboard.gateway.* are read and checked', () => {
    const read = (values: Record<string, unknown>) =>
      readSettings({ get: (key) => values[key], layers: () => ({}) }, { trusted: true });
    const defaults = read({}).settings;
    assert.deepEqual(
      [defaults.gateway, defaults.openRouter],
      [{ refreshMinutes: 10, budgetMode: 'stop', lowCreditPercent: 20 }, { dataPolicy: {} }],
    );
    const { settings, problems } = read({
      'openRouter.dataPolicy': { denyDataCollection: 'yes' },
      'gateway.budgetMode': 'ask',
    });
    assert.deepEqual([settings.openRouter.dataPolicy, settings.gateway.budgetMode], [{}, 'ask']);
    assert.match(problems[0]!, /^switchboard\.openRouter\.dataPolicy .* ignored/);
  });

  it("a gateway's figures in words, with this machine's spend since the read", () => {
    const now = Date.UTC(2026, 11, 5, 12);
    const status = {
      gateway: 'litellm' as const,
      at: now,
      key: { spentUsd: 41.2, limitUsd: 100, remainingUsd: 58.8, period: '30d', resetAt: now + 9 * 86_400_000 },
      team: { name: 'Platform', spentUsd: 990, limitUsd: 1000, remainingUsd: 10, period: 'monthly' },
    };
    assert.deepEqual(gatewayLines(status, 0.5, now), [
      'Team gateway: $41.70 of $100 this month, resets in 9 days ($58.30 left)',
      'Team Platform: $990.50 of $1,000 this month ($9.50 left)',
    ]);
    assert.deepEqual(
      lowLimits(status, 0.5, 20).map((low) => [low.which, low.left]),
      [['team', 9.5]],
    );
    assert.deepEqual(lowLimits(status, 0.5, 0), []);
    assert.deepEqual(['1d', 'weekly', undefined, '2h'].map(periodWords), ['today', 'this week', 'in total', 'per 2h']);
  });
});
