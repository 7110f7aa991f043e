// Switchboard as a team gateway's client, over loopback servers speaking LiteLLM proxy's and
// OpenRouter's documented formats (test/fixtures/gatewayWire.ts): what the key may spend, what a
// request cost, the spend log, and each refusal as the typed error that says what to do.
import assert from 'node:assert/strict';
import { type ChatRequest } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { gatewayReader, gatewayRemaining } from '../../src/core/adapters/gateway';
import { liteLlmProxy, openRouter, type LiteLlmState } from '../fixtures/gatewayWire';
import { collect, collectUntilError, testTransport, useServers } from '../support/chat';

const serve = useServers();
const KEY = 'sk-team-alice-0123456789';
const OR_KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef';
const ask = (): ChatRequest => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
const bearer = (key: string) => () => ({ authorization: `Bearer ${key}` });
/** What the extension builds for a LiteLLM proxy at `baseUrl`: the chat provider, and the reader of the key's status. */
const liteLlmProvider = (baseUrl: string) =>
  createProvider({ type: 'openai-compatible', baseUrl, apiKey: KEY, name: 'LiteLLM' });
const liteLlmReader = (baseUrl: string) =>
  gatewayReader('litellm', baseUrl, testTransport('LiteLLM', { key: KEY }), bearer(KEY), KEY);

function proxyState(overrides: Partial<LiteLlmState> = {}): LiteLlmState {
  return {
    keys: {
      [KEY]: {
        spend: 41.2,
        maxBudget: 100,
        budgetDuration: '30d',
        budgetResetAt: '2026-12-14T00:00:00Z',
        teamId: 'platform',
      },
    },
    teams: { platform: { alias: 'Platform', spend: 400, maxBudget: 500, models: ['gpt-4o-mini'] } },
    models: {
      'gpt-4o-mini': { input: 0.15e-6, output: 0.6e-6, contextWindow: 128_000 },
      'gpt-4o': { input: 2.5e-6, output: 10e-6 },
    },
    ...overrides,
  };
}

