import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { Commands } from '../../src/platform/commands';
import { answering, openAiStream, removeProvider, testingApi, until } from './support';

/**
 * An OpenAI server on 127.0.0.1 that lists gpt-4o and reports usage by who asked (gpt-4o: $2.50 in,
 * $10 out per million): the vscode.lm request $0.30, the @switchboard-style one $0.20, anything else
 * (the connection test's one-token chat) $0.01.
 */
async function startProvider() {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o', object: 'model', owned_by: 'openai' }] }));
      } else if (body.includes('asked through vscode.lm'))
        openAiStream(res, ['OK'], { prompt_tokens: 80_000, completion_tokens: 10_000 });
      else if (body.includes('asked through @switchboard'))
        openAiStream(res, ['OK'], { prompt_tokens: 40_000, completion_tokens: 10_000 });
      else openAiStream(res, ['OK'], { prompt_tokens: 4_000, completion_tokens: 0 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('who spent it', () => {
  it('a vscode.lm request, an @switchboard request and a connection test: Show Usage and the status bar say each one’s spend', async () => {
    const { registry, cost, usage, statusBar, refreshStatusBar } = await testingApi();
    const provider = await startProvider();
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Surfaces',
      baseUrl: `${provider.url}/v1`,
      apiKey: 'sk-proj-surfaces0123456789abcdef',
    });
    const deleteUsage = () =>
      answering(/^Delete all of Switchboard’s usage records\?$/, 'Delete', () =>
        vscode.commands.executeCommand(Commands.deleteUsageData),
      );
    try {
      await deleteUsage();
      await registry.update(id, { models: [{ id: 'gpt-4o' }] });
      const today = new Date().toLocaleDateString('sv-SE');
      const attempts = (count: number, what: string) =>
        until(() => {
          const totals = cost.ledger.totals({ from: today, to: today }).get('all');
          return totals && totals.requests + totals.failedAttempts === count ? totals : undefined;
        }, what);

      // VS Code's chat or another extension, through vscode.lm.
      const [model] = await until(async () => {
        const found = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${id}/gpt-4o` });
        return found.length > 0 ? found : undefined;
      }, 'the model to be offered');
      const response = await model!.sendRequest(
        [vscode.LanguageModelChatMessage.User('Say OK, asked through vscode.lm')],
        {},
        new vscode.CancellationTokenSource().token,
      );
      for await (const piece of response.text) void piece;
      await attempts(1, 'the vscode.lm request to be recorded');

      // @switchboard's way: a metered provider under surface 'chat'.
      for await (const event of cost
        .meteredProvider(id, 'chat')
        .chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say OK, asked through @switchboard' }] }))
        void event;
      await attempts(2, 'the @switchboard request to be recorded');

      const report = await vscode.commands.executeCommand<{ ok: boolean }>(Commands.testConnection, {
        providerId: id,
        model: 'gpt-4o',
      });
      assert.equal(report.ok, true, JSON.stringify(report));
      const all = await attempts(3, 'the connection test to be recorded');

      assert.deepEqual(all.bySurface, {
        chat: { attempts: 1, usd: 0.2 },
        'language-model': { attempts: 1, usd: 0.3 },
        tests: { attempts: 1, usd: 0.01 },
      });
      assert.deepEqual(all.surfaceNotRecorded, { attempts: 0, usd: 0 });

      const split = 'VS Code chat and extensions $0.30 · @switchboard $0.20 · tests $0.01';
      const summary = usage.summary();
      assert.ok(summary.includes(`**Who spent it** ${split} today; ${split} this month\n`), summary);
      const text = usage.report();
      for (const row of [
        '| VS Code chat and extensions | $0.30 | $0.30 | 1 |',
        '| @switchboard | $0.20 | $0.20 | 1 |',
        '| tests | $0.01 | $0.01 | 1 |',
      ])
        assert.ok(text.includes(row), `${row}\n${text}`);
      assert.ok(!text.includes('surface not recorded'), text);

      refreshStatusBar();
      const tooltip = statusBar.tooltip instanceof vscode.MarkdownString ? statusBar.tooltip.value : '';
      assert.ok(tooltip.includes(`\n\n${split} today\n\n`), tooltip);

      // The calling extension, where VS Code says it (requestInitiator), on the recent request only.
      const recent = await cost.recentRequests();
      const lm = recent.find((record) => record.providerId === id && record.surface === 'language-model');
      const chat = recent.find((record) => record.providerId === id && record.surface === 'chat');
      assert.equal(chat?.initiator, undefined);
      // Here the tests call vscode.lm as this extension (publisher.name, as VS Code keys it).
      assert.equal(lm?.initiator, 'switchboard-dev.switchboard', JSON.stringify(lm));
    } finally {
      await deleteUsage();
      await removeProvider(id);
      provider.server.close();
    }
  });
});
