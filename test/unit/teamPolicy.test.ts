// A team's policy in .vscode/switchboard.json acts as a ceiling: its budget beside the user's (the
// stricter wins), its model list, and OpenRouter's data policy, which a user may tighten, never loosen.
import assert from 'node:assert/strict';
import { type ChatRequest } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { BudgetGuard, budgetSchema, type Budget } from '../../src/core/cost/budgets';
import { UsageLedger } from '../../src/core/cost/ledger';
import { metered } from '../../src/core/cost/meter';
import {
  effectiveDataPolicy,
  policyAllows,
  teamBudgets,
  teamPolicy,
  withDataPolicy,
} from '../../src/core/registry/teamPolicy';
import { describeIssues } from '../../src/core/registry/schema';
import { collect, collectUntilError, useServers } from '../support/chat';
import { dataEvents, sse } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import { MemoryKeyValueStore } from '../support/memoryStores';
import { textDelta, usageChunk } from '../fixtures/openaiWire';

const serve = useServers();

describe('team policy', () => {
  const policy = teamPolicy.parse({
    openrouter: {
      allowedModels: ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4.5'],
      budget: { limitUsd: 1, period: 'daily' },
      dataPolicy: { denyDataCollection: true },
    },
  });

  it('is checked field by field, naming what is wrong', () => {
    const bad = teamPolicy.safeParse({
      openrouter: { budget: { limitUsd: -1, period: 'weekly' }, allowedModels: [], apiKey: 'sk-or-v1-x' },
    });
    assert.ok(!bad.success);
    const issues = describeIssues(bad.error).join('\n');
    assert.match(issues, /openrouter\.budget\.limitUsd/);
    assert.match(issues, /openrouter\.budget\.period/);
    assert.match(issues, /openrouter\.allowedModels/);
    assert.match(issues, /apiKey/);
  });

  it('allows the listed models only, and every model of a provider it does not list', () => {
    assert.equal(policyAllows(policy, 'openrouter', 'openai/gpt-4o-mini'), true);
    assert.equal(policyAllows(policy, 'openrouter', 'openai/gpt-4o'), false);
    assert.equal(policyAllows(policy, 'openai', 'gpt-4o'), true);
  });

  it('the team budget applies beside the user’s own: the stricter refuses, and says it is the team’s', async () => {
    const server = await serve((_req, res) =>
      sse(
        res,
        dataEvents([textDelta('x'), usageChunk({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }), '[DONE]']),
      ),
    );
    const clock = new ManualClock();
    const ledger = new UsageLedger(new MemoryKeyValueStore(), clock);
    const mine: Budget = budgetSchema.parse({
      id: 'mine',
      scope: { kind: 'overall' },
      period: 'daily',
      limitUsd: 5,
      mode: 'stop',
    });
    const guard = new BudgetGuard(
      () => [mine, ...teamBudgets(policy, () => 'OpenRouter')],
      ledger,
      () => clock.now(),
    );
    const provider = metered(createProvider({ type: 'openai-compatible', baseUrl: server.url }), {
      providerId: 'openrouter',
      type: 'openai-compatible',
      pricing: () => ({ catalogIds: [], overrides: { input: 2, output: 8 } }),
      maxOutputTokens: () => 4096,
      ledger,
      guard,
      surface: 'chat',
      clock,
    });
    ledger.record({
      at: clock.now(),
      providerId: 'openrouter',
      modelId: 'openai/gpt-4o-mini',
      usage: { inputTokens: 0, outputTokens: 0 },
      cost: { basis: 'reported', usd: 1 },
      surface: 'chat',
      outcome: 'ok',
    });
    const request: ChatRequest = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
    const { error } = await collectUntilError(provider.chat(request));
    assert.equal(error.kind, 'quota_exceeded');
    assert.match(error.message, /team's daily OpenRouter budget of \$1\.00 \(\.vscode\/switchboard\.json\)/);
    assert.equal(server.requests.length, 0);
  });

  it('a data policy can be tightened by the user, never loosened', () => {
    assert.deepEqual(effectiveDataPolicy({ denyDataCollection: true }, { denyDataCollection: false }), {
      denyDataCollection: true,
      zeroDataRetention: false,
    });
    assert.deepEqual(effectiveDataPolicy({ denyDataCollection: true }, { zeroDataRetention: true }), {
      denyDataCollection: true,
      zeroDataRetention: true,
    });
    assert.deepEqual(effectiveDataPolicy(undefined, undefined), {
      denyDataCollection: false,
      zeroDataRetention: false,
    });
  });

  it('reaches the wire as OpenRouter’s provider preferences, over a model’s own extra body', async () => {
    const server = await serve((_req, res) => sse(res, dataEvents([textDelta('x'), '[DONE]'])));
    const provider = createProvider({ type: 'openai-compatible', baseUrl: `${server.url}/api/v1`, name: 'OpenRouter' });
    // A model's extra body that asks to allow collection and names a provider order keeps the order only.
    const extraBody = withDataPolicy(
      { provider: { data_collection: 'allow', order: ['anthropic'] } },
      effectiveDataPolicy({ denyDataCollection: true }, { zeroDataRetention: true }),
    );
    await collect(
      provider.chat({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        providerOptions: { extraBody },
      }),
    );
    const sent = JSON.parse(server.requests[0]!.body) as { provider: unknown };
    assert.deepEqual(sent.provider, { data_collection: 'deny', order: ['anthropic'], zdr: true });
    assert.deepEqual(withDataPolicy({ a: 1 }, { denyDataCollection: false, zeroDataRetention: false }), { a: 1 });
  });
});
