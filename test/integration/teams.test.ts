// Teams (issue 17): a LiteLLM proxy and OpenRouter on loopback, written from their documentation
// (test/fixtures/gatewayWire.ts), with the extension's real services: what the gateway says about the
// key shown and kept current, its credit enforced before sending, its refusals in plain words
// without a retry, a team's policy from .vscode/switchboard.json, and the spend log reconciled.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answer } from '../../src/chat/answer';
import { periodKey } from '../../src/core';
import { Commands } from '../../src/platform/commands';
import type { GatewayComparison } from '../../src/services';
import type { HostToWebview, PanelSpend } from '../../src/shared/protocol';
import { liteLlmProxy, openRouter, type LiteLlmState, type OpenRouterState } from '../fixtures/gatewayWire';
import { startLoopback, type LoopbackServer } from '../support/loopback';
import { chatRequest, chatSession, recordingStream, token } from './chatModulesSupport';
import { answering, removeProvider, testingApi, until } from './support';

const DAY_MS = 86_400_000;
const KEY = 'sk-team-0123456789abcdef';
/** $1,000 in and $2,000 out per million tokens; the proxy bills 12 in and 5 out per request: $0.022. */
const MODEL = { input: 0.001, output: 0.002 };

const chats = (server: LoopbackServer) =>
  server.requests.filter((request) => request.path.endsWith('/chat/completions'));

/** A LiteLLM proxy added as the user would (the template, the proxy's /v1, the key), with its model chosen. */
async function addProxy(state: LiteLlmState, models = ['team-model'], name = 'Team Proxy') {
  const server = await startLoopback(liteLlmProxy(state));
  const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
    template: 'litellm',
    name,
    baseUrl: `${server.url}/v1`,
    apiKey: KEY,
  });
  const { registry } = await testingApi();
  // A model the proxy does not list for this key has no price from it: the user's own.
  await registry.update(id, {
    models: models.map((model) =>
      model === 'team-model' ? { id: model } : { id: model, prices: { input: 1000, output: 2000 } },
    ),
  });
  return { server, id };
}

/** vscode.lm's request to a Switchboard model: its text, or the error it ended with. */
async function sendLm(id: string): Promise<{ text?: string; error?: unknown }> {
  // Once in a few runs VS Code takes over 10 s to ask for the models again after the provider is added.
  const [model] = await until(
    async () => {
      const found = await vscode.lm.selectChatModels({ vendor: 'switchboard', id });
      return found.length > 0 ? found : undefined;
    },
    `${id} to be offered`,
    30_000,
  );
  try {
    const response = await model!.sendRequest(
      [vscode.LanguageModelChatMessage.User('Say hello')],
      {},
      new vscode.CancellationTokenSource().token,
    );
    let text = '';
    for await (const piece of response.text) text += piece;
    return { text };
  } catch (error) {
    return { error };
  }
}

/** What a vscode.lm request ended with, for an assertion's message. */
const outcome = (sent: { text?: string; error?: unknown }) =>
  sent.error instanceof Error ? sent.error.message : `answered: ${sent.text ?? ''}`;

/** Writes the workspace file and saves it in the editor (read at once, not when the file watcher gets to it). */
async function writeWorkspaceFile(content: unknown): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test window has a workspace folder');
  const file = vscode.Uri.joinPath(folder.uri, '.vscode', 'switchboard.json');
  const exists = await vscode.workspace.fs.stat(file).then(
    () => true,
    () => false,
  );
  if (!exists) await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('{}\n'));
  const document = await vscode.workspace.openTextDocument(file);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(file, new vscode.Range(0, 0, document.lineCount + 1, 0), JSON.stringify(content, null, 2));
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit applies');
  assert.ok(await document.save(), 'the file is saved');
  return file;
}

