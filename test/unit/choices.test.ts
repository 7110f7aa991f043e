import assert from 'node:assert/strict';
import { findTemplate, modelFacts, ProviderError } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { BudgetGuard, budgetSchema } from '../../src/core/cost/budgets';
import {
  ASSUMED_REQUEST,
  costChange,
  costPerRequest,
  describeTypical,
  typicalRequest,
  type TypicalRequest,
} from '../../src/core/cost/costDifference';
import { UsageLedger } from '../../src/core/cost/ledger';
import type { UsageRecord } from '../../src/core/cost/ledgerTotals';
import { metered } from '../../src/core/cost/meter';
import { capOutput, softCapWarning, TOKEN_CAP_CODE, tokenCapSchema } from '../../src/core/cost/tokenCaps';
import { recommend, requestsPerDay, type Candidate } from '../../src/core/recommend';
import { finishChunk, textDelta, usageChunk } from '../fixtures/openaiWire';
import { collect, collectUntilError, useServers } from '../support/chat';
import { dataEvents, sse } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import { MemoryKeyValueStore } from '../support/memoryStores';

const record = (inputTokens: number, outputTokens: number, extra: Partial<UsageRecord> = {}) =>
  ({ usage: { inputTokens, outputTokens }, outcome: 'ok', surface: 'chat', ...extra }) as const;

/** The facts every surface shows, from the catalog (OpenAI's template), the user's values, or a local server's. */
const facts = (modelId: string, options: { template?: string; user?: Parameters<typeof modelFacts>[0]['user'] } = {}) =>
  modelFacts({
    type: options.template === 'ollama' ? 'ollama' : 'openai',
    template: findTemplate(options.template ?? 'openai'),
    modelId,
    ...(options.user ? { user: options.user } : {}),
  });

const history = (inputTokens: number, outputTokens: number): TypicalRequest => ({
  inputTokens,
  outputTokens,
  from: 'history',
  requests: 10,
});

