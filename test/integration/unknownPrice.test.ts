import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProviderError, UsageRecord } from '../../src/core';
import { ALLOWED_KEY } from '../../src/cost/unknownPrices';
import { Commands } from '../../src/platform/commands';
import { loopback, openAiStream, removeProvider, testingApi, until } from './support';

/** Released after the price data was built: the catalog has no price for it; gpt-4.1-mini ($0.40 / $1.60) is the closest. */
const NEW_MODEL = 'gpt-4.1-mini-2026-11-30';
const QUESTION = /^Unknown Price gpt-4\.1-mini-2026-11-30 has no known price, and a budget needs one$/;
const PRICE_BOX = /^Price of gpt-4\.1-mini-2026-11-30 in US dollars per million tokens: input \/ output$/;

/** An OpenAI server on 127.0.0.1 whose every answer reports 1,000,000 prompt and 1,000,000 completion tokens. */
async function setup() {
  const { registry, cost, globalState } = await testingApi();
  const config = vscode.workspace.getConfiguration('switchboard');
  const server = await loopback((res) =>
    openAiStream(res, ['Priced'], { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 }),
  );
  const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
    template: 'openai',
    name: 'Unknown Price',
    baseUrl: `${server.url}/v1`,
    apiKey: 'sk-proj-unknownprice0123456789abcdef',
  });
  await registry.update(id, { models: [{ id: NEW_MODEL }] });
  await config.update(
    'budgets',
    [{ id: 'unknown-price', scope: { kind: 'overall' }, period: 'daily', limitUsd: 1000, mode: 'stop' }],
    vscode.ConfigurationTarget.Global,
  );
  await until(() => (cost.budgetUse().length === 1 ? true : undefined), 'the budget to apply');
  const records: UsageRecord[] = [];
  const recording = cost.ledger.onDidRecord((record) => records.push(record));
  const send = async () => {
    for await (const event of cost
      .meteredProvider(id, 'chat')
      .chat({ model: NEW_MODEL, messages: [{ role: 'user', content: 'What does it cost?' }], maxTokens: 1000 }))
      void event;
  };
  /** The request's record, once it is made. */
  const recorded = (count: number) =>
    until(() => (records.length >= count ? records[count - 1] : undefined), `record ${count}`);
  const cleanUp = async () => {
    recording.dispose();
    await config.update('budgets', undefined, vscode.ConfigurationTarget.Global);
    await config.update('unknownPrice', undefined, vscode.ConfigurationTarget.Global);
    await globalState.update(ALLOWED_KEY, undefined);
    await removeProvider(id);
    server.server.close();
  };
  return { id, server, send, recorded, cleanUp, config };
}

const budgetCode = (code: string, message?: RegExp) => (error: Partial<ProviderError>) =>
  error.name === 'ProviderError' && error.code === code && (message ? message.test(error.message ?? '') : true);