describe('Teams: the gateway they already run', function () {
  this.timeout(60_000);

  it("shows the key's and the team's budget (card, status bar), refreshes on demand and keeps the remainder current after a request", async () => {
    const api = await testingApi();
    const now = Date.now();
    const state: LiteLlmState = {
      keys: {
        [KEY]: {
          spend: 41.2,
          maxBudget: 100,
          budgetDuration: '30d',
          budgetResetAt: new Date(now + 9 * DAY_MS + 3_600_000).toISOString(),
          teamId: 'team-a',
        },
      },
      teams: { 'team-a': { alias: 'Platform', spend: 300, maxBudget: 1000, budgetDuration: '30d' } },
      models: { 'team-model': MODEL },
    };
    const { server, id } = await addProxy(state);
    try {
      const lines = await until(() => {
        const shown = api.cost.gateways.lines(id);
        return shown.length > 0 ? shown : undefined;
      }, "the gateway's status");
      assert.deepEqual(lines, [
        'Team gateway: $41.20 of $100 this month, resets in 9 days ($58.80 left)',
        'Team Platform: $300.00 of $1,000 this month ($700.00 left)',
      ]);
      assert.ok(server.requests.some((request) => request.path === '/key/info'));
      assert.ok(server.requests.some((request) => request.path === '/team/info?team_id=team-a'));
      api.refreshStatusBar();
      const tooltip = (api.statusBar.tooltip as vscode.MarkdownString).value;
      assert.ok(
        tooltip.includes('Team Proxy: Team gateway: $41.20 of $100 this month, resets in 9 days ($58.80 left)'),
        tooltip,
      );

      // A teammate spends; the command reads it now.
      state.keys[KEY]!.spend = 50;
      const refreshed = await vscode.commands.executeCommand<string[]>(Commands.refreshGateway);
      assert.equal(refreshed[0], 'Team Proxy: Team gateway: $50.00 of $100 this month, resets in 9 days ($50.00 left)');

      // A request from this machine moves the figures without asking the gateway again.
      const reads = server.requests.filter((request) => request.path === '/key/info').length;
      const sent = await sendLm(`${id}/team-model`);
      assert.equal(sent.text, 'Hello from the team gateway.');
      const moved = await until(() => {
        const first = api.cost.gateways.lines(id)[0]!;
        return first.startsWith('Team gateway: $50.00 of') ? undefined : first;
      }, 'the remainder to move');
      assert.equal(moved, 'Team gateway: $50.02 of $100 this month, resets in 9 days ($49.98 left)');
      assert.equal(server.requests.filter((request) => request.path === '/key/info').length, reads);
    } finally {
      await removeProvider(id);
      await server.close();
    }
  });

  it("stops a request before sending when the gateway's last known credit cannot cover it; nothing reaches the proxy", async () => {
    const api = await testingApi();
    const state: LiteLlmState = {
      keys: { [KEY]: { spend: 99.99, maxBudget: 100, budgetDuration: '30d' } },
      models: { 'team-model': MODEL },
    };
    const { server, id } = await addProxy(state, ['team-model'], 'Credit Proxy');
    try {
      await until(() => (api.cost.gateways.lines(id).length > 0 ? true : undefined), "the gateway's status");
      // A cent left: the prompt alone (about 10 tokens at $1,000/M) and the least answer cost more.
      const sent = await sendLm(`${id}/team-model`);
      assert.ok(sent.error instanceof vscode.LanguageModelError, `refused, not ${outcome(sent)}`);
      assert.equal(sent.error.code, vscode.LanguageModelError.Blocked().code);
      assert.match(sent.error.message, /would exceed the Credit Proxy key's remaining credit: \$0\.01 left/);
      // In @switchboard too; its button reads the gateway again (a top-up, a new period), and none
      // offers the user's budgets, which did not refuse it.
      const { session } = await chatSession();
      await session.services.registry.setDefault(id, 'team-model');
      const refused = recordingStream();
      const result = await answer(session, chatRequest('Say hello'), { history: [] }, refused.stream, token());
      assert.match(result.errorDetails?.message ?? '', /remaining credit/);
      assert.ok(refused.of('button').includes('Refresh Team Gateway'), refused.of('button').join(', '));
      assert.ok(!refused.of('button').includes('Change Budgets'), refused.of('button').join(', '));
      assert.equal(chats(server).length, 0, 'nothing was sent');
    } finally {
      await removeProvider(id);
      await server.close();
    }
  });

  it("the gateway's refusals reach chat and vscode.lm in plain words, each after one request (never retried)", async () => {
    const api = await testingApi();
    const state: LiteLlmState = {
      keys: { [KEY]: { spend: 10, maxBudget: 100, models: ['team-model'] } },
      models: { 'team-model': MODEL, 'other-model': MODEL },
      // v1.102's status for a spent budget: a 429 that is not a rate limit.
      budgetStatus: 429,
    };
    const { server, id } = await addProxy(state, ['team-model', 'other-model'], 'Refusing Proxy');
    const { session } = await chatSession();
    const asked = api.dialogs.asked.length;
    try {
      await until(() => (api.cost.gateways.lines(id).length > 0 ? true : undefined), "the gateway's status");
      // The proxy's prices, read while the key could still read them (a spent key reads nothing).
      await api.registry.refreshModels(id);
      // Teammates spent the rest since the read: the gateway, the authority, refuses.
      state.keys[KEY]!.spend = 100;
      await session.services.registry.setDefault(id, 'team-model');
      const spent = recordingStream();
      const result = await answer(session, chatRequest('Say hello'), { history: [] }, spent.stream, token());
      // Markdown-escaped for the chat: read without the escapes.
      assert.equal(
        result.errorDetails?.message.replace(/\\/g, ''),
        'Refusing Proxy refused the request: the budget of this key or its team is spent (429): Budget has been exceeded! Current cost: 100, Max budget: 100',
      );
      assert.equal(chats(server).length, 1, 'one request, no retry');

      // A model the key may not use: said as such, not as a bad key.
      state.keys[KEY]!.spend = 10;
      const other = await sendLm(`${id}/other-model`);
      assert.ok(other.error instanceof vscode.LanguageModelError, outcome(other));
      assert.equal(other.error.code, vscode.LanguageModelError.NotFound().code);
      assert.match(other.error.message, /Refusing Proxy does not allow this model for this key \(401\)/);
      assert.equal(chats(server).length, 2);

      // An expired key: said, and not sent again.
      state.keys[KEY]!.expires = new Date(Date.now() - DAY_MS).toISOString();
      const expired = await sendLm(`${id}/team-model`);
      assert.ok(expired.error instanceof vscode.LanguageModelError, outcome(expired));
      assert.equal(expired.error.code, vscode.LanguageModelError.NoPermissions().code);
      assert.match(expired.error.message, /Refusing Proxy says the key has expired \(401\)/);
      assert.equal(chats(server).length, 3);
      // Nothing was asked on the way: each refusal was the gateway's, said as it.
      assert.deepEqual(api.dialogs.asked.slice(asked), []);
    } finally {
      await removeProvider(id);
      await server.close();
    }
  });

  it("compares this machine's records with the gateway's spend log, day by day", async () => {
    const api = await testingApi();
    const state: LiteLlmState = {
      keys: { [KEY]: { spend: 0, maxBudget: 100 } },
      models: { 'team-model': MODEL },
    };
    // A name of its own: the ledger keeps earlier tests' spend under their providers' ids.
    const { server, id } = await addProxy(state, ['team-model'], `Ledger Proxy ${Date.now().toString(36)}`);
    const today = periodKey('daily', Date.now());
    try {
      await until(() => (api.cost.gateways.lines(id).length > 0 ? true : undefined), "the gateway's status");
      for (let index = 0; index < 2; index++)
        assert.equal((await sendLm(`${id}/team-model`)).text, 'Hello from the team gateway.');
      await until(
        () => ((api.cost.totals(Date.now(), Date.now(), 'provider').get(id)?.requests ?? 0) >= 2 ? true : undefined),
        'both requests in the ledger',
      );
      const args = { providerId: id, from: today, to: today };
      const same = await vscode.commands.executeCommand<GatewayComparison>(Commands.compareGatewaySpend, args);
      assert.deepEqual([same.recordedUsd, same.gatewayUsd, same.differenceUsd, same.days.length], [0.044, 0.044, 0, 1]);
      // Another machine spent on the same key: the gateway's log says more than this machine's records.
      state.spendLog!.push({ ...state.spendLog![0]!, request_id: 'elsewhere', spend: 0.5 });
      const more = await vscode.commands.executeCommand<GatewayComparison>(Commands.compareGatewaySpend, args);
      assert.deepEqual([more.recordedUsd, more.gatewayUsd, more.differenceUsd], [0.044, 0.544, 0.5]);
      assert.equal(more.days[0]!.day, today);

      // From the panel's Usage section: the proxy is offered for comparison; the period is asked, the report opens.
      const posts: HostToWebview[] = [];
      const controller = await api.panelController((message) => (posts.push(message), Promise.resolve(true)));
      try {
        const ask = async (id: number, name: string, params: unknown) => {
          await controller.receive({ type: 'request', id, name, params });
          const reply = posts.find((message) => message.type === 'reply' && message.id === id);
          assert.ok(reply && reply.type === 'reply', JSON.stringify(posts.slice(-2)));
          return reply;
        };
        const spend = await ask(1, 'spend', { days: 7 });
        const listed = (spend.result as PanelSpend).gateways?.find((gateway) => gateway.providerId === id);
        assert.equal(listed?.keepsSpendLog, true);
        await answering(/^Compare which days\?$/, 'This month', () =>
          ask(2, 'compareGatewaySpend', { providerId: id }),
        );
        const report = await until(
          () => vscode.workspace.textDocuments.find((document) => document.getText().includes('$0.50')),
          'the comparison report',
        );
        assert.equal(report.languageId, 'markdown');
      } finally {
        controller.dispose();
      }
    } finally {
      await removeProvider(id);
      await server.close();
    }
  });

  it("a team's policy: its budget beside the user's, its allowed models (asked once in @switchboard, refused to vscode.lm) and a data policy a user setting cannot loosen", async () => {
    const api = await testingApi();
    const config = vscode.workspace.getConfiguration('switchboard');
    const state: OpenRouterState = {
      key: 'sk-or-v1-team0123456789abcdef0123456789abcdef',
      usage: 0,
      models: { 'team/allowed': MODEL, 'team/other': MODEL },
    };
    const server = await startLoopback(openRouter(state));
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openrouter',
      name: 'Team Router',
      baseUrl: `${server.url}/api/v1`,
      apiKey: state.key,
    });
    await api.registry.update(id, {
      models: [
        { id: 'team/allowed', extraBody: { provider: { data_collection: 'allow', order: ['a'] } } },
        { id: 'team/other' },
      ],
    });
    let file: vscode.Uri | undefined;
    try {
      // The user's setting tries to lift the team's denial, and adds zero data retention of its own.
      await config.update(
        'openRouter.dataPolicy',
        { denyDataCollection: false, zeroDataRetention: true },
        vscode.ConfigurationTarget.Global,
      );
      file = await writeWorkspaceFile({
        policy: { [id]: { allowedModels: ['team/allowed'], dataPolicy: { denyDataCollection: true } } },
      });
      await until(() => (api.registry.teamPolicy()[id] ? true : undefined), 'the team policy', 30_000);

      assert.equal((await sendLm(`${id}/team/allowed`)).text, 'Hello from OpenRouter.');
      const body = JSON.parse(chats(server)[0]!.body) as { provider?: unknown };
      assert.deepEqual(body.provider, { data_collection: 'deny', order: ['a'], zdr: true });

      // Outside the team's list: refused where nobody can be asked, naming how to allow it.
      const refused = await sendLm(`${id}/team/other`);
      assert.ok(refused.error instanceof Error, outcome(refused));
      assert.match(
        refused.error.message,
        /does not allow team\/other on Team Router.*accept it there \(once per workspace\)/,
      );
      assert.equal(chats(server).length, 1, 'nothing sent');

      // In @switchboard the user is asked once per workspace.
      const { session } = await chatSession();
      await session.services.registry.setDefault(id, 'team/other');
      const before = api.dialogs.asked.length;
      const first = await answering(/does not allow team\/other.*Use it anyway/, 'Use Anyway', () =>
        answer(session, chatRequest('Hi'), { history: [] }, recordingStream().stream, token()),
      );
      assert.equal(first.errorDetails, undefined);
      const second = await answer(session, chatRequest('Hi again'), { history: [] }, recordingStream().stream, token());
      assert.equal(second.errorDetails, undefined);
      assert.equal(api.dialogs.asked.slice(before).filter((asked) => /does not allow/.test(asked)).length, 1);
      assert.equal(chats(server).length, 3);

      // A team budget: the stricter refuses, naming the team's budget and its file.
      await writeWorkspaceFile({
        policy: { [id]: { budget: { limitUsd: 0.001, period: 'monthly', mode: 'stop' } } },
      });
      await until(() => (api.registry.teamPolicy()[id]?.budget ? true : undefined), 'the team budget', 30_000);
      const over = await sendLm(`${id}/team/allowed`);
      assert.ok(over.error instanceof vscode.LanguageModelError, outcome(over));
      assert.match(
        over.error.message,
        /team's monthly Team Router budget of \$0\.0010 \(\.vscode\/switchboard\.json\)/,
      );
      assert.equal(chats(server).length, 3, 'nothing sent over the team budget');
    } finally {
      await config.update('openRouter.dataPolicy', undefined, vscode.ConfigurationTarget.Global);
      if (file) await vscode.workspace.fs.delete(file);
      await removeProvider(id);
      await server.close();
    }
  });
});
