import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/platform/commands';
import type { ProviderError } from '../../src/core';
import { describeModel } from '../../src/registry/modelPicker';
import { answering, removeProvider, testingApi, until } from './support';

/** An OpenAI server on 127.0.0.1 whose every answer reports 100,000 prompt and 50,000 completion tokens. */
async function startProvider(): Promise<{ url: string; requests: () => number; server: Server }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        'data: {"choices":[{"index":0,"delta":{"content":"A long answer"},"finish_reason":null}]}\n\n' +
          'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
          'data: {"choices":[],"usage":{"prompt_tokens":100000,"completion_tokens":50000,"total_tokens":150000}}\n\ndata: [DONE]\n\n',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests: () => requests, server };
}

describe('cost in the extension host', () => {
  it('a request updates the ledger and the status bar; a hard-stop budget then blocks the next one', async () => {
    const { cost, statusBar } = await testingApi();
    const provider = await startProvider();
    const config = vscode.workspace.getConfiguration('switchboard');
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Metered',
      baseUrl: provider.url,
      apiKey: 'sk-proj-metered0123456789abcdef',
    });
    try {
      await answering(/^Delete all of Switchboard’s usage records\?$/, 'Delete', () =>
        vscode.commands.executeCommand(Commands.deleteUsageData),
      );
      const ask = async () => {
        for await (const event of cost
          .meteredProvider(id, 'chat')
          .chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Summarise this' }], maxTokens: 60_000 }))
          void event;
      };
      await ask();
      // 100,000 input tokens at $2.50 and 50,000 output tokens at $10 per million: $0.75.
      const text = await until(
        () => (statusBar.text.includes('$0.75 today') ? statusBar.text : undefined),
        'the status bar to show the spend',
        5_000,
      );
      assert.match(text, /^\$\(credit-card\) \$0\.75 today/);
      const today = new Date().toLocaleDateString('sv-SE');
      assert.equal(cost.ledger.totals({ from: today, to: today }).get('all')?.requests, 1);
      const csv = vscode.Uri.file(join(tmpdir(), `switchboard-usage-${Date.now()}.csv`));
      await vscode.commands.executeCommand(Commands.exportUsage, { uri: csv, format: 'csv' });
      const exported = new TextDecoder().decode(await vscode.workspace.fs.readFile(csv)).split('\r\n');
      assert.equal(exported[1], `${today},${id},gpt-4o,1,100000,0,0,50000,0,0.750000000,0,0,0`);
      await vscode.workspace.fs.delete(csv);
      const last = (await cost.recentRequests()).at(-1);
      assert.deepEqual(last && [last.providerId, last.modelId, last.surface, last.outcome, last.cost.basis], [
        id,
        'gpt-4o',
        'chat',
        'ok',
        'computed',
      ]);
      assert.ok(typeof last?.latencyMs === 'number');

      await config.update(
        'budgets',
        [{ id: 'tiny', scope: { kind: 'overall' }, period: 'daily', limitUsd: 0.5, mode: 'stop' }],
        vscode.ConfigurationTarget.Global,
      );
      await until(() => (cost.budgetUse().length === 1 ? true : undefined), 'the budget to apply');
      const requestsBefore = provider.requests();
      // The extension's own ProviderError class (the test bundle has its own copy): checked by name.
      await assert.rejects(
        ask(),
        (error: Partial<ProviderError>) =>
          error.name === 'ProviderError' &&
          error.code === 'budget_stop' &&
          /would exceed the daily budget of \$0\.50\b/.test(error.message ?? ''),
      );
      assert.equal(provider.requests(), requestsBefore, 'nothing was sent');
      const isError = () =>
        statusBar.backgroundColor instanceof vscode.ThemeColor &&
        statusBar.backgroundColor.id === 'statusBarItem.errorBackground';
      await until(
        () => (isError() ? true : undefined),
        `the error colour (colour ${JSON.stringify(statusBar.backgroundColor)}, budgets ${JSON.stringify(cost.budgetUse().map((item) => item.fraction))}, text ${statusBar.text})`,
      ).catch((error: unknown) => {
        // Say what the status bar showed at the end, not at the start of the wait.
        throw new Error(
          `${String(error)}; at the end: colour ${JSON.stringify(statusBar.backgroundColor)}, budgets ${JSON.stringify(cost.budgetUse().map((item) => item.fraction))}`,
        );
      });
    } finally {
      await config.update('budgets', undefined, vscode.ConfigurationTarget.Global);
      await answering(/^Delete all of Switchboard’s usage records\?$/, 'Delete', () =>
        vscode.commands.executeCommand(Commands.deleteUsageData),
      );
      await removeProvider(id);
      provider.server.close();
    }
  });

  it('model picker rows show prices and context; the default model shows in the status bar', async () => {
    const { registry, statusBar } = await testingApi();
    const quote = { source: 'catalog' as const, prices: { input: 2.5, output: 10 } };
    assert.equal(
      describeModel(
        { id: 'gpt-4o', contextWindow: 128000, capabilities: { tools: true, vision: true, reasoning: false } },
        quote,
      ),
      '$2.50 in · $10.00 out /M · 128k context · tools, vision',
    );
    assert.equal(
      describeModel({ id: 'llama3.2' }, { source: 'local', prices: { input: 0, output: 0 } }),
      'free (local)',
    );
    assert.equal(describeModel({ id: 'x' }, { source: 'unknown' }), 'price unknown');
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'lmstudio',
      name: 'Local Studio',
      baseUrl: 'http://127.0.0.1:9/v1',
    });
    try {
      await vscode.commands.executeCommand(Commands.selectDefaultModel, { providerId: id, modelId: 'qwen2.5-coder' });
      assert.equal(registry.defaultModel(), 'qwen2.5-coder');
      await until(
        () => (statusBar.text.endsWith('Local Studio · qwen2.5-coder') ? true : undefined),
        'the status bar to name the model',
      );
    } finally {
      await removeProvider(id);
    }
  });

  it('the usage summary shows the month, providers, models and budgets', async () => {
    const { usage } = await testingApi();
    const report = usage.report();
    assert.match(report, /^# Switchboard usage\n\nOn track for \*\*\$\d+(\.\d+)?\*\* this month\./);
    assert.match(report, /## This month by provider/);
    assert.match(report, /## Budgets/);
  });
});
