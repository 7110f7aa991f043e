// What a team gateway says about the key, read field by field. Answers CONSTRUCTED from LiteLLM
// proxy's documented `/key/info` and `/team/info` responses and OpenRouter's `GET /api/v1/key`
// (openrouter.ai/docs/api/api-reference/api-keys/get-current-key).
import assert from 'node:assert/strict';
import { createProvider } from '../../src/core/provider';
import { BudgetGuard } from '../../src/core/cost/budgets';
import { UsageLedger } from '../../src/core/cost/ledger';
import { metered } from '../../src/core/cost/meter';
import { ProviderError } from '../../src/core/errors';
import { collect, collectUntilError, useServers } from '../support/chat';
import { dataEvents, sse, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import { MemoryKeyValueStore } from '../support/memoryStores';
import { textDelta, usageChunk } from '../fixtures/openaiWire';
import {
  gatewayBudget,
  gatewayModels,
  gatewayRemaining,
  gatewayResetAt,
  gatewayUrl,
  readGatewayStatus,
  readLiteLlmKeyInfo,
  readOpenRouterKey,
  type GatewayGet,
} from '../../src/core/adapters/gateway';

const AT = Date.parse('2026-12-05T10:00:00Z');
const now = () => AT;

const keyInfo = (info: Record<string, unknown>) => ({
  key: 'sk-…hashed',
  info: {
    key_name: 'sk-...Qx2A',
    key_alias: 'alice-laptop',
    spend: 41.2,
    max_budget: 100,
    budget_duration: '30d',
    budget_reset_at: '2026-12-14T00:00:00Z',
    expires: null,
    models: [],
    team_id: null,
    ...info,
  },
});

const teamInfo = {
  team_id: 'team-a',
  team_info: {
    team_alias: 'Platform',
    spend: 480,
    max_budget: 500,
    budget_duration: '1mo',
    budget_reset_at: '2026-12-31T00:00:00Z',
    models: ['gpt-4o-mini', 'claude-haiku-4-5'],
  },
};

const notFound = () =>
  new ProviderError('bad_request', 'LiteLLM has no such endpoint (404); check the base URL', { status: 404 });

function gateway(routes: Record<string, unknown>): { get: GatewayGet; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get: (path) => {
      asked.push(path);
      const answer = routes[path];
      if (answer === undefined) return Promise.reject(notFound());
      if (typeof answer === 'function') return Promise.resolve().then(answer as () => never);
      return Promise.resolve(answer);
    },
  };
}

