// Health you can see: background checks in the extension host, on the status bar, the panel's
// cards and the router; the Fallback section's settings through the panel protocol.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { answer } from '../../src/chat/answer';
import type { HostToWebview } from '../../src/shared/protocol';
import {
  chatRequest,
  chatSession,
  openAiServer,
  recordingStream,
  setUp,
  token,
  type FakeProvider,
} from './chatModulesSupport';
import { openAiStream, testingApi, until } from './support';

/** An OpenAI server whose model list answers 503 (its chat would answer: it must not be asked). */
async function listFailing(): Promise<FakeProvider> {
  const seen: Pick<FakeProvider, 'chats' | 'listed'> = { chats: [], listed: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/models') {
        seen.listed++;
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { message: 'Service Unavailable', type: 'server_error', param: null, code: null } }),
        );
        return;
      }
      seen.chats.push({ model: 'gpt-4o', messages: [] });
      openAiStream(res, ['should not answer'], { prompt_tokens: 1, completion_tokens: 1 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(seen, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server });
}

describe('background health checks in the extension host', () => {
  it('checks each enabled provider with its model list; the status bar and the cards show the state; the router skips a failing one and says so', async () => {
    const { routing, registry, statusBar, refreshStatusBar, panelController } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    const config = vscode.workspace.getConfiguration('switchboard');
    const checksBefore = config.inspect<boolean>('health.enabled')?.globalValue;
    const healthy = await openAiServer((res) =>
      openAiStream(res, ['Healthy answers'], { prompt_tokens: 7, completion_tokens: 2 }),
    );
    const failing = await listFailing();
    try {
      const good = await test.provider('Health Good', healthy);
      const bad = await test.provider('Health Bad', failing);
      // The test hosts turn the checks off in user settings: put back as found, not removed (which means on).
      await config.update('health.enabled', true, vscode.ConfigurationTarget.Global);
      await until(() => (routing.health(good) ? true : undefined), 'the checks to start');
      // Two failed checks in a row make a provider failing (the first could be a blip).
      await routing.background.checkNow();
      await routing.background.checkNow();
      assert.equal(routing.health(good)?.state, 'healthy');
      assert.equal(typeof routing.health(good)?.lastMs, 'number');
      assert.equal(routing.health(bad)?.state, 'failing');
      assert.ok(healthy.listed >= 2 && failing.listed >= 2, 'asked with the model list');
      assert.equal(healthy.chats.length + failing.chats.length, 0, 'never a paid generation');

      refreshStatusBar();
      const tooltip = statusBar.tooltip instanceof vscode.MarkdownString ? statusBar.tooltip.value : '';
      assert.match(tooltip, /Health Good: healthy · [\d,]+ ms/);
      assert.match(tooltip, /Health Bad: failing: .*503/);

      const posts: HostToWebview[] = [];
      const controller = await panelController((message) => {
        posts.push(message);
        return Promise.resolve(true);
      });
      try {
        const state = await controller.state();
        const card = (id: string) => state.providers.find((provider) => provider.id === id);
        assert.equal(card(good)?.health?.state, 'healthy');
        assert.equal(card(bad)?.health?.state, 'failing');

        // The Fallback section's settings, saved through the panel protocol.
        await controller.receive({
          type: 'request',
          id: 1,
          name: 'saveFallbackOptions',
          params: { askBeforeSwitchingProviders: false, maxCostRatio: 2.5 },
        });
        assert.deepEqual(
          posts.find((message) => message.type === 'reply' && message.id === 1),
          {
            type: 'reply',
            id: 1,
            result: null,
          },
        );
        assert.equal(vscode.workspace.getConfiguration('switchboard').get('fallback.maxCostRatio'), 2.5);
        assert.deepEqual((await controller.state()).fallback.options, {
          automatic: true,
          askBeforeSwitchingProviders: false,
          maxCostRatio: 2.5,
        });
        // Undone with the test's other settings.
        await test.set('fallback.maxCostRatio', 2.5);
        await test.set('fallback.askBeforeSwitchingProviders', false);
      } finally {
        controller.dispose();
      }

      // The failing provider is the default; with no chain, the request goes to the healthy one, and the chat says why.
      await registry.setDefault(bad, 'gpt-4o');
      await test.set('fallback.chain', []);
      const { stream, of } = recordingStream();
      const result = await answer(session, chatRequest('Anyone healthy?'), { history: [] }, stream, token());
      assert.deepEqual(result, { metadata: { providerId: good, model: 'gpt-4o' } });
      assert.equal(failing.chats.length, 0, 'the failing provider was passed by');
      assert.match(
        of('progress').join('\n'),
        /Health Bad gpt\\-4o skipped \\\(its background health checks are failing\\\); trying Health Good/,
      );
      assert.match(
        of('markdown').at(-1) ?? '',
        /after Health Bad gpt\\-4o was skipped \(its background health checks are failing\)/,
      );
      const noted = await until(
        () =>
          registry.auditEntries().find((entry) => entry.action === 'fallback-triggered' && entry.providerId === bad),
        'the skip in the activity log',
      );
      assert.match(noted.detail ?? '', /skipped, its background health checks are failing/);
    } finally {
      await config.update('health.enabled', checksBefore, vscode.ConfigurationTarget.Global);
      await test.cleanUp();
    }
  });
});