describe('team gateways on the wire', () => {
  it('LiteLLM: the key and its team read from the proxy, the key sent only as its bearer', async () => {
    const server = await serve(liteLlmProxy(proxyState()));
    const reader = liteLlmReader(`${server.url}/v1`);
    const status = (await reader.status())!;
    assert.deepEqual(
      [status.key.spentUsd, status.key.limitUsd, status.team?.name, status.team?.remainingUsd],
      [41.2, 100, 'Platform', 100],
    );
    assert.equal(gatewayRemaining(status), 58.8);
    assert.deepEqual(
      server.requests.map((request) => request.path),
      ['/key/info', '/team/info?team_id=platform'],
    );
    assert.ok(server.requests.every((request) => !request.path.includes(KEY)));
  });

  it('LiteLLM: an older proxy without /key/info, and a team the key may not read, degrade quietly', async () => {
    const old = await serve(liteLlmProxy(proxyState({ noKeyInfo: true })));
    const reader = liteLlmReader(`${old.url}/v1`);
    assert.equal(await reader.status(), undefined);
    const state = proxyState();
    state.teams!.platform!.readable = false;
    const server = await serve(liteLlmProxy(state));
    const status = await liteLlmReader(server.url).status();
    assert.deepEqual([status?.key.remainingUsd, status?.team], [58.8, undefined]);
  });

  it('LiteLLM: the cost of a streamed answer from its last chunk, of a whole answer from the header', async () => {
    const server = await serve(liteLlmProxy(proxyState()));
    const provider = liteLlmProvider(`${server.url}/v1`);
    const costOf = (events: Awaited<ReturnType<typeof collect>>) =>
      events.flatMap((event) => (event.type === 'usage' ? [event.usage.costUsd] : []));
    const expected = 12 * 0.15e-6 + 5 * 0.6e-6;
    assert.deepEqual(costOf(await collect(provider.chat(ask()))), [expected]);
    assert.deepEqual(costOf(await collect(provider.chat({ ...ask(), stream: false }))), [expected]);
  });

  it("LiteLLM: the spend log for the key, asked by the key's hash", async () => {
    const state = proxyState();
    const server = await serve(liteLlmProxy(state));
    const provider = liteLlmProvider(`${server.url}/v1`);
    await collect(provider.chat(ask()));
    await collect(provider.chat(ask()));
    const reader = liteLlmReader(`${server.url}/v1`);
    const today = new Date().toLocaleDateString('sv-SE');
    const log = (await reader.spendLog(today, today))!;
    assert.equal(log.days.length, 1);
    assert.equal(log.days[0]!.requests, 2);
    assert.ok(Math.abs(log.days[0]!.usd - 2 * (12 * 0.15e-6 + 5 * 0.6e-6)) < 1e-12);
    assert.ok(server.requests.every((request) => !request.path.includes(KEY)));
  });

  for (const budgetStatus of [400, 429, 422] as const)
    it(`LiteLLM: a spent key (answered ${budgetStatus}) is refused as quota_exceeded, and its info cannot be read either`, async () => {
      const state = proxyState({ budgetStatus });
      state.keys[KEY]!.spend = 100;
      const server = await serve(liteLlmProxy(state));
      const provider = liteLlmProvider(`${server.url}/v1`);
      const { error } = await collectUntilError(provider.chat(ask()));
      assert.deepEqual([error.kind, error.retryAfterMs], ['quota_exceeded', undefined]);
      const reader = liteLlmReader(`${server.url}/v1`);
      await assert.rejects(reader.status(), (thrown: { kind?: string }) => thrown.kind === 'quota_exceeded');
    });

  it('LiteLLM: an expired key, a model the key may not use, and the key’s own rate limit', async () => {
    const expired = proxyState();
    expired.keys[KEY]!.expires = '2026-01-01T00:00:00Z';
    let server = await serve(liteLlmProxy(expired));
    let provider = liteLlmProvider(`${server.url}/v1`);
    let { error } = await collectUntilError(provider.chat(ask()));
    assert.deepEqual([error.kind, /expired/.test(error.message)], ['invalid_credentials', true]);

    server = await serve(liteLlmProxy(proxyState()));
    provider = liteLlmProvider(`${server.url}/v1`);
    ({ error } = await collectUntilError(provider.chat({ ...ask(), model: 'gpt-4o' })));
    assert.equal(error.kind, 'model_not_found');
    assert.match(error.message, /does not allow this model for this key/);

    server = await serve(liteLlmProxy(proxyState({ rateLimitedFor: 7 })));
    provider = liteLlmProvider(`${server.url}/v1`);
    ({ error } = await collectUntilError(provider.chat(ask())));
    assert.deepEqual([error.kind, error.retryAfterMs], ['rate_limited', 7000]);
  });

  for (const limitStatus of [402, 403] as const)
    it(`OpenRouter: the key's limit read from /api/v1/key; a spent limit (${limitStatus}) is quota_exceeded`, async () => {
      const state = {
        key: OR_KEY,
        limit: 10,
        usage: 9.5,
        limitReset: 'monthly' as const,
        limitStatus,
        models: { 'openai/gpt-4o-mini': { input: 0.15e-6, output: 0.6e-6 } },
      };
      const server = await serve(openRouter(state));
      const base = `${server.url}/api/v1`;
      const status = (await gatewayReader(
        'openrouter',
        base,
        testTransport('OpenRouter', { key: OR_KEY }),
        bearer(OR_KEY),
        OR_KEY,
      ).status())!;
      assert.deepEqual([status.key.remainingUsd, status.key.period], [0.5, 'monthly']);
      state.usage = 10;
      const provider = createProvider({ type: 'openai-compatible', baseUrl: base, apiKey: OR_KEY, name: 'OpenRouter' });
      const { error } = await collectUntilError(provider.chat({ ...ask(), model: 'openai/gpt-4o-mini' }));
      assert.equal(error.kind, 'quota_exceeded');
    });
});
