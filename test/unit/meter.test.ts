import assert from 'node:assert/strict';
import { type ProviderError } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { BudgetGuard, budgetSchema, type Budget, type UnknownPricePolicy } from '../../src/core/cost/budgets';
import { UsageLedger } from '../../src/core/cost/ledger';
import { metered, type MeterOptions, type UnknownPriceQuestion } from '../../src/core/cost/meter';
import type { UsageRecord } from '../../src/core/cost/ledgerTotals';
import { collect, collectUntilError, useServers } from '../support/chat';
import { dataEvents, json, sse, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import { MemoryKeyValueStore } from '../support/memoryStores';
import { finishChunk, textDelta, usageChunk } from '../fixtures/openaiWire';

const PRICES = { input: 2, output: 8 }; // per million tokens
const USAGE = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 };

function setup(
  server: LoopbackServer,
  budgets: Budget[] = [],
  confirmOverBudget?: MeterOptions['confirmOverBudget'],
  contextWindow?: number,
) {
  const clock = new ManualClock();
  const warnings: string[] = [];
  const ledger = new UsageLedger(new MemoryKeyValueStore(), clock);
  const guard = new BudgetGuard(
    () => budgets,
    ledger,
    () => clock.now(),
  );
  const provider = metered(createProvider({ type: 'openai-compatible', baseUrl: server.url }), {
    providerId: 'local',
    type: 'openai-compatible',
    pricing: () => ({ catalogIds: [], overrides: PRICES }),
    maxOutputTokens: () => 4096,
    ledger,
    guard,
    surface: 'chat',
    clock,
    confirmOverBudget,
    contextWindow: () => contextWindow,
    onSuspectUsage: (message) => warnings.push(message),
  });
  const today = () => new Date(clock.now()).toLocaleDateString('sv-SE');
  const totals = () => ledger.totals({ from: today(), to: today() }).get('all');
  let records = 0;
  ledger.onDidRecord(() => records++);
  /** Waits for `count` records (recording finishes after the last event) and the reservations' release. */
  const settled = async (count = 1) => {
    for (let i = 0; i < 400 && (records < count || ledger.reservedUsd() > 0); i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(records, count, 'records');
  };
  return { clock, ledger, guard, provider, totals, settled, warnings };
}

const budget = (limitUsd: number, mode: Budget['mode'] = 'stop') =>
  budgetSchema.parse({ id: 'daily', scope: { kind: 'overall' }, period: 'daily', limitUsd, mode });
const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('metered requests', () => {
  const serve = useServers();

  it('a usage report beyond belief is priced from counted tokens, marked suspect, and logged once', async () => {
    // Whole numbers the adapter accepts, but no request is two billion tokens, or twice a 8,192-token window.
    const cases: Array<[Record<string, unknown>, number | undefined]> = [
      [{ prompt_tokens: 2_000_000_000, completion_tokens: 5, total_tokens: 2_000_000_005 }, undefined],
      [{ prompt_tokens: 17_000, completion_tokens: 5, total_tokens: 17_005 }, 8_192],
      [{ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost: 50_000 }, undefined],
    ];
    for (const [reported, window] of cases) {
      const server = await serve((_req, res) =>
        sse(res, dataEvents([textDelta('Hello there'), finishChunk('stop'), usageChunk(reported), '[DONE]'])),
      );
      const { provider, totals, settled, warnings } = setup(server, [], undefined, window);
      const events = await collect(provider.chat(ask));
      await settled();
      const recorded = totals()!;
      // What the chat's footer is handed is what the ledger records, not the provider's figures.
      const passedOn = events.find((event) => event.type === 'usage');
      assert.deepEqual(
        passedOn?.type === 'usage' && [passedOn.usage.inputTokens, passedOn.usage.outputTokens, passedOn.usage.costUsd],
        [recorded.inputTokens, recorded.outputTokens, undefined],
      );
      assert.deepEqual(
        [recorded.requests, recorded.suspectRequests, recorded.estimatedRequests, warnings.length],
        [1, 1, 1, 1],
        JSON.stringify(reported),
      );
      assert.ok(
        recorded.inputTokens < 100 && recorded.usd > 0 && recorded.usd < 0.001,
        `${JSON.stringify(reported)}: ${recorded.inputTokens} tokens, $${recorded.usd}`,
      );
      assert.match(warnings[0]!, /usage report not used/);
    }
    // Within twice the window: believed.
    const server = await serve((_req, res) =>
      sse(
        res,
        dataEvents([
          textDelta('x'),
          usageChunk({ prompt_tokens: 16_000, completion_tokens: 5, total_tokens: 16_005 }),
          '[DONE]',
        ]),
      ),
    );
    const { provider, totals, settled, warnings } = setup(server, [], undefined, 8_192);
    await collect(provider.chat(ask));
    await settled();
    assert.deepEqual([totals()?.inputTokens, totals()?.suspectRequests, warnings.length], [16_000, 0, 0]);
  });

  it('negative, non-finite or quoted counts never drive spend below zero or to nothing: the request is estimated', async () => {
    const bad: Array<Record<string, unknown>> = [
      { prompt_tokens: -1_000_000, completion_tokens: 5, total_tokens: -999_995 },
      { prompt_tokens: '1000', completion_tokens: '5', total_tokens: '1005' },
      { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost: -20 },
    ];
    for (const reported of bad) {
      const server = await serve((_req, res) =>
        sse(res, dataEvents([textDelta('Hello there'), finishChunk('stop'), usageChunk(reported), '[DONE]'])),
      );
      const { provider, totals, settled, ledger, clock } = setup(server);
      await collect(provider.chat(ask));
      await settled();
      const recorded = totals()!;
      assert.ok(recorded.usd > 0, `${JSON.stringify(reported)}: $${recorded.usd}`);
      assert.ok(ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now()) > 0);
      assert.equal(recorded.inputTokens >= 0 && Number.isFinite(recorded.usd), true);
    }
  });

  it('records each request with the cost of the usage the provider reported', async () => {
    const server = await serve((_req, res) =>
      sse(res, dataEvents([textDelta('Hello'), finishChunk('stop'), usageChunk(USAGE), '[DONE]'])),
    );
    const { provider, totals, settled } = setup(server);
    await collect(provider.chat(ask));
    await settled();
    const recorded = totals();
    assert.equal(recorded?.requests, 1);
    assert.ok(Math.abs(recorded.usd - (1000 * 2 + 500 * 8) / 1e6) < 1e-12, String(recorded?.usd));
    assert.equal(recorded?.estimatedRequests, 0);
  });

  it('a cost the provider reported is what the budgets count, kept beside the list price of the same request', async () => {
    // OpenRouter's final chunk: its usage says what it billed. At the list price: 1000 × $2 + 500 × $8 per million = $0.006.
    const server = await serve((_req, res) =>
      sse(res, dataEvents([textDelta('Hello'), finishChunk('stop'), usageChunk({ ...USAGE, cost: 0.0063 }), '[DONE]'])),
    );
    const { provider, ledger, clock, totals, settled } = setup(server);
    await collect(provider.chat(ask));
    await settled();
    const recorded = totals()!;
    assert.deepEqual(
      [recorded.requests, recorded.failedAttempts, recorded.comparedRequests, recorded.usd],
      [1, 0, 1, 0.0063],
    );
    assert.equal(recorded.reportedUsd, 0.0063);
    assert.ok(Math.abs(recorded.computedUsd - 0.006) < 1e-12, String(recorded.computedUsd));
    assert.equal(ledger.spentUsd({ kind: 'overall' }, 'daily', clock.now()), 0.0063);
  });

  it("caps the request's output to what the budget has left", async () => {
    const server = await serve((_req, res) => sse(res, dataEvents([textDelta('x'), usageChunk(USAGE), '[DONE]'])));
    // $0.01: the prompt (~5 tokens) costs ~$0.00001; ~1,248 output tokens at $8 per million fit.
    const { provider } = setup(server, [budget(0.01)]);
    await collect(provider.chat(ask));
    const sent = JSON.parse(server.requests[0]!.body) as { max_tokens: number };
    assert.ok(sent.max_tokens > 1000 && sent.max_tokens < 1250, String(sent.max_tokens));
  });

  it('refuses a request the budget cannot cover, before sending anything', async () => {
    const server = await serve((_req, res) => sse(res, dataEvents([textDelta('x'), usageChunk(USAGE), '[DONE]'])));
    const { provider, ledger, clock } = setup(server, [budget(0.001)]);
    ledger.record({
      at: clock.now(),
      providerId: 'local',
      modelId: 'm',
      usage: { inputTokens: 0, outputTokens: 0 },
      cost: { basis: 'computed', usd: 0.001 },
      surface: 'chat',
      outcome: 'ok',
    });
    const { error } = await collectUntilError(provider.chat(ask));
    assert.deepEqual([error.kind, error.code], ['quota_exceeded', 'budget_stop']);
    assert.match(error.message, /would exceed the daily budget of \$0\.0010: \$0 left/);
    assert.equal(server.requests.length, 0);
  });

  it('a stream with no usage is recorded as estimated from counted tokens, never as $0', async () => {
    const server = await serve((_req, res) =>
      sse(res, dataEvents([textDelta('Hello there, how are you today?'), finishChunk('stop'), '[DONE]'])),
    );
    const { provider, totals, settled } = setup(server);
    await collect(provider.chat(ask));
    await settled();
    const recorded = totals();
    assert.equal(recorded?.estimatedRequests, 1);
    assert.ok(recorded.outputTokens > 0 && recorded.inputTokens > 0 && recorded.usd > 0, JSON.stringify(recorded));
  });

  it('a cancelled request is recorded once, from what arrived, and its reservation released', async () => {
    const server = await serve((_req, res) => sse(res, dataEvents([textDelta('Partial answer')]), { hang: true }));
    const { provider, totals, ledger, settled } = setup(server, [budget(100)]);
    const controller = new AbortController();
    const { error } = await collectUntilError(
      (async function* () {
        for await (const event of provider.chat(ask, { signal: controller.signal })) {
          if (event.type === 'text') controller.abort();
          yield event;
        }
      })(),
    );
    assert.equal(error.kind, 'cancelled');
    await settled();
    assert.equal(ledger.reservedUsd(), 0);
    // Not answered: a failed attempt, apart from the requests, still priced from what arrived.
    assert.deepEqual([totals()?.requests, totals()?.failedAttempts, totals()?.estimatedRequests], [0, 1, 1]);
  });

  it('a request given up before it started records nothing; a cost is booked when the request was admitted', async () => {
    const server = await serve((_req, res) => sse(res, dataEvents([textDelta('x'), usageChunk(USAGE), '[DONE]'])));
    const { provider, ledger, clock, settled } = setup(server);
    const seen: number[] = [];
    ledger.onDidRecord((record) => seen.push(record.at));
    await provider.chat(ask)[Symbol.asyncIterator]().return?.();
    const admittedAt = clock.now();
    const iterator = provider.chat(ask)[Symbol.asyncIterator]();
    await iterator.next();
    // The answer ends a day later (say, just after midnight): it still belongs to the day it started.
    clock.advance(86_400_000);
    while (!(await iterator.next()).done);
    await settled();
    assert.deepEqual(seen, [admittedAt]);
  });

  it('a failed request is recorded with its outcome and no cost', async () => {
    const server = await serve((_req, res) => json(res, 500, { error: { message: 'boom', type: 'server_error' } }));
    const { provider, totals, ledger, settled } = setup(server, [budget(100)]);
    await collectUntilError(provider.chat(ask));
    await settled();
    assert.deepEqual([totals()?.requests, totals()?.failedAttempts, totals()?.usd, ledger.reservedUsd()], [0, 1, 0, 0]);
  });

  it("an 'ask' budget in the way is asked about: yes sends the request with its own cap, no refuses it unsent", async () => {
    const server = await serve((_req, res) => sse(res, dataEvents([textDelta('x'), usageChunk(USAGE), '[DONE]'])));
    const questions: string[] = [];
    let answer = false;
    const { provider, settled } = setup(server, [budget(0.01, 'ask')], (message) => {
      questions.push(message);
      return Promise.resolve(answer);
    });
    const refused = await collectUntilError(provider.chat({ ...ask, maxTokens: 4000 }));
    assert.deepEqual(
      [refused.error.kind, refused.error.code, server.requests.length],
      ['quota_exceeded', 'budget_ask', 0],
    );
    answer = true;
    await collect(provider.chat({ ...ask, maxTokens: 4000 }));
    // The refused request was never sent, so only the second is recorded.
    await settled(1);
    assert.equal((JSON.parse(server.requests[0]!.body) as { max_tokens: number }).max_tokens, 4000, 'not cut to fit');
    assert.equal(questions.length, 2);
    assert.match(questions[0]!, /would exceed the daily budget of \$0\.01/);
  });

  it('twenty at once against a small budget: even when every answer uses all it was allowed, spend stays inside', async () => {
    // The worst case every time: the answer is exactly as long as the cap the budget gave it.
    const server = await serve((req, res) => {
      const allowed = (JSON.parse(req.body) as { max_tokens: number }).max_tokens;
      return sse(
        res,
        dataEvents([
          textDelta('x'),
          usageChunk({ prompt_tokens: 5, completion_tokens: allowed, total_tokens: 5 + allowed }),
          '[DONE]',
        ]),
      );
    });
    const { provider, totals, ledger, settled } = setup(server, [budget(0.05)]);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        collect(provider.chat({ ...ask, maxTokens: 1000 })).then(
          () => 'ok',
          (error: ProviderError) => error.code,
        ),
      ),
    );
    await settled(results.filter((result) => result === 'ok').length);
    assert.ok(results.includes('budget_stop') && results.includes('ok'), results.join(','));
    assert.ok((totals()?.usd ?? 0) <= 0.05 + 1e-9, String(totals()?.usd));
    assert.equal(ledger.reservedUsd(), 0);
  });

  describe('a model nobody knows the price of', () => {
    const NEW_MODEL = 'gpt-4.1-mini-2026-11-30';
    const newModel = { model: NEW_MODEL, messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 1000 };
    // 1,000,000 prompt and 1,000,000 completion tokens: $0.40 + $1.60 at gpt-4.1-mini's price.
    const MILLION = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 };

    function unknownSetup(
      server: LoopbackServer,
      budgets: Budget[],
      policy: UnknownPricePolicy,
      options: Partial<MeterOptions> = {},
    ) {
      const clock = new ManualClock();
      const ledger = new UsageLedger(new MemoryKeyValueStore(), clock);
      const guard = new BudgetGuard(
        () => budgets,
        ledger,
        () => clock.now(),
        { unknownPrice: () => policy },
      );
      const overrides: { prices?: { input: number; output: number } } = {};
      const records: UsageRecord[] = [];
      const logged: string[] = [];
      ledger.onDidRecord((record) => records.push(record));
      const provider = metered(createProvider({ type: 'openai', baseUrl: server.url, apiKey: 'sk-test' }), {
        providerId: 'openai',
        type: 'openai',
        pricing: () => ({ catalogIds: ['openai'], closest: true, overrides: overrides.prices }),
        ledger,
        guard,
        surface: 'chat',
        clock,
        onUnpriced: (message) => logged.push(message),
        ...options,
      });
      /** The last record, once there are `count` of them and nothing is reserved. */
      const recorded = async (count = 1) => {
        for (let i = 0; i < 400 && (records.length < count || ledger.reservedUsd() > 0); i++)
          await new Promise((resolve) => setTimeout(resolve, 5));
        return records.at(-1);
      };
      return { provider, overrides, recorded, logged, records };
    }
    const answered = () =>
      serve((_req, res) => sse(res, dataEvents([textDelta('Hi'), finishChunk('stop'), usageChunk(MILLION), '[DONE]'])));

    it('is recorded as estimated, with the model it was estimated from, without any budget', async () => {
      const server = await answered();
      const { provider, recorded } = unknownSetup(server, [], 'block');
      await collect(provider.chat(newModel));
      const record = await recorded();
      assert.deepEqual(record && { ...record.cost, usd: Math.round(record.cost.usd! * 1e9) / 1e9 }, {
        basis: 'estimated',
        usd: 2,
        estimatedFrom: 'gpt-4.1-mini',
      });
    });

    it('asked about: a typed price prices the request; allowing sends it at the estimate; cancelling sends nothing', async () => {
      const server = await answered();
      const questions: UnknownPriceQuestion[] = [];
      let answer: 'priced' | 'allowed' | undefined;
      const allowed = new Set<string>();
      const { provider, overrides, recorded, records } = unknownSetup(server, [budget(100)], 'ask', {
        unknownPriceAllowed: (modelId) => allowed.has(modelId),
        askUnknownPrice: (question) => {
          questions.push(question);
          if (answer === 'priced') overrides.prices = { input: 1, output: 3 };
          if (answer === 'allowed') allowed.add(question.modelId);
          return Promise.resolve(answer);
        },
      });
      const cancelled = await collectUntilError(provider.chat(newModel));
      assert.deepEqual(
        [cancelled.error.code, cancelled.error.message, server.requests.length, records.length],
        ['budget_unknown_price', `Not sent: ${NEW_MODEL} has no known price.`, 0, 0],
      );
      assert.deepEqual(
        { ...questions[0], message: undefined, budget: undefined },
        {
          providerId: 'openai',
          modelId: NEW_MODEL,
          estimatedFrom: 'gpt-4.1-mini',
          suggested: { input: 0.4, output: 1.6 },
          message: undefined,
          budget: undefined,
        },
      );

      answer = 'allowed';
      await collect(provider.chat(newModel));
      assert.equal(Math.round((await recorded(1))!.cost.usd! * 1e9), 2e9, 'counted at the estimate: $2');
      assert.equal((await recorded(1))!.cost.estimatedFrom, 'gpt-4.1-mini');
      // Allowed once, not asked again.
      await collect(provider.chat(newModel));
      assert.deepEqual([questions.length, server.requests.length], [2, 2]);

      allowed.clear();
      answer = 'priced';
      await collect(provider.chat(newModel));
      const priced = await recorded(3);
      // The typed price: $1 in and $3 out per million, computed, not estimated.
      assert.deepEqual([priced?.cost.basis, priced?.cost.usd, questions.length], ['computed', 4, 3]);
    });

    it('where nobody can be asked, it is refused, saying how to set the price; a switch budget moves on', async () => {
      const server = await answered();
      const { provider } = unknownSetup(server, [budget(100)], 'ask');
      const { error } = await collectUntilError(provider.chat(newModel));
      assert.equal(error.code, 'budget_unknown_price');
      assert.match(error.message, /^gpt-4\.1-mini-2026-11-30 has no known price .*cannot be kept without asking you\./);
      const switching = unknownSetup(server, [budget(100, 'switch')], 'block');
      assert.equal((await collectUntilError(switching.provider.chat(newModel))).error.code, 'budget_switch');
      assert.equal(server.requests.length, 0);
    });

    it('an ask budget used up and waived ("send anyway") still holds the price rule: an unpriced model is not sent', async () => {
      const server = await answered();
      const confirmed: string[] = [];
      const { provider, recorded } = unknownSetup(server, [budget(1, 'ask')], 'block', {
        confirmOverBudget: (message) => {
          confirmed.push(message);
          return Promise.resolve(true);
        },
      });
      // $2 at gpt-4.1-mini's price, past the $1 budget after a "send anyway".
      await collect(provider.chat({ ...newModel, model: 'gpt-4.1-mini' }));
      await recorded();
      const { error } = await collectUntilError(provider.chat({ ...newModel, model: 'my-finetune' }));
      assert.equal(error.code, 'budget_unknown_price');
      assert.equal(server.requests.length, 1, 'the unpriced model was not sent');
      assert.match(confirmed.at(-1) ?? '', /would exceed the daily budget of \$1\.00: \$0 left/);
    });

    it('allow without any similar model: sent, counted at $0 as unpriced, and said once', async () => {
      const server = await answered();
      const { provider, recorded, logged } = unknownSetup(server, [budget(100)], 'allow');
      await collect(provider.chat({ ...newModel, model: 'my-finetune' }));
      assert.deepEqual((await recorded())?.cost, { basis: 'unknown' });
      assert.deepEqual(logged, [
        'openai my-finetune has no known price and no similar model to estimate it from: sent under your budget and counted at $0',
      ]);
    });
  });
});
