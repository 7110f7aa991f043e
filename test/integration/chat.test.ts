import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { costEstimates } from '../../src/chat/costCommand';
import { Commands } from '../../src/platform/commands';
import { loopback, openAiStream, removeProvider, testingApi, until } from './support';

describe('@switchboard in the real chat view', () => {
  it('a question typed to @switchboard is streamed from the default model and recorded as a chat request', async () => {
    const { cost } = await testingApi();
    const {
      url: origin,
      bodies,
      server,
    } = await loopback((res) =>
      openAiStream(res, ['Hi from Switchboard'], { prompt_tokens: 11, completion_tokens: 4 }),
    );
    const url = `${origin}/v1`;
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Chat',
      baseUrl: url,
      apiKey: 'sk-proj-chat0123456789abcdef',
    });
    try {
      await vscode.commands.executeCommand(Commands.selectDefaultModel, { providerId: id, modelId: 'gpt-4o' });
      await vscode.commands.executeCommand('workbench.action.chat.open', {
        query: '@switchboard Say hi',
        modelSelector: { vendor: 'switchboard', id: `${id}/gpt-4o` },
      });
      const recorded = await until(
        async () =>
          (await cost.recentRequests()).find((record) => record.providerId === id && record.surface === 'chat'),
        'the chat request to be recorded',
        20_000,
      );
      assert.deepEqual(
        [recorded.modelId, recorded.usage.inputTokens, recorded.usage.outputTokens, recorded.outcome],
        ['gpt-4o', 11, 4, 'ok'],
      );
      const sent = JSON.parse(bodies[0]!) as { model: string; messages: Array<{ role: string; content: string }> };
      assert.deepEqual([sent.model, sent.messages.at(-1)], ['gpt-4o', { role: 'user', content: 'Say hi' }]);
    } finally {
      await removeProvider(id);
      server.close();
    }
  });

  it('/cost: the prompt priced on every model, counted locally, without sending it', async () => {
    const { cost, registry } = await testingApi();
    const {
      url: origin,
      bodies,
      server,
    } = await loopback((res) => openAiStream(res, ['should not be asked'], { prompt_tokens: 1, completion_tokens: 1 }));
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Priced',
      baseUrl: `${origin}/v1`,
      apiKey: 'sk-proj-priced0123456789abcdef',
    });
    try {
      await registry.update(id, { models: [{ id: 'gpt-4o' }, { id: 'gpt-4o-mini', prices: { input: 1, output: 2 } }] });
      const rows = await costEstimates(registry, cost, [{ role: 'user', content: 'How much would this cost?' }]);
      const mine = rows.filter((row) => row.providerId === id);
      assert.deepEqual(
        mine.map((row) => row.model),
        ['gpt-4o', 'gpt-4o-mini'],
      );
      const [catalog, overridden] = mine.map((row) => row.estimate);
      // gpt-4o at the catalog's $2.50 / $10 per million, up to its 16,384 output tokens; the user's prices win.
      assert.equal(catalog!.method, 'tokenizer');
      assert.ok(Math.abs(catalog!.inputUsd! - (catalog!.inputTokens * 2.5) / 1e6) < 1e-12);
      assert.ok(
        Math.abs(catalog!.maxUsd! - (catalog!.inputUsd! + (16_384 * 10) / 1e6)) < 1e-9,
        String(catalog!.maxUsd),
      );
      assert.ok(Math.abs(overridden!.inputUsd! - (overridden!.inputTokens * 1) / 1e6) < 1e-12);

      // Counting and pricing never reach the provider.
      assert.equal(bodies.length, 0, '/cost sent nothing');
    } finally {
      await removeProvider(id);
      server.close();
    }
  });

  it('attached files go to the model as context; a file too big for the window is cut to fit, with the prompt kept', async () => {
    const { cost } = await testingApi();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the integration tests open a folder');
    const small = vscode.Uri.joinPath(folder.uri, 'attached-small.ts');
    const big = vscode.Uri.joinPath(folder.uri, 'attached-big.ts');
    await vscode.workspace.fs.writeFile(small, new TextEncoder().encode('export const answer = 42;\n'));
    const bigText = Array.from(
      { length: 3000 },
      (_, line) => `export const value${line} = ${line}; // line ${line}`,
    ).join('\n');
    await vscode.workspace.fs.writeFile(big, new TextEncoder().encode(bigText));
    const {
      url: origin,
      bodies,
      server,
    } = await loopback((res) => openAiStream(res, ['Seen.'], { prompt_tokens: 5, completion_tokens: 1 }));
    // A small window (the user's override), so the big file cannot fit whole.
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Files',
      baseUrl: `${origin}/v1`,
      apiKey: 'sk-proj-files0123456789abcdef',
    });
    try {
      const { registry } = await testingApi();
      await registry.update(id, { models: [{ id: 'gpt-4o', contextWindow: 4000, maxOutputTokens: 1000 }] });
      await vscode.commands.executeCommand(Commands.selectDefaultModel, { providerId: id, modelId: 'gpt-4o' });
      const chats = async (count: number) =>
        until(
          async () =>
            (await cost.recentRequests()).filter((record) => record.providerId === id && record.surface === 'chat')
              .length >= count
              ? true
              : undefined,
          `${count} chat request(s)`,
          20_000,
        );

      await vscode.commands.executeCommand('workbench.action.chat.open', {
        query: '@switchboard What is the answer?',
        attachFiles: [small],
        modelSelector: { vendor: 'switchboard', id: `${id}/gpt-4o` },
      });
      await chats(1);
      const first = JSON.parse(bodies[0]!) as { messages: Array<{ role: string; content: string }> };
      assert.equal(
        first.messages.at(-1)!.content,
        '<attachment name="attached-small.ts">\nexport const answer = 42;\n\n</attachment>\n\nWhat is the answer?',
      );

      await vscode.commands.executeCommand('workbench.action.chat.open', {
        query: '@switchboard Summarise this file.',
        attachFiles: [big],
        modelSelector: { vendor: 'switchboard', id: `${id}/gpt-4o` },
      });
      await chats(2);
      const second = JSON.parse(bodies[1]!) as { messages: Array<{ role: string; content: string }> };
      const content = second.messages.at(-1)!.content;
      assert.match(
        content,
        /^<attachment name="attached-big.ts" truncated="true">\nexport const value0 = 0; \/\/ line 0\n/,
      );
      assert.match(content, /\n<\/attachment>\n\nSummarise this file\.$/);
      // Within the 4,000-token window less the 1,000 kept for the answer (about 14 tokens a line here).
      const lines = content.split('\n').length;
      assert.ok(lines > 100 && lines < 230, `${lines} lines kept`);
    } finally {
      await removeProvider(id);
      await vscode.workspace.fs.delete(small);
      await vscode.workspace.fs.delete(big);
      server.close();
    }
  });
});