describe('gateway status', () => {
  it("LiteLLM: the key's spend, budget, period and reset, and what is left", () => {
    const status = readLiteLlmKeyInfo(keyInfo({}), AT)!;
    assert.deepEqual(status.key, {
      spentUsd: 41.2,
      limitUsd: 100,
      remainingUsd: 58.8,
      resetAt: Date.parse('2026-12-14T00:00:00Z'),
      period: '30d',
      name: 'alice-laptop',
      expiresAt: undefined,
      models: undefined,
      teamId: undefined,
    });
    assert.equal(gatewayRemaining(status), 58.8);
  });

  it('a bad number is dropped on its own, never read as a budget of $0 or of infinity', () => {
    for (const max_budget of [-5, '100', Number.NaN, null, 'Infinity']) {
      const status = readLiteLlmKeyInfo(keyInfo({ max_budget }), AT)!;
      assert.equal(status.key.limitUsd, undefined, String(max_budget));
      assert.equal(gatewayRemaining(status), undefined);
      assert.equal(status.key.spentUsd, 41.2);
    }
    const overspent = readLiteLlmKeyInfo(keyInfo({ spend: 130 }), AT)!;
    assert.equal(overspent.key.remainingUsd, 0);
    const badSpend = readLiteLlmKeyInfo(keyInfo({ spend: -1 }), AT)!;
    // No spend known: no remainder can be worked out (not the whole limit).
    assert.deepEqual([badSpend.key.spentUsd, badSpend.key.remainingUsd], [undefined, undefined]);
    assert.equal(readLiteLlmKeyInfo({ detail: 'nope' }, AT), undefined);
    assert.equal(readLiteLlmKeyInfo(keyInfo({ budget_reset_at: 'soon' }), AT)!.key.resetAt, undefined);
  });

  it("LiteLLM's 'every model' names leave the key unrestricted", () => {
    for (const models of [[], ['all-proxy-models'], ['*'], ['all-team-models']])
      assert.equal(gatewayModels(readLiteLlmKeyInfo(keyInfo({ models }), AT)!), undefined, JSON.stringify(models));
    assert.deepEqual(gatewayModels(readLiteLlmKeyInfo(keyInfo({ models: ['gpt-4o-mini'] }), AT)!), ['gpt-4o-mini']);
  });

  it("reads the key's team where the key may; the stricter limit binds, with its reset", async () => {
    const { get, asked } = gateway({
      '/key/info': keyInfo({ team_id: 'team-a' }),
      '/team/info?team_id=team-a': teamInfo,
    });
    const status = (await readGatewayStatus('litellm', get, now))!;
    assert.deepEqual(asked, ['/key/info', '/team/info?team_id=team-a']);
    assert.equal(status.team?.name, 'Platform');
    assert.equal(gatewayRemaining(status), 20);
    assert.equal(gatewayResetAt(status), Date.parse('2026-12-31T00:00:00Z'));
    // The key lists no models of its own: its team's list applies.
    assert.deepEqual(gatewayModels(status), ['gpt-4o-mini', 'claude-haiku-4-5']);
  });

  it('degrades quietly: no /key/info (an older LiteLLM), or a team the key may not read', async () => {
    assert.equal(await readGatewayStatus('litellm', gateway({}).get, now), undefined);
    const denied = () => {
      throw new ProviderError('invalid_credentials', 'LiteLLM rejected the API key (401)', { status: 401 });
    };
    const status = await readGatewayStatus(
      'litellm',
      gateway({ '/key/info': keyInfo({ team_id: 'team-a' }), '/team/info?team_id=team-a': denied }).get,
      now,
    );
    assert.equal(status?.team, undefined);
    assert.equal(gatewayRemaining(status!), 58.8);
  });

  it('a refused key (over budget, expired) rejects: the refusal is the signal', async () => {
    const spent = () => {
      throw new ProviderError('quota_exceeded', 'LiteLLM refused the request: the budget …', { status: 400 });
    };
    await assert.rejects(readGatewayStatus('litellm', gateway({ '/key/info': spent }).get, now), /budget/);
  });

  it("OpenRouter: the key's limit, usage, what is left and its period", async () => {
    const { get, asked } = gateway({
      '/key': {
        data: {
          label: 'sk-or-v1-au7...890',
          limit: 100,
          usage: 25.5,
          limit_remaining: 74.5,
          limit_reset: 'monthly',
          is_free_tier: false,
          usage_daily: 1.5,
          usage_monthly: 25.5,
        },
      },
    });
    const status = (await readGatewayStatus('openrouter', get, now))!;
    assert.deepEqual(asked, ['/key']);
    assert.deepEqual(status.key, {
      spentUsd: 25.5,
      limitUsd: 100,
      remainingUsd: 74.5,
      resetAt: undefined,
      period: 'monthly',
      name: 'sk-or-v1-au7...890',
      expiresAt: undefined,
      freeTier: false,
    });
    // A limit that resets counts the period's usage, not everything the key ever spent.
    const monthly = readOpenRouterKey(
      { data: { limit: 100, usage: 250, usage_monthly: 25.5, limit_remaining: 74.5, limit_reset: 'monthly' } },
      AT,
    )!;
    assert.deepEqual([monthly.key.spentUsd, monthly.key.remainingUsd], [25.5, 74.5]);
    // No limit: nothing to hold the key to, whatever limit_remaining claims.
    const unlimited = readOpenRouterKey({ data: { limit: null, usage: 3, limit_remaining: 5 } }, AT)!;
    assert.equal(gatewayRemaining(unlimited), undefined);
    // A remainder the other figures contradict is not believed: the lower one holds.
    assert.equal(readOpenRouterKey({ data: { limit: 10, usage: 3, limit_remaining: 1e9 } }, AT)!.key.remainingUsd, 7);
    assert.equal(readOpenRouterKey({ data: { limit: 10, usage: 3, limit_remaining: 2 } }, AT)!.key.remainingUsd, 2);
  });
});

