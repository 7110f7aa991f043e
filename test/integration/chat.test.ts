import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { Commands } from '../../src/commands';
import { testingApi, until } from './support';

describe('@switchboard in the real chat view', () => {
  it('a question typed to @switchboard is streamed from the default model and recorded as a chat request', async () => {
    const { cost } = await testingApi();
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi from Switchboard"},"finish_reason":null}]}\n\n' +
            'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
            'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}}\n\ndata: [DONE]\n\n',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
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