describe('a model nobody knows the price of, under a budget', () => {
  it("'ask' (the default): cancel sends nothing; a typed price prices the request and is saved; allow sends it estimated, once asked", async () => {
    const { registry, dialogs } = await testingApi();
    const { id, server, send, recorded, cleanUp } = await setup();
    try {
      // Cancel: nothing is sent.
      const cancel = dialogs.answer(QUESTION, 'Cancel');
      await assert.rejects(
        send(),
        budgetCode('budget_unknown_price', /^Not sent: gpt-4\.1-mini-2026-11-30 has no known price\.$/),
      );
      cancel.dispose();
      assert.equal(server.bodies.length, 0, 'nothing was sent');

      // Set Its Price…, prefilled with gpt-4.1-mini's price; $1 in and $4 out per million typed.
      const asked = dialogs.asked.length;
      const setPrice = dialogs.answer(QUESTION, 'Set Its Price…');
      const typed = dialogs.answer(PRICE_BOX, '1 / 4');
      await send();
      setPrice.dispose();
      typed.dispose();
      assert.deepEqual(dialogs.asked.slice(asked).length, 2, 'the question, then the price');
      const priced = await recorded(1);
      // 1M tokens in at $1 and 1M out at $4: $5, computed from the typed price.
      assert.deepEqual([priced.cost.basis, priced.cost.usd, priced.modelId], ['computed', 5, NEW_MODEL]);
      assert.deepEqual(registry.get(id)?.models.find((model) => model.id === NEW_MODEL)?.prices, {
        input: 1,
        output: 4,
      });
      assert.equal(server.bodies.length, 1);

      // Without the price again: Allow This Model sends it, counted at gpt-4.1-mini's price.
      await registry.update(id, { models: [{ id: NEW_MODEL }] });
      const allow = dialogs.answer(QUESTION, 'Allow This Model');
      await send();
      allow.dispose();
      const allowed = await recorded(2);
      // 1M tokens in at $0.40 and 1M out at $1.60: $2, estimated from gpt-4.1-mini.
      assert.deepEqual(
        [allowed.cost.basis, Math.round(allowed.cost.usd! * 1e9) / 1e9, allowed.cost.estimatedFrom],
        ['estimated', 2, 'gpt-4.1-mini'],
      );
      // Not asked again for this model.
      const before = dialogs.asked.length;
      await send();
      await recorded(3);
      assert.deepEqual([dialogs.asked.length - before, server.bodies.length], [0, 3]);
    } finally {
      await cleanUp();
    }
  });

  it("'block' refuses it, unsent and unasked; 'allow' sends it, estimated from the closest model, unasked", async () => {
    const { dialogs } = await testingApi();
    const { server, send, recorded, cleanUp, config } = await setup();
    try {
      await config.update('unknownPrice', 'block', vscode.ConfigurationTarget.Global);
      const asked = dialogs.asked.length;
      await assert.rejects(
        send(),
        budgetCode(
          'budget_unknown_price',
          /^gpt-4\.1-mini-2026-11-30 has no known price \(a similar model, gpt-4\.1-mini, has one\), and models without one are blocked under the daily budget of \$1000\.00\. Set its price with "Switchboard: Set Model Price"/,
        ),
      );
      assert.equal(server.bodies.length, 0);

      await config.update('unknownPrice', 'allow', vscode.ConfigurationTarget.Global);
      await send();
      const record = await recorded(1);
      assert.deepEqual(
        [record.cost.basis, Math.round(record.cost.usd! * 1e9) / 1e9, record.cost.estimatedFrom],
        ['estimated', 2, 'gpt-4.1-mini'],
      );
      assert.deepEqual([dialogs.asked.length - asked, server.bodies.length], [0, 1]);
    } finally {
      await cleanUp();
    }
  });

  it("a vscode.lm request under 'ask' is refused with the command that sets the price; Set Model Price then lets it through", async () => {
    const { dialogs, registry } = await testingApi();
    const { id, server, cleanUp } = await setup();
    try {
      const [model] = await until(async () => {
        const found = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${id}/${NEW_MODEL}` });
        return found.length > 0 ? found : undefined;
      }, 'the model to be offered');
      const request = async () => {
        try {
          const response = await model!.sendRequest(
            [vscode.LanguageModelChatMessage.User('Say hello')],
            {},
            new vscode.CancellationTokenSource().token,
          );
          let text = '';
          for await (const piece of response.text) text += piece;
          return text;
        } catch (error) {
          return error;
        }
      };
      const asked = dialogs.asked.length;
      const refused = await request();
      assert.ok(refused instanceof vscode.LanguageModelError, `a LanguageModelError, not ${String(refused)}`);
      assert.equal(refused.code, vscode.LanguageModelError.Blocked().code);
      assert.match(
        refused.message,
        /gpt-4\.1-mini-2026-11-30 has no known price .* cannot be kept without asking you\. Set its price with "Switchboard: Set Model Price", or allow models without a price in the setting switchboard\.unknownPrice\./,
      );
      assert.deepEqual([dialogs.asked.length - asked, server.bodies.length], [0, 0], 'unasked and unsent');

      // The command it names: pick the model, type its price.
      const pick = dialogs.answer(/^Set the price of…$/, NEW_MODEL);
      const typed = dialogs.answer(PRICE_BOX, '0.5 / 2');
      await vscode.commands.executeCommand(Commands.setModelPrice);
      pick.dispose();
      typed.dispose();
      assert.deepEqual(registry.get(id)?.models.find((entry) => entry.id === NEW_MODEL)?.prices, {
        input: 0.5,
        output: 2,
      });
      assert.equal(await request(), 'Priced');
      assert.equal(server.bodies.length, 1);
    } finally {
      await cleanUp();
    }
  });
});
