import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { costEstimates } from '../../src/chatParticipant';
import { Commands } from '../../src/commands';
import { loopback, openAiStream, testingApi, until } from './support';

describe('@switchboard in the real chat view', () => {
  it('a question typed to @switchboard is streamed from the default model and recorded as a chat request', async () => {
    const { cost } = await testingApi();
    const { url: origin, bodies, server } = await loopback((res) => openAiStream(res, ['Hi from Switchboard'], { prompt_tokens: 11, completion_tokens: 4 }));
    const url = `${origin}/v1`;
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, { template: 'openai', name: 'Chat', baseUrl: url, apiKey: 'sk-proj-chat0123456789abcdef' });
    try {
      await vscode.commands.executeCommand(Commands.selectDefaultModel, { providerId: id, modelId: 'gpt-4o' });
      await vscode.commands.executeCommand('workbench.action.chat.open', { query: '@switchboard Say hi', modelSelector: { vendor: 'switchboard', id: `${id}/gpt-4o` } });
      const recorded = await until(async () => (await cost.recentRequests()).find((record) => record.providerId === id && record.surface === 'chat'), 'the chat request to be recorded', 20_000);
      assert.deepEqual([recorded.modelId, recorded.usage.inputTokens, recorded.usage.outputTokens, recorded.outcome], ['gpt-4o', 11, 4, 'ok']);
      const sent = JSON.parse(bodies[0]!) as { model: string; messages: Array<{ role: string; content: string }> };
      assert.deepEqual([sent.model, sent.messages.at(-1)], ['gpt-4o', { role: 'user', content: 'Say hi' }]);
    } finally {
      await vscode.commands.executeCommand(Commands.removeProvider, { providerId: id, confirmed: true });
      server.close();
    }
  });

  it('/cost: the prompt priced on every model, counted locally, without sending it', async () => {
    const { cost, registry } = await testingApi();
    const { url: origin, bodies, server } = await loopback((res) => openAiStream(res, ['should not be asked'], { prompt_tokens: 1, completion_tokens: 1 }));
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, { template: 'openai', name: 'Priced', baseUrl: `${origin}/v1`, apiKey: 'sk-proj-priced0123456789abcdef' });
    try {
      await registry.update(id, { models: [{ id: 'gpt-4o' }, { id: 'gpt-4o-mini', prices: { input: 1, output: 2 } }] });
      const rows = await costEstimates(registry, cost, [{ role: 'user', content: 'How much would this cost?' }]);
      const mine = rows.filter((row) => row.providerId === id);
      assert.deepEqual(mine.map((row) => row.model), ['gpt-4o', 'gpt-4o-mini']);
      const [catalog, overridden] = mine.map((row) => row.estimate);
      // gpt-4o at the catalog's $2.50 / $10 per million, up to its 16,384 output tokens; the user's prices win.
      assert.equal(catalog!.method, 'tokenizer');
      assert.ok(Math.abs(catalog!.inputUsd! - (catalog!.inputTokens * 2.5) / 1e6) < 1e-12);
      assert.ok(Math.abs(catalog!.maxUsd! - (catalog!.inputUsd! + (16_384 * 10) / 1e6)) < 1e-9, String(catalog!.maxUsd));
      assert.ok(Math.abs(overridden!.inputUsd! - (overridden!.inputTokens * 1) / 1e6) < 1e-12);

      // Counting and pricing never reach the provider.
      assert.equal(bodies.length, 0, '/cost sent nothing');
    } finally {
      await vscode.commands.executeCommand(Commands.removeProvider, { providerId: id, confirmed: true });
      server.close();
    }
  });
});
