import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForUpdate, type Provider as PriceProvider } from '@pydantic/genai-prices';
import * as vscode from 'vscode';
import type { ProviderError, RefreshOutcome } from '../../src/core';
import type { Dialogs } from '../../src/platform/dialogs';
import { Commands } from '../../src/platform/commands';
import { createModelPicker } from '../../src/registry/modelPicker';
import type { HostToWebview, PanelCatalog } from '../../src/shared/protocol';
import { answering, openAiStream, removeProvider, testingApi, until } from './support';

/** Today in the user's time zone, as the labels write it. */
const today = () => new Date().toLocaleDateString('sv-SE');

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A server on 127.0.0.1 answering by method and path; counts the chat requests. */
async function serve(
  routes: Record<string, (res: ServerResponse) => void>,
): Promise<{ url: string; server: Server; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = `${req.method} ${req.url}`;
      paths.push(key);
      const route = routes[key];
      if (route) route(res);
      else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${key}` } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, paths };
}

/** The panel's models table, as one opening of the panel asks for it. */
async function modelsTable(
  panelController: (post: (message: HostToWebview) => Promise<boolean>) => Promise<{
    receive(raw: unknown): Promise<void>;
    dispose(): void;
  }>,
): Promise<{ again: () => Promise<PanelCatalog>; first: PanelCatalog; close: () => void }> {
  const posts: HostToWebview[] = [];
  const controller = await panelController((message) => {
    posts.push(message);
    return Promise.resolve(true);
  });
  let id = 0;
  const ask = async () => {
    const mine = ++id;
    await controller.receive({ type: 'request', id: mine, name: 'allModels', params: {} });
    const reply = posts.find((message) => message.type === 'reply' && message.id === mine);
    assert.ok(reply && reply.type === 'reply', JSON.stringify(posts.slice(-2)));
    return reply.result as PanelCatalog;
  };
  return { first: await ask(), again: ask, close: () => controller.dispose() };
}

const deleteUsage = () =>
  answering(/^Delete all of Switchboard’s usage records\?$/, 'Delete', () =>
    vscode.commands.executeCommand(Commands.deleteUsageData),
  );

describe('what providers list, everywhere, with its source and date', () => {
  it('a LiteLLM proxy’s listed price prices its requests (computed, exact) and a hard-stop budget holds; the models table says the price is the provider’s', async function () {
    this.timeout(60_000);
    const { cost, registry, panelController } = await testingApi();
    const config = vscode.workspace.getConfiguration('switchboard');
    // LiteLLM's /model/info as documented (docs.litellm.ai "Get Model Information"): dollars per token.
    const proxy = await serve({
      'GET /models': (res) => json(res, { object: 'list', data: [{ id: 'team-gpt', object: 'model' }] }),
      'GET /model/info': (res) =>
        json(res, {
          data: [
            {
              model_name: 'team-gpt',
              litellm_params: { model: 'azure/gpt-4o-team' },
              model_info: {
                input_cost_per_token: 0.0000025,
                output_cost_per_token: 0.00001,
                max_input_tokens: 128_000,
                max_output_tokens: 16_384,
              },
            },
          ],
        }),
      'POST /chat/completions': (res) =>
        openAiStream(res, ['Priced', ' by the proxy'], { prompt_tokens: 100_000, completion_tokens: 10_000 }),
    });
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'litellm',
      name: 'Team Proxy',
      baseUrl: proxy.url,
    });
    const chats = () => proxy.paths.filter((path) => path === 'POST /chat/completions').length;
    const ask = async () => {
      for await (const event of cost
        .meteredProvider(id, 'chat')
        .chat({ model: 'team-gpt', messages: [{ role: 'user', content: 'What does this cost?' }], maxTokens: 1000 }))
        void event;
    };
    try {
      await deleteUsage();
      assert.equal(registry.modelList(id), undefined, 'no list read yet');
      // $0.30 a day, stop: a request whose price nobody knew would be refused outright.
      await config.update(
        'budgets',
        [
          {
            id: 'proxy-day',
            scope: { kind: 'provider', providerId: id },
            period: 'daily',
            limitUsd: 0.3,
            mode: 'stop',
          },
        ],
        vscode.ConfigurationTarget.Global,
      );
      await until(() => (cost.budgetUse().length === 1 ? true : undefined), 'the budget to apply');

      // The first request asks the proxy for its list first, then is priced by it.
      await ask();
      assert.deepEqual(proxy.paths.slice(0, 3), ['GET /models', 'GET /model/info', 'POST /chat/completions']);
      const recorded = await until(
        async () => (await cost.recentRequests()).find((record) => record.providerId === id),
        'the request to be recorded',
      );
      // 100,000 × $2.50/M + 10,000 × $10/M = $0.35, computed from the proxy's own prices.
      assert.equal(recorded.cost.basis, 'computed');
      assert.ok(Math.abs((recorded.cost.usd ?? 0) - 0.35) < 1e-9, String(recorded.cost.usd));
      assert.ok(
        Math.abs(cost.ledger.spentUsd({ kind: 'provider', providerId: id }, 'daily', Date.now()) - 0.35) < 1e-9,
      );

      // Over the budget now: the next request is refused before anything is sent.
      const sent = chats();
      await assert.rejects(
        ask(),
        (error: Partial<ProviderError>) => error.name === 'ProviderError' && error.code === 'budget_stop',
      );
      assert.equal(chats(), sent, 'nothing was sent');

      // The models table: the price and the limits are the proxy's, with the day its list was read.
      const table = await modelsTable(panelController);
      table.close();
      const row = table.first.rows.find((candidate) => candidate.providerId === id && candidate.id === 'team-gpt');
      assert.ok(row, JSON.stringify(table.first.rows.map((candidate) => candidate.id)));
      assert.equal(row.priceSource, 'provider');
      assert.deepEqual(row.prices, { input: 2.5, output: 10 });
      assert.deepEqual(
        [row.contextWindow, row.sources?.contextWindow, row.maxOutputTokens, row.sources?.maxOutputTokens],
        [128_000, 'provider', 16_384, 'provider'],
      );
      const listed = `listed by Team Proxy, ${today()}`;
      assert.deepEqual(row.labels, { contextWindow: listed, maxOutputTokens: listed, price: listed });
    } finally {
      await config.update('budgets', undefined, vscode.ConfigurationTarget.Global);
      await deleteUsage();
      await removeProvider(id);
      proxy.server.close();
    }
  });

  it('an OpenRouter-style list: the model picker says the price is OpenRouter’s, and of when', async () => {
    const api = await testingApi();
    const router = await serve({
      'GET /api/v1/models': (res) =>
        json(res, {
          data: [
            {
              id: 'acme/special-7b',
              name: 'Acme: Special 7B',
              context_length: 64_000,
              pricing: { prompt: '0.000003', completion: '0.000015', request: '0', image: '0' },
              top_provider: { context_length: 64_000, max_completion_tokens: 8_000, is_moderated: false },
            },
          ],
        }),
    });
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openrouter',
      name: 'Loopback Router',
      baseUrl: `${router.url}/api/v1`,
      apiKey: 'sk-or-v1-0123456789abcdef0123456789abcdef',
    });
    // The picker's rows as the user would see them, once every provider's list has arrived.
    let shown: vscode.QuickPickItem[] = [];
    const dialogs: Dialogs = Object.assign(Object.create(api.dialogs) as Dialogs, {
      livePick: <T extends vscode.QuickPickItem>(live: {
        items: T[];
        busy: boolean;
        onDidChange: vscode.Event<void>;
      }) =>
        new Promise<T[] | undefined>((resolve) => {
          const settle = () => {
            if (live.busy) return;
            shown = live.items;
            subscription.dispose();
            resolve(undefined);
          };
          const subscription = live.onDidChange(settle);
          settle();
        }),
    });
    const picker = createModelPicker({
      registry: api.registry,
      log: api.log,
      dialogs,
      prices: api.prices,
      changes: api.changes,
      cost: api.cost,
      settings: api.settings,
    });
    try {
      await picker.pick({ title: 'Model' });
      const row = shown.find((item) => item.label === 'Acme: Special 7B');
      assert.ok(row, shown.map((item) => item.label).join(' | '));
      assert.equal(row.description, `$3.00 in · $15.00 out /M · 64k context · listed by Loopback Router, ${today()}`);
      const facts = await api.registry.modelFacts(id, 'acme/special-7b');
      assert.deepEqual([facts.price.source, facts.maxOutputTokens.value], ['provider', 8_000]);
    } finally {
      await removeProvider(id);
      router.server.close();
    }
  });

  it('a price-file change marks the model "price changed $2.50 → $3.00 in" in the models table until the table is opened', async function () {
    this.timeout(60_000);
    const { panelController, registry } = await testingApi();
    const config = vscode.workspace.getConfiguration('switchboard');
    const bundled = structuredClone((await waitForUpdate())!);
    const withGpt4o = (input: number) => {
      const copy: PriceProvider[] = structuredClone(bundled);
      const model = copy.find((provider) => provider.id === 'openai')!.models.find((entry) => entry.id === 'gpt-4o')!;
      model.prices = { input_mtok: input, output_mtok: 10 };
      return copy;
    };
    let served: unknown = bundled;
    const prices = await serve({ 'GET /prices/data.json': (res) => json(res, served) });
    const openai = await serve({
      'GET /v1/models': (res) => json(res, { object: 'list', data: [{ id: 'gpt-4o', object: 'model' }] }),
    });
    const priceUrl = `${prices.url}/prices/data.json`;
    const refresh = () => vscode.commands.executeCommand<RefreshOutcome>(Commands.refreshPrices);
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Changing Prices',
      baseUrl: `${openai.url}/v1`,
      apiKey: 'sk-proj-changing0123456789abcdef',
    });
    const gpt4o = (catalog: PanelCatalog) => catalog.rows.find((row) => row.providerId === id && row.id === 'gpt-4o');
    try {
      // The first look: the table remembers gpt-4o at $2.50, nothing is marked.
      const first = await modelsTable(panelController);
      first.close();
      assert.equal(gpt4o(first.first)?.prices?.input, 2.5);
      assert.equal(gpt4o(first.first)?.change, undefined);
      assert.match(gpt4o(first.first)?.labels?.price ?? '', /^catalog, \d{4}-\d{2}-\d{2}$/);

      // New price data (from a mirror on 127.0.0.1): gpt-4o now costs $3.00.
      served = withGpt4o(3);
      await config.update('prices.url', priceUrl, vscode.ConfigurationTarget.Global);
      await config.update('prices.update', true, vscode.ConfigurationTarget.Global);
      await until(
        async () => ((await registry.modelFacts(id, 'gpt-4o')).price.prices?.input === 3 ? true : undefined),
        'the downloaded price of gpt-4o',
        20_000,
      );

      const opened = await modelsTable(panelController);
      assert.deepEqual(gpt4o(opened.first)?.change, { kind: 'price', text: 'price changed $2.50 → $3.00 in' });
      assert.equal(gpt4o(opened.first)?.labels?.price, `catalog, ${today()}`);
      // This opening keeps showing it (the table reloads after an edit, say)...
      assert.equal(gpt4o(await opened.again())?.change?.text, 'price changed $2.50 → $3.00 in');
      opened.close();
      // ...the next one does not: the user has seen it.
      const next = await modelsTable(panelController);
      next.close();
      assert.equal(gpt4o(next.first)?.prices?.input, 3);
      assert.equal(gpt4o(next.first)?.change, undefined);
    } finally {
      // Back to the bundled prices for the other tests, then off (nothing may reach the internet).
      served = bundled;
      await config.update('prices.url', priceUrl, vscode.ConfigurationTarget.Global);
      await refresh();
      await config.update('prices.update', false, vscode.ConfigurationTarget.Global);
      await config.update('prices.url', undefined, vscode.ConfigurationTarget.Global);
      await removeProvider(id);
      prices.server.close();
      openai.server.close();
    }
  });
});
