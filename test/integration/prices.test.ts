import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForUpdate, type Provider } from '@pydantic/genai-prices';
import * as vscode from 'vscode';
import type { RefreshOutcome } from '../../src/core';
import { Commands } from '../../src/platform/commandIds';
import { loopback, openAiStream, removeProvider, testingApi, toldDuring, until } from './support';

/** The bundled data with gpt-4o's prices set (US dollars per million tokens). */
function withGpt4o(data: Provider[], input: number, output: number): Provider[] {
  const copy = structuredClone(data);
  const model = copy.find((provider) => provider.id === 'openai')!.models.find((entry) => entry.id === 'gpt-4o')!;
  model.prices = { input_mtok: input, output_mtok: output };
  return copy;
}

describe('prices kept current, in the extension host', () => {
  it('downloads from the address in the settings; the next request is priced with it; a broken file changes nothing', async function () {
    this.timeout(60_000);
    const { registry, cost } = await testingApi();
    const config = vscode.workspace.getConfiguration('switchboard');
    // The test's own copy of genai-prices holds the data bundled with the release: the server's base.
    const bundled = structuredClone((await waitForUpdate())!);
    let served: unknown = withGpt4o(bundled, 7, 8);
    let downloads = 0;
    const priceServer: Server = createServer((request, response) => {
      downloads++;
      if (typeof served === 'string') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(served);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(served));
    });
    await new Promise<void>((resolve) => priceServer.listen(0, '127.0.0.1', resolve));
    const priceUrl = `http://127.0.0.1:${(priceServer.address() as AddressInfo).port}/prices/data.json`;
    const chat = await loopback((res) =>
      openAiStream(res, ['Hi'], { prompt_tokens: 100_000, completion_tokens: 10_000 }),
    );
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Prices',
      baseUrl: `${chat.url}/v1`,
      apiKey: 'sk-proj-prices0123456789abcdef',
    });
    const input = async () => (await registry.modelFacts(id, 'gpt-4o')).price.prices?.input;
    const refresh = () => vscode.commands.executeCommand<RefreshOutcome>(Commands.refreshPrices);
    try {
      const before = await input();
      assert.ok(before !== undefined && before !== 7);
      // Turned on with a mirror's address: the file is downloaded as the setting changes.
      await config.update('prices.url', priceUrl, vscode.ConfigurationTarget.Global);
      await config.update('prices.update', true, vscode.ConfigurationTarget.Global);
      await until(async () => ((await input()) === 7 ? true : undefined), 'the downloaded price of gpt-4o', 20_000);

      for await (const event of cost
        .meteredProvider(id, 'chat')
        .chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }))
        void event;
      const recorded = await until(
        async () => (await cost.recentRequests()).find((record) => record.providerId === id),
        'the request to be recorded',
      );
      // 100,000 × $7/M + 10,000 × $8/M
      assert.equal(recorded.cost.usd?.toFixed(2), '0.78');

      // The file changes: Refresh Prices uses it at once.
      served = withGpt4o(bundled, 9, 10);
      const told = await toldDuring(async () => assert.deepEqual(await refresh(), { status: 'updated' }));
      assert.match(told.join('\n'), /Prices updated: data of \d{4}-\d{2}-\d{2}\./);
      assert.equal(await input(), 9);

      // A broken file: said so, and the prices stay.
      served = '<html>Service unavailable</html>';
      const broken = await toldDuring(async () => assert.equal((await refresh()).status, 'failed'));
      assert.match(broken.join('\n'), /not JSON.*Prices stay as they were\./s);
      assert.equal(await input(), 9);
      const downloadsSoFar = downloads;

      // Off: nothing is downloaded by itself any more.
      await config.update('prices.update', false, vscode.ConfigurationTarget.Global);
      await config.update('prices.url', `${priceUrl}?again`, vscode.ConfigurationTarget.Global);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(downloads, downloadsSoFar);
    } finally {
      // Back to the bundled prices for the other tests (the data in use is the extension's, for the whole host).
      served = bundled;
      await config.update('prices.url', priceUrl, vscode.ConfigurationTarget.Global);
      await refresh();
      // Off as the test host starts it (nothing may reach the internet), then the default address.
      await config.update('prices.update', false, vscode.ConfigurationTarget.Global);
      await config.update('prices.url', undefined, vscode.ConfigurationTarget.Global);
      await removeProvider(id);
      chat.server.close();
      priceServer.close();
    }
  });
});