describe('gateway budget, enforced before sending', () => {
  const serve = useServers();
  const PRICES = { input: 2, output: 8 }; // per million tokens
  const USAGE = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 };
  const ask = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };

  function setup(server: LoopbackServer, remaining: number, spentAtRead = 0) {
    const clock = new ManualClock();
    const ledger = new UsageLedger(new MemoryKeyValueStore(), clock);
    const reading = {
      status: readOpenRouterKey({ data: { limit: 100, usage: 100 - remaining } }, clock.now())!,
      monthSpentAtRead: spentAtRead,
    };
    const guard = new BudgetGuard(
      () => [gatewayBudget('team', 'LiteLLM', reading, 'stop', clock.now(), reading.monthSpentAtRead)!],
      ledger,
      () => clock.now(),
    );
    const provider = metered(createProvider({ type: 'openai-compatible', baseUrl: server.url }), {
      providerId: 'team',
      type: 'openai-compatible',
      pricing: () => ({ catalogIds: [], overrides: PRICES }),
      maxOutputTokens: () => 4096,
      ledger,
      guard,
      surface: 'chat',
      clock,
    });
    const record = (usd: number) =>
      ledger.record({
        at: clock.now(),
        providerId: 'team',
        modelId: 'gpt-4o',
        usage: { inputTokens: 0, outputTokens: 0 },
        cost: { basis: 'reported', usd },
        surface: 'chat',
        outcome: 'ok',
      });
    return { provider, record, ledger };
  }

  it('a spent gateway credit stops the request before anything is sent, naming the gateway', async () => {
    const server = await serve((_req, res) => sse(res, dataEvents([textDelta('x'), usageChunk(USAGE), '[DONE]'])));
    const { provider } = setup(server, 0);
    const { error } = await collectUntilError(provider.chat(ask));
    assert.deepEqual([error.kind, error.code], ['quota_exceeded', 'budget_stop']);
    assert.match(error.message, /would exceed the LiteLLM key's remaining credit: \$0 left/);
    assert.equal(server.requests.length, 0);
  });

  it("what this machine spent since the read counts against the gateway's figure", async () => {
    const server = await serve((_req, res) => sse(res, dataEvents([textDelta('x'), usageChunk(USAGE), '[DONE]'])));
    // $0.02 left at the read, when this machine had spent $5 this month; it has spent $0.015 since.
    const { provider, record } = setup(server, 0.02, 5);
    record(5.015);
    await collect(provider.chat(ask));
    const sent = JSON.parse(server.requests[0]!.body) as { max_tokens: number };
    // $0.005 left: about 625 output tokens at $8 per million.
    assert.ok(sent.max_tokens > 600 && sent.max_tokens <= 625, String(sent.max_tokens));
  });

  it('twenty requests at once never promise more than the gateway said was left', async () => {
    let open = 0;
    const server = await serve(async (_req, res) => {
      open++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      await sse(
        res,
        dataEvents([textDelta('x'), usageChunk({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }), '[DONE]']),
      );
    });
    const { provider } = setup(server, 0.05);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => collect(provider.chat({ ...ask, maxTokens: 2000 }))),
    );
    const promised = server.requests.reduce(
      (sum, request) => sum + (JSON.parse(request.body) as { max_tokens: number }).max_tokens * 8e-6,
      0,
    );
    assert.ok(promised <= 0.05 + 1e-9, `worst cases sent: $${promised}`);
    assert.ok(results.some((result) => result.status === 'rejected'));
    assert.ok(open > 0);
  });
});

describe('gateway budget across a month boundary', () => {
  const read = new Date(2026, 0, 31, 23, 0).getTime();
  const status = readOpenRouterKey({ data: { limit: 100, usage: 90 } }, read)!;
  it("what was spent after the read in the read's month comes off the remainder; this month's counts in full", () => {
    const february = new Date(2026, 1, 1, 0, 1).getTime();
    // $10 left at 23:00 with $4 spent in January by then; $9 more spent before midnight.
    const budget = gatewayBudget('team', 'OpenRouter', { status, monthSpentAtRead: 4 }, 'stop', february, 13)!;
    assert.equal(budget.limitUsd, 1);
    // Spent past the remainder: nothing left, never a negative limit.
    assert.equal(
      gatewayBudget('team', 'OpenRouter', { status, monthSpentAtRead: 4 }, 'stop', february, 30)!.limitUsd,
      0,
    );
    // The same month: the limit is the remainder plus what the ledger had counted at the read.
    assert.equal(
      gatewayBudget('team', 'OpenRouter', { status, monthSpentAtRead: 4 }, 'stop', read + 60_000, 13)!.limitUsd,
      14,
    );
  });
});

describe('gateway routes', () => {
  it("LiteLLM's management routes hang off the proxy's root; OpenRouter's key route off /api/v1", () => {
    assert.equal(gatewayUrl('litellm', 'http://127.0.0.1:4000/v1/', '/key/info'), 'http://127.0.0.1:4000/key/info');
    assert.equal(gatewayUrl('litellm', 'http://127.0.0.1:4000', '/spend/logs'), 'http://127.0.0.1:4000/spend/logs');
    assert.equal(gatewayUrl('openrouter', 'https://openrouter.ai/api/v1', '/key'), 'https://openrouter.ai/api/v1/key');
  });
});
