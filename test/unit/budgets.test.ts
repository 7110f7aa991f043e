import assert from 'node:assert/strict';
import {
  BudgetGuard,
  budgetSchema,
  DEFAULT_OUTPUT_CAP,
  periodKey,
  type Budget,
  type BudgetScope,
  type Reservation,
  type SpendBook,
  type SpendView,
  type UnknownPricePolicy,
} from '../../src/core/cost/budgets';

const NOW = new Date(2026, 10, 21, 12, 0, 0).getTime();

/** Spend per scope and reservations of one window, as the ledger keeps them (its cross-window side is tested in crossWindow.test.ts). */
class Spend implements SpendBook {
  readonly byScope = new Map<string, number>();
  readonly reservations = new Map<string, Reservation>();
  #next = 0;
  #queue: Promise<unknown> = Promise.resolve();
  spentUsd(scope: BudgetScope): number {
    return this.byScope.get(JSON.stringify(scope)) ?? 0;
  }
  add(scopes: BudgetScope[], usd: number): void {
    for (const scope of scopes)
      this.byScope.set(JSON.stringify(scope), (this.byScope.get(JSON.stringify(scope)) ?? 0) + usd);
  }
  decide<T>(decide: (view: SpendView) => T): Promise<T> {
    const view: SpendView = {
      spentUsd: (scope) => this.spentUsd(scope),
      reservedUsd: (budgetId, key) =>
        [...this.reservations.values()].reduce(
          (sum, item) => (item.budgets.includes(budgetId) && item.periodKeys.includes(key) ? sum + item.worstUsd : sum),
          0,
        ),
      reserve: (worstUsd, budgets, periodKeys) => {
        const reservation = { id: `r${++this.#next}`, at: NOW, worstUsd, budgets, periodKeys };
        this.reservations.set(reservation.id, reservation);
        return reservation;
      },
    };
    // One decision at a time, each after a turn of the event loop, as the shared store's lock does.
    const next = this.#queue.then(() => new Promise<T>((resolve) => setImmediate(() => resolve(decide(view)))));
    this.#queue = next;
    return next;
  }
  release(reservation: Reservation): Promise<void> {
    this.reservations.delete(reservation.id);
    return Promise.resolve();
  }
  inFlightUsd(): number {
    return [...this.reservations.values()].reduce((sum, item) => sum + item.worstUsd, 0);
  }
}

const budget = (overrides: Partial<Budget> | number = {}): Budget =>
  budgetSchema.parse({
    id: 'b',
    scope: { kind: 'overall' },
    period: 'daily',
    limitUsd: 5,
    mode: 'stop',
    ...(typeof overrides === 'number' ? { limitUsd: overrides } : overrides),
  });
const guard = (budgets: Budget[], spend = new Spend(), unknownPrice?: UnknownPricePolicy) => ({
  spend,
  guard: new BudgetGuard(
    () => budgets,
    spend,
    () => NOW,
    unknownPrice ? { unknownPrice: () => unknownPrice, setPriceHint: 'Set it with Set Model Price.' } : {},
  ),
});
const request = {
  providerId: 'openai',
  modelId: 'gpt-4o',
  inputUsd: 0.05,
  outputUsdPerToken: 0.00001,
  maxTokens: 100_000,
};