describe('choices that show their cost', () => {
  describe('the typical request', () => {
    it('is the median of the last answered requests, tests and failures left out', () => {
      const typical = typicalRequest([
        record(100_000, 10), // one huge paste does not move a median
        record(1_000, 200),
        record(1_200, 300),
        record(1_400, 400),
        record(5, 1, { surface: 'connection-test' }),
        record(9_000, 0, { outcome: 'error' }),
      ]);
      assert.deepEqual(typical, { inputTokens: 1_300, outputTokens: 250, from: 'history', requests: 4 });
      assert.equal(describeTypical(typical), 'from your last 4 requests (typically 1,300 tokens in, 250 out)');
    });

    it('is a stated assumption with too little history, and says so', () => {
      const typical = typicalRequest([record(1_000, 200), record(5, 1, { surface: 'connection-test' })]);
      assert.deepEqual(typical, { ...ASSUMED_REQUEST, from: 'assumed', requests: 0 });
      assert.match(describeTypical(typical), /^for a request of 2,000 tokens in, 500 out \(assumed: fewer than 3/);
    });

    it('takes only the most recent 50', () => {
      const old = Array.from({ length: 60 }, () => record(10_000, 1_000));
      const recent = Array.from({ length: 50 }, () => record(500, 50));
      assert.deepEqual(typicalRequest([...old, ...recent]).inputTokens, 500);
    });
  });

  describe('the difference per answer', () => {
    it('prices a typical request from the model facts: catalog, the user’s own price, free local, unknown', async () => {
      const typical = history(2_000, 500);
      assert.equal(costPerRequest((await facts('gpt-4o')).price, typical), 0.01);
      assert.equal(
        costPerRequest((await facts('mine', { user: { prices: { input: 1, output: 2 } } })).price, typical),
        0.003,
      );
      assert.equal(costPerRequest((await facts('llama3.2', { template: 'ollama' })).price, typical), 0);
      assert.equal(costPerRequest({ source: 'unknown' }, typical), undefined);
    });

    it('says how much more a pricier model costs per answer, and that it crosses the ratio', async () => {
      const change = costChange(
        { name: 'gpt-4o-mini', price: (await facts('gpt-4o-mini')).price },
        { name: 'gpt-4o', price: (await facts('gpt-4o')).price },
        history(2_000, 500),
        3,
      );
      // $2.50/$10 against $0.15/$0.60 per million: $0.01 against $0.0006.
      assert.equal(change.text, 'about $0.0094 more per answer than gpt-4o-mini ($0.01 instead of $0.0006, 17×)');
      assert.ok(change.beyondRatio);
      assert.ok(Math.abs(change.ratio! - 16.67) < 0.01);
    });

    it('says how much less a cheaper one costs, and does not ask', async () => {
      const change = costChange(
        { name: 'gpt-4o', price: (await facts('gpt-4o')).price },
        { name: 'gpt-4o-mini', price: (await facts('gpt-4o-mini')).price },
        history(20_000, 1_000),
        3,
      );
      assert.equal(change.text, 'about $0.06 less per answer than gpt-4o ($0.0036 instead of $0.06)');
      assert.equal(change.beyondRatio, false);
    });

    it('within the ratio it only tells; at the same price it says so', async () => {
      const from = { name: 'a', price: (await facts('a', { user: { prices: { input: 1, output: 1 } } })).price };
      const double = { name: 'b', price: (await facts('b', { user: { prices: { input: 2, output: 2 } } })).price };
      const change = costChange(from, double, history(1_000, 1_000), 3);
      assert.deepEqual([change.ratio, change.beyondRatio], [2, false]);
      assert.equal(change.text, 'about $0.0020 more per answer than a ($0.0040 instead of $0.0020, 2.0×)');
      assert.equal(
        costChange(double, double, history(1_000, 1_000), 3).text,
        'about the same per answer as b ($0.0040)',
      );
      // The same change under a ratio the user set lower is asked about.
      assert.equal(costChange(from, double, history(1_000, 1_000), 1.5).beyondRatio, true);
    });

    it('from a free local model to a paid one is beyond any ratio; an unknown price never is', async () => {
      const local = { name: 'llama3.2', price: (await facts('llama3.2', { template: 'ollama' })).price };
      const paid = { name: 'gpt-4o', price: (await facts('gpt-4o')).price };
      const toPaid = costChange(local, paid, history(2_000, 500), 3);
      assert.deepEqual([toPaid.ratio, toPaid.beyondRatio], [Infinity, true]);
      assert.equal(toPaid.text, 'about $0.01 per answer, where llama3.2 is free');
      const unknown = costChange(paid, { name: 'x', price: { source: 'unknown' } }, history(2_000, 500), 3);
      assert.deepEqual([unknown.ratio, unknown.beyondRatio], [undefined, false]);
      assert.equal(unknown.text, 'price unknown, so the difference per answer cannot be told');
    });
  });

  describe('recommending a model', () => {
    let candidates: Candidate[];
    const candidate = async (modelId: string, options: Parameters<typeof facts>[1] = {}): Promise<Candidate> => ({
      providerId: options.template ?? 'openai',
      providerName: options.template === 'ollama' ? 'Ollama' : 'OpenAI',
      modelId,
      facts: await facts(modelId, options),
    });
    before(async () => {
      candidates = await Promise.all([
        candidate('gpt-4o'),
        candidate('gpt-4o-mini'),
        candidate('gpt-4.1'),
        candidate('o3-mini'),
        candidate('mystery-model', { template: 'openai-compatible' }),
      ]);
    });
    const typical = history(2_000, 500);
    const perDay = requestsPerDay([]);

    it('cheapest: the lowest price per request first, with the runner-up’s cost', () => {
      const result = recommend(candidates, { task: 'cheapest', budget: { per: 'request', usd: 1 }, typical, perDay });
      assert.deepEqual(
        result.ranked.map((model) => model.candidate.modelId),
        ['gpt-4o-mini', 'o3-mini', 'gpt-4.1', 'gpt-4o'],
      );
      assert.match(result.explanation, /^OpenAI gpt-4o-mini: about \$0\.0006 per request from your last 10 requests/);
      assert.match(result.explanation, /the cheapest of 4/);
      assert.match(result.explanation, /Runner-up: OpenAI o3-mini at about \$0\.0044 per request\./);
      assert.match(result.explanation, /Left out: no known price \(1\)\./);
    });

    it('chat: the strongest the budget buys; a pricier model over it is left out', () => {
      const result = recommend(candidates, {
        task: 'chat',
        budget: { per: 'request', usd: 0.009 },
        typical,
        perDay,
      });
      // gpt-4o costs $0.01 a request: over $0.009. gpt-4.1 ($0.008) is the priciest within it.
      assert.equal(result.ranked[0]!.candidate.modelId, 'gpt-4.1');
      assert.ok(result.left.some((item) => item.candidate.modelId === 'gpt-4o' && item.reason === 'over the budget'));
      assert.match(result.explanation, /the priciest, so likely the strongest, of 3 within \$0\.0090 per request/);
    });

    it('code: tools required, reasoning first', async () => {
      const noTools = await candidate('plain', { user: { prices: { input: 0.1, output: 0.1 } } });
      noTools.facts = {
        ...noTools.facts,
        capabilities: { value: { tools: false, vision: false, reasoning: false }, source: 'user' },
      };
      const result = recommend([...candidates, noTools], {
        task: 'code',
        budget: { per: 'request', usd: 1 },
        typical,
        perDay,
      });
      assert.equal(result.ranked[0]!.candidate.modelId, 'o3-mini');
      assert.ok(
        result.left.some((item) => item.candidate.modelId === 'plain' && item.reason === 'does not take tools'),
      );
    });

    it('long context: the largest known window', () => {
      const result = recommend(candidates, {
        task: 'long-context',
        budget: { per: 'request', usd: 1 },
        typical,
        perDay,
      });
      // gpt-4.1 takes about a million tokens; the others 128k or 200k.
      assert.equal(result.ranked[0]!.candidate.modelId, 'gpt-4.1');
      assert.match(result.explanation, /the largest context window of \d+/);
    });

    it('a day’s budget is spread over the requests of a day of use', () => {
      const busy = requestsPerDay([0, 100, 0, 300]);
      assert.deepEqual(busy, { perDay: 200, from: 'history', days: 2 });
      assert.deepEqual(requestsPerDay([0, 0]), { perDay: 50, from: 'assumed', days: 0 });
      // $1 a day over 200 requests: $0.005 each, which only gpt-4o-mini and o3-mini meet.
      const result = recommend(candidates, { task: 'chat', budget: { per: 'day', usd: 1 }, typical, perDay: busy });
      assert.equal(result.perRequestUsd, 0.005);
      assert.equal(result.ranked[0]!.candidate.modelId, 'o3-mini');
      assert.match(
        result.explanation,
        /\$1\.00 a day, about \$0\.0050 per request at your 200 requests a day \(average of 2 days of use\)/,
      );
    });

    it('with nothing in the budget, says so and names the cheapest', () => {
      const result = recommend(candidates, { task: 'chat', budget: { per: 'request', usd: 0.0001 }, typical, perDay });
      assert.equal(result.ranked.length, 0);
      assert.equal(result.closest?.candidate.modelId, 'gpt-4o-mini');
      assert.match(
        result.explanation,
        /^No model fits \$0\.0001 per request: the cheapest that can do it, OpenAI gpt-4o-mini/,
      );
    });
  });

  describe('token caps', () => {
    it('the hard cap lowers the answer’s cap to fit, and refuses an input over it', () => {
      assert.equal(capOutput({ inputTokens: 1_000, maxTokens: 4_096 }, 3_000, 'OpenAI'), 2_000);
      assert.equal(capOutput({ inputTokens: 1_000, maxTokens: 500 }, 3_000, 'OpenAI'), 500);
      assert.equal(capOutput({ inputTokens: 1_000, maxTokens: undefined }, 3_000, 'OpenAI'), 2_000);
      assert.throws(
        () => capOutput({ inputTokens: 3_000, maxTokens: 10 }, 3_000, 'OpenAI'),
        (error: unknown) =>
          error instanceof ProviderError &&
          error.kind === 'quota_exceeded' &&
          error.code === TOKEN_CAP_CODE &&
          /^Not sent: this request's input is about 3,000 tokens, over the 3,000-token limit per request you set for OpenAI\./.test(
            error.message,
          ),
      );
    });

    it('the soft cap warns when input plus the largest answer exceed it', () => {
      assert.equal(softCapWarning({ inputTokens: 1_000, maxTokens: 1_000 }, 2_000, 'OpenAI'), undefined);
      assert.equal(
        softCapWarning({ inputTokens: 1_000, maxTokens: 1_001 }, 2_000, 'OpenAI'),
        'This request may use 2,001 tokens (about 1,000 tokens in and up to 1,001 out), over the 2,000-token warning you set for OpenAI. It is sent anyway.',
      );
    });

    it('a stored cap is checked: whole numbers, one of the two, soft not above hard', () => {
      assert.ok(tokenCapSchema.safeParse({ providerId: 'openai', softTokens: 10, hardTokens: 20 }).success);
      assert.ok(tokenCapSchema.safeParse({ providerId: 'openai', hardTokens: 20 }).success);
      for (const bad of [
        { providerId: 'openai' },
        { providerId: 'openai', softTokens: 30, hardTokens: 20 },
        { providerId: 'openai', hardTokens: 1.5 },
        { providerId: 'openai', hardTokens: 0 },
        { providerId: 'openai', hardTokens: 10, extra: true },
      ])
        assert.equal(tokenCapSchema.safeParse(bad).success, false, JSON.stringify(bad));
    });

    describe('on the wire, through the meter', () => {
      const serve = useServers();
      const setup = async (hardTokens: number) => {
        const server = await serve((_request, res) =>
          sse(
            res,
            dataEvents([
              textDelta('Hi'),
              finishChunk('stop'),
              usageChunk({ prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 }),
              '[DONE]',
            ]),
          ),
        );
        const clock = new ManualClock();
        const ledger = new UsageLedger(new MemoryKeyValueStore(), clock);
        const provider = metered(createProvider({ type: 'openai', baseUrl: server.url }), {
          providerId: 'openai',
          type: 'openai',
          pricing: () => ({ catalogIds: ['openai'] }),
          maxOutputTokens: () => 16_384,
          hardTokenCap: () => ({ tokens: hardTokens, providerName: 'OpenAI' }),
          ledger,
          // A budget applies, so the guard's own cap and the token cap meet.
          guard: new BudgetGuard(
            () => [
              budgetSchema.parse({ id: 'd', scope: { kind: 'overall' }, period: 'daily', limitUsd: 100, mode: 'stop' }),
            ],
            ledger,
            () => clock.now(),
          ),
          surface: 'chat',
          clock,
        });
        return { server, provider };
      };
      const ask = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hello there' }] };

      it('the request goes out with its output cap lowered to fit', async () => {
        const { server, provider } = await setup(1_000);
        await collect(provider.chat(ask));
        const sent = JSON.parse(server.requests[0]!.body) as { max_completion_tokens?: number; max_tokens?: number };
        const cap = sent.max_completion_tokens ?? sent.max_tokens;
        // "hello there" and the message framing: a dozen tokens, counted with OpenAI's own tokenizer.
        assert.ok(cap !== undefined && cap < 1_000 && cap > 980, JSON.stringify(sent));
      });

      it('a request whose input is over the cap never reaches the server', async () => {
        const { server, provider } = await setup(5);
        const { error } = await collectUntilError(provider.chat(ask));
        assert.equal(error.code, TOKEN_CAP_CODE);
        assert.equal(server.requests.length, 0);
      });
    });
  });
});
