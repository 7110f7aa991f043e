import assert from 'node:assert/strict';
import * as vscode from 'vscode';
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
});