describe('budgets', () => {
  it('no budget: allowed as asked, nothing reserved', async () => {
    const { guard: g } = guard([]);
    assert.deepEqual(await g.admit(request), { allowed: true, maxTokens: 100_000, notices: [] });
  });

  it('caps the output to what the budget has left; the notice reflects what is spent, not the cap', async () => {
    const { guard: g, spend } = guard([budget()]);
    spend.add([{ kind: 'overall' }], 4.9);
    const admission = await g.admit(request);
    assert.equal(admission.allowed, true);
    // ($5 − $4.90 − $0.05 input) / $0.00001 per token
    assert.equal(admission.allowed && admission.maxTokens, 5_000);
    // $4.95 of $5 spent or asked for: past the 80% alert, not at the limit.
    assert.deepEqual(
      admission.notices.map((notice) => notice.level),
      ['alert'],
    );
    const fresh = await guard([budget()]).guard.admit(request);
    assert.deepEqual(fresh.notices, [], 'a capped request on an unspent budget raises nothing');
  });

  it('a request with no cap of its own gets a sane one, never the whole budget', async () => {
    const { guard: g } = guard([budget(100)]);
    const admission = await g.admit({ ...request, maxTokens: undefined });
    assert.equal(admission.allowed && admission.maxTokens, DEFAULT_OUTPUT_CAP);
    assert.equal((await g.admit({ ...request, maxTokens: undefined })).allowed, true, 'a second request still fits');
  });

  it('refuses when even a minimal answer would not fit, and says how much is left', async () => {
    const { guard: g, spend } = guard([budget()]);
    spend.add([{ kind: 'overall' }], 4.96);
    const admission = await g.admit(request);
    assert.equal(admission.allowed, false);
    assert.equal(
      !admission.allowed && admission.message,
      'This request would exceed the daily budget of $5.00: $0.04 left.',
    );
  });

  it('twenty requests at once can never overspend', async () => {
    const { guard: g, spend } = guard([budget()]);
    const admissions = await Promise.all(
      Array.from({ length: 20 }, () =>
        g.admit({ ...request, inputUsd: 0.1, outputUsdPerToken: 0.0001, maxTokens: 10_000 }),
      ),
    );
    const admitted = admissions.filter((admission) => admission.allowed);
    const reserved = admitted.reduce(
      (sum, admission) => sum + (admission.allowed ? (admission.reservation?.worstUsd ?? 0) : 0),
      0,
    );
    assert.ok(reserved <= 5 + 1e-9, `reserved ${reserved}`);
    assert.equal(admitted.length, 5, 'four at the full $1.10, a fifth capped to the $0.60 left, then none');
    assert.equal(spend.inFlightUsd(), reserved);
  });

  it('a $5 budget is usable up to $5 when actual costs are settled', async () => {
    const { guard: g, spend } = guard([budget()]);
    let spent = 0;
    for (let i = 0; i < 1000; i++) {
      const admission = await g.admit({
        ...request,
        inputUsd: 0.01,
        outputUsdPerToken: 0.0001,
        maxTokens: 2_000,
        minOutputTokens: 10,
      });
      if (!admission.allowed) break;
      // The answer used its whole allowance: the worst case happened.
      const actual = 0.01 + (admission.maxTokens ?? 0) * 0.0001;
      spend.add([{ kind: 'overall' }], actual);
      spent += actual;
      await g.release(admission.reservation);
    }
    assert.ok(spent <= 5 + 1e-9 && spent > 5 - 0.011, `spent ${spent}`);
    assert.equal(spend.inFlightUsd(), 0);
  });

  it('warn never blocks; it alerts at the threshold and at the limit', async () => {
    const { guard: g, spend } = guard([budget({ mode: 'warn', alertAt: 0.8 })]);
    spend.add([{ kind: 'overall' }], 3.9);
    assert.deepEqual((await g.admit({ ...request, maxTokens: 1_000 })).notices, []);
    spend.add([{ kind: 'overall' }], 0.2);
    const alert = await g.admit({ ...request, maxTokens: 1_000 });
    assert.deepEqual(
      [alert.allowed, alert.notices.map((notice) => [notice.level, notice.periodKey])],
      [true, [['alert', '2026-11-21']]],
    );
    spend.add([{ kind: 'overall' }], 2);
    const over = await g.admit(request);
    assert.deepEqual([over.allowed, over.notices.map((notice) => notice.level)], [true, ['limit']]);
  });

  it('ask and switch refuse here and say so, for the chat to ask or the router to move on', async () => {
    for (const mode of ['ask', 'switch'] as const) {
      const { guard: g, spend } = guard([budget({ mode })]);
      spend.add([{ kind: 'overall' }], 5);
      const admission = await g.admit(request);
      assert.deepEqual([admission.allowed, !admission.allowed && admission.mode], [false, mode]);
    }
  });

  it('ask: asks before a request whose worst case could cross the limit (no silent cut); a waived budget only warns', async () => {
    const { guard: g, spend } = guard([budget({ mode: 'ask', limitUsd: 5 })]);
    spend.add([{ kind: 'overall' }], 4.5);
    // Worst case $0.05 + 100,000 × $0.00001 = $1.05 > $0.50 left: asked, not capped.
    const asked = await g.admit(request);
    assert.deepEqual([asked.allowed, !asked.allowed && asked.mode], [false, 'ask']);
    const small = await g.admit({ ...request, maxTokens: 10_000 });
    assert.deepEqual([small.allowed, small.allowed && small.maxTokens], [true, 10_000]);
    const waived = await g.admit(request, new Set([budget().id]));
    assert.deepEqual(
      [waived.allowed, waived.allowed && waived.maxTokens, waived.notices.map((notice) => notice.level)],
      [true, 100_000, ['alert']],
    );
  });

  it('a model without a price cannot be kept inside a hard budget; free models are never blocked', async () => {
    const { guard: g, spend } = guard([budget()]);
    const unknown = await g.admit({ ...request, outputUsdPerToken: undefined });
    assert.equal(unknown.allowed, false);
    assert.match(!unknown.allowed ? unknown.message : '', /no known price/);
    spend.add([{ kind: 'overall' }], 5);
    assert.equal((await g.admit({ ...request, inputUsd: 0, outputUsdPerToken: 0 })).allowed, true);
    assert.equal(
      (await guard([budget({ mode: 'warn' })]).guard.admit({ ...request, outputUsdPerToken: undefined })).allowed,
      true,
    );
  });

  describe('a model nobody knows the price of, under switchboard.unknownPrice', () => {
    // gpt-4.1-mini-2026-11-30, estimated from gpt-4.1-mini: $0.40 in, $1.60 out per million.
    const estimated = {
      providerId: 'openai',
      modelId: 'gpt-4.1-mini-2026-11-30',
      inputUsd: 0.0004,
      outputUsdPerToken: 0.0000016,
      maxTokens: 10_000,
      unknownPrice: { estimatedFrom: 'gpt-4.1-mini' },
    };
    const unpriced = {
      ...request,
      modelId: 'my-finetune',
      inputUsd: 0,
      outputUsdPerToken: undefined,
      unknownPrice: {},
    };

    it('block: every refusing budget refuses it, saying why and how to set its price; a warn budget never', async () => {
      for (const mode of ['stop', 'ask', 'switch'] as const) {
        const { guard: g, spend } = guard([budget({ mode })], new Spend(), 'block');
        const admission = await g.admit(estimated);
        assert.deepEqual(!admission.allowed && [admission.mode, admission.unknownPrice, admission.message], [
          mode,
          'block',
          'gpt-4.1-mini-2026-11-30 has no known price (a similar model, gpt-4.1-mini, has one), and models without one are blocked under the daily budget of $5.00. Set it with Set Model Price.',
        ]);
        assert.equal(spend.inFlightUsd(), 0, 'nothing reserved');
      }
      // Even a model the user allowed when asked: 'block' is the setting's last word.
      const blocked = await guard([budget()], new Spend(), 'block').guard.admit({
        ...estimated,
        unknownPrice: { ...estimated.unknownPrice, allowed: true },
      });
      assert.equal(blocked.allowed, false);
      const warned = await guard([budget({ mode: 'warn' })], new Spend(), 'block').guard.admit(unpriced);
      assert.deepEqual(warned, { allowed: true, maxTokens: 100_000, notices: [] });
    });

    it('ask: refused for the question until the user allows the model, then counted at the estimate', async () => {
      const { guard: g, spend } = guard([budget()], new Spend(), 'ask');
      const asked = await g.admit(estimated);
      assert.deepEqual(!asked.allowed && [asked.mode, asked.unknownPrice, asked.message], [
        'stop',
        'ask',
        'gpt-4.1-mini-2026-11-30 has no known price (a similar model, gpt-4.1-mini, has one), so the daily budget of $5.00 cannot be kept without asking you. Set it with Set Model Price.',
      ]);
      spend.add([{ kind: 'overall' }], 4.99);
      const allowed = await g.admit({ ...estimated, unknownPrice: { ...estimated.unknownPrice, allowed: true } });
      // ($5 − $4.99 − $0.0004) / $0.0000016 per token: 6,000 tokens of the 10,000 asked for fit.
      assert.deepEqual(
        [allowed.allowed, allowed.allowed && allowed.maxTokens, allowed.allowed && allowed.unpriced],
        [true, 6_000, undefined],
      );
      assert.equal(Math.round(spend.inFlightUsd() * 1e9), 10_000_000, 'the estimate is reserved: $0.01');
    });

    it('allow: sent at the estimate, capped to fit; without one, counted at $0 and said so', async () => {
      const { guard: g, spend } = guard([budget()], new Spend(), 'allow');
      spend.add([{ kind: 'overall' }], 4.99);
      const admission = await g.admit(estimated);
      assert.deepEqual([admission.allowed, admission.allowed && admission.maxTokens], [true, 6_000]);
      const none = await guard([budget()], new Spend(), 'allow').guard.admit(unpriced);
      assert.deepEqual(none, { allowed: true, maxTokens: 100_000, notices: [], unpriced: true });
      // An estimate of $0 is no free model: the setting still decides.
      const free = await guard([budget()], new Spend(), 'ask').guard.admit({
        ...estimated,
        inputUsd: 0,
        outputUsdPerToken: 0,
      });
      assert.equal(!free.allowed && free.unknownPrice, 'ask');
    });

    it('a budget already used up refuses it as spent, before any question about its price', async () => {
      // A team gateway's spent key, or the user's own budget at its limit: no price could let it through.
      const gatewayCredit = { ...budget({ limitUsd: 1 }), id: 'gateway:proxy', label: "proxy key's remaining credit" };
      for (const policy of ['ask', 'block'] as const) {
        const { guard: g, spend } = guard([budget({ id: 'room', limitUsd: 50 }), gatewayCredit], new Spend(), policy);
        spend.add([{ kind: 'overall' }], 1);
        for (const asked of [unpriced, estimated]) {
          const admission = await g.admit(asked);
          assert.deepEqual(!admission.allowed && [admission.budget.id, admission.unknownPrice, admission.message], [
            'gateway:proxy',
            undefined,
            "This request would exceed the proxy key's remaining credit: $0 left.",
          ]);
        }
      }
      // 'allow' is the user's word that such requests go: still let through, counted at $0 and said so.
      const { guard: allowing, spend } = guard([budget({ limitUsd: 1 })], new Spend(), 'allow');
      spend.add([{ kind: 'overall' }], 1);
      assert.deepEqual(await allowing.admit(unpriced), {
        allowed: true,
        maxTokens: 100_000,
        notices: [],
        unpriced: true,
      });
    });

    it('without a policy the core blocks, as before; no budget, or a known price, never asks', async () => {
      const unknown = await guard([budget()]).guard.admit(unpriced);
      assert.equal(!unknown.allowed && unknown.unknownPrice, 'block');
      assert.equal((await guard([], new Spend(), 'block').guard.admit(unpriced)).allowed, true);
      assert.equal((await guard([budget()], new Spend(), 'block').guard.admit(request)).allowed, true);
    });
  });

  it('provider and model budgets apply only to their own requests', async () => {
    const { guard: g, spend } = guard([
      budget({ id: 'openai-daily', scope: { kind: 'provider', providerId: 'openai' }, limitUsd: 1 }),
      budget({
        id: 'claude-monthly',
        scope: { kind: 'model', providerId: 'anthropic', modelId: 'claude-opus-4-6' },
        period: 'monthly',
        limitUsd: 2,
      }),
    ]);
    spend.add([{ kind: 'provider', providerId: 'openai' }], 1);
    assert.equal((await g.admit(request)).allowed, false);
    assert.equal((await g.admit({ ...request, providerId: 'anthropic', modelId: 'claude-sonnet-4-5' })).allowed, true);
    const opus = await g.admit({ ...request, providerId: 'anthropic', modelId: 'claude-opus-4-6' });
    assert.deepEqual(opus.allowed && opus.reservation?.budgets, ['claude-monthly']);
  });

  it('periods are the local day and month', () => {
    assert.equal(periodKey('daily', NOW), '2026-11-21');
    assert.equal(periodKey('monthly', NOW), '2026-11');
    assert.equal(periodKey('daily', new Date(2026, 0, 1, 0, 0, 1).getTime()), '2026-01-01');
  });

  it('validates budgets, naming the field', () => {
    const result = budgetSchema.safeParse({
      id: 'x',
      scope: { kind: 'overall' },
      period: 'weekly',
      limitUsd: -1,
      mode: 'stop',
    });
    assert.equal(result.success, false);
    assert.deepEqual(
      result.error?.issues.map((issue) => issue.path.join('.')),
      ['period', 'limitUsd'],
    );
    // A control character in an id could make a model budget's scope collide with another's.
    const forged = budgetSchema.safeParse({
      id: 'x',
      scope: { kind: 'model', providerId: 'openai', modelId: 'gpt-4o\u0001mini' },
      period: 'daily',
      limitUsd: 1,
      mode: 'stop',
    });
    assert.deepEqual(
      forged.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
      [['scope.modelId', 'must not contain control characters']],
    );
  });
});
