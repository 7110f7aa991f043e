import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/platform/commands';
import type { ProviderError } from '../../src/core';
import { describeModel } from '../../src/registry/modelPicker';
import { answering, loopback, openAiStream, removeProvider, testingApi, until } from './support';

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
      assert.equal(
        exported[1],
        `${today},${id},gpt-4o,1,100000,0,0,50000,0,0.750000000,0,0,0,0,0,0.000000000,0.000000000,1,0.750000000,0,0.000000000,0,0.000000000,0,0.000000000`,
      );
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

  it('a cost OpenRouter reports is what is billed; Show Usage says both figures where the list price differs by more than 1 %', async () => {
    const { cost, usage, statusBar, refreshStatusBar } = await testingApi();
    // OpenRouter's stream as documented with `usage: {include: true}`: the final chunk's usage has what it
    // billed. gpt-4o's list price for 1,000 prompt and 500 completion tokens is $0.0075; it billed $0.0078.
    const router = await loopback((res) => {
      const chunk = (body: object) => `data: ${JSON.stringify({ id: 'gen-1', model: 'openai/gpt-4o', ...body })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Billed' }, finish_reason: null }] }) +
          chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
          chunk({
            choices: [],
            usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, cost: 0.0078 },
          }) +
          'data: [DONE]\n\n',
      );
    });
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openrouter',
      name: 'Loopback Router',
      baseUrl: `${router.url}/api/v1`,
      apiKey: 'sk-or-v1-0123456789abcdef0123456789abcdef',
    });
    const deleteUsage = () =>
      answering(/^Delete all of Switchboard’s usage records\?$/, 'Delete', () =>
        vscode.commands.executeCommand(Commands.deleteUsageData),
      );
    try {
      await deleteUsage();
      for await (const event of cost
        .meteredProvider(id, 'chat')
        .chat({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'What does this cost?' }] }))
        void event;
      const today = new Date().toLocaleDateString('sv-SE');
      const totals = await until(
        () => cost.ledger.totals({ from: today, to: today }).get('all'),
        'the request to be recorded',
      );
      assert.deepEqual(
        [totals.requests, totals.failedAttempts, totals.comparedRequests, totals.usd, totals.reportedUsd],
        [1, 0, 1, 0.0078, 0.0078],
      );
      assert.ok(Math.abs(totals.computedUsd - 0.0075) < 1e-9, String(totals.computedUsd));
      // The budget counts what OpenRouter billed.
      assert.equal(cost.ledger.spentUsd({ kind: 'overall' }, 'daily', Date.now()), 0.0078);
      const both = '$0.0078 billed (reported by Loopback Router) · $0.0075 by list price (+4.0 %)';
      const report = usage.report();
      assert.ok(report.includes(`| ${id}/openai/gpt-4o | $0.0078 | 1 | 0 | 1,000 | 500 | ${both} |`), report);
      assert.ok(report.includes(`| Loopback Router | $0.0078 | 1 | 0 | 1,000 | 500 | ${both} |`), report);
      assert.ok(report.includes(`| Today | $0.0078 | 1 | 0 | 1,000 | 500 | ${both} |`), report);
      assert.ok(usage.summary().includes(both), usage.summary());
      refreshStatusBar();
      assert.match(statusBar.text, /\$0\.0078 today/);

      const csv = vscode.Uri.file(join(tmpdir(), `switchboard-usage-${Date.now()}.csv`));
      await vscode.commands.executeCommand(Commands.exportUsage, { uri: csv, format: 'csv' });
      const exported = new TextDecoder().decode(await vscode.workspace.fs.readFile(csv)).split('\r\n');
      assert.match(
        exported[0] ?? '',
        /,failed_attempts,requests_compared,reported_usd,computed_usd,chat_attempts,chat_usd,language_model_attempts,language_model_usd,tests_attempts,tests_usd,surface_not_recorded_attempts,surface_not_recorded_usd$/,
      );
      assert.equal(
        exported[1],
        `${today},${id},openai/gpt-4o,1,1000,0,0,500,0,0.007800000,0,0,0,0,1,0.007800000,0.007500000,1,0.007800000,0,0.000000000,0,0.000000000,0,0.000000000`,
      );
      await vscode.workspace.fs.delete(csv);
    } finally {
      await deleteUsage();
      await removeProvider(id);
      router.server.close();
    }
  });

  it('a 429 before the fallback model answered is 1 answered request and 1 failed attempt, never 2 requests', async () => {
    const { usage, statusBar, refreshStatusBar, cost } = await testingApi();
    // OpenAI's 429 as documented, and a working OpenAI-compatible server after it in the chain.
    const limited = await loopback((res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '600' });
      res.end(
        JSON.stringify({
          error: {
            message: 'Rate limit reached for gpt-4o on requests per min (RPM): Limit 3, Used 3, Requested 1.',
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        }),
      );
    });
    const backup = await loopback((res) =>
      openAiStream(res, ['O', 'K'], { prompt_tokens: 100_000, completion_tokens: 50_000 }),
    );
    const config = vscode.workspace.getConfiguration('switchboard');
    const first = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Limited',
      baseUrl: `${limited.url}/v1`,
      apiKey: 'sk-proj-limited0123456789abcdef',
    });
    const second = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Fallback',
      baseUrl: `${backup.url}/v1`,
      apiKey: 'sk-proj-fallback0123456789abcdef',
    });
    const deleteUsage = () =>
      answering(/^Delete all of Switchboard’s usage records\?$/, 'Delete', () =>
        vscode.commands.executeCommand(Commands.deleteUsageData),
      );
    try {
      await deleteUsage();
      await vscode.commands.executeCommand(Commands.selectDefaultModel, { providerId: first, modelId: 'gpt-4o' });
      await config.update('fallback.chain', [{ provider: second, model: 'gpt-4o' }], vscode.ConfigurationTarget.Global);
      await config.update('retry.maxAttempts', 1, vscode.ConfigurationTarget.Global);
      const result = await vscode.commands.executeCommand<{ ok: boolean; answeredBy?: { providerId: string } }>(
        Commands.testFallbackChain,
      );
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.answeredBy?.providerId, second);
      assert.equal(limited.bodies.length, 1, 'one attempt at the rate-limited model');
      const today = new Date().toLocaleDateString('sv-SE');
      const all = await until(() => {
        const totals = cost.ledger.totals({ from: today, to: today }).get('all');
        return totals && totals.requests + totals.failedAttempts === 2 ? totals : undefined;
      }, 'both attempts to be recorded');
      assert.deepEqual([all.requests, all.failedAttempts, all.usd], [1, 1, 0.75]);
      const report = usage.report();
      assert.ok(report.includes('| Today | $0.75 | 1 | 1 | 100,000 | 50,000 |  |'), report);
      assert.ok(report.includes('| Limited | $0 | 0 | 1 | 0 | 0 |  |'), report);
      assert.ok(report.includes('| Fallback | $0.75 | 1 | 0 | 100,000 | 50,000 |  |'), report);
      assert.match(usage.summary(), /^\*\*Today\*\* \$0\.75 \(1 request, 1 failed attempt\)/);
      refreshStatusBar();
      const tooltip = statusBar.tooltip instanceof vscode.MarkdownString ? statusBar.tooltip.value : '';
      assert.match(tooltip, /- Fallback: \$0\.75 \(1 request\)\n/);
      assert.match(tooltip, /- Limited: \$0 \(0 requests, 1 failed attempt\)\n/);
    } finally {
      for (const setting of ['fallback.chain', 'retry.maxAttempts'])
        await config.update(setting, undefined, vscode.ConfigurationTarget.Global);
      await deleteUsage();
      for (const id of [first, second]) await removeProvider(id);
      limited.server.close();
      backup.server.close();
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
