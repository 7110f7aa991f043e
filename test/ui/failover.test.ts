// Failover without setting anything up, in the real workbench: two providers declared in settings
// (loopback servers speaking OpenAI's Chat Completions), no fallback chain. The first answers 503;
// @switchboard's answer comes from the second, and the chat says why.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { Locator, Page } from 'playwright-core';
import { startLoopback, type LoopbackServer, type RecordedRequest } from '../support/loopback';
import { openInstalledWorkbench, screenshot, screenshotIfFailed, type InstalledWorkbench } from '../support/workbench';

function chunk(choices: unknown[], extra: Record<string, unknown> = {}): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-ui', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra })}\n\n`;
}

/** An OpenAI-compatible server listing `model`; its chat requests go to `chat`. */
function server(model: string, chat: (res: ServerResponse) => void): Promise<LoopbackServer> {
  return startLoopback((request: RecordedRequest, res: ServerResponse) => {
    if (request.method === 'GET' && request.path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created: 1, owned_by: 'me' }] }));
      return;
    }
    chat(res);
  });
}

describe('failover with an empty fallback chain, as a user meets it', function () {
  this.timeout(120_000);
  let workbench: InstalledWorkbench | undefined;
  let page: Page;
  let first: LoopbackServer;
  let second: LoopbackServer;
  const chats = (provider: LoopbackServer) =>
    provider.requests.filter((request) => request.path === '/v1/chat/completions');

  before(async () => {
    first = await server('a-primary', (res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: 'The engine is currently overloaded, please try again later.',
            type: 'server_error',
            param: null,
            code: null,
          },
        }),
      );
    });
    second = await server('b-backup', (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        chunk([{ index: 0, delta: { role: 'assistant', content: 'The backup answers.' }, finish_reason: null }]) +
          chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
          chunk([], { usage: { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 } }) +
          'data: [DONE]\n\n',
      );
    });
    // Two self-hosted (keyless) servers declared in settings, each with its default model; no chain.
    workbench = await openInstalledWorkbench('failover', {
      'workbench.startupEditor': 'none',
      'switchboard.retry.maxAttempts': 1,
      'switchboard.providers': [
        {
          id: 'first',
          name: 'First Server',
          template: 'vllm',
          baseUrl: `${first.url}/v1`,
          models: [{ id: 'a-primary' }],
          defaultModel: 'a-primary',
        },
        {
          id: 'second',
          name: 'Second Server',
          template: 'vllm',
          baseUrl: `${second.url}/v1`,
          models: [{ id: 'b-backup' }],
          defaultModel: 'b-backup',
        },
      ],
    });
    ({ page } = workbench);
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page, 'failover-');
  });

  after(async () => {
    await workbench?.close();
    await first?.close();
    await second?.close();
  });

  /** The response row to the newest request showing `asked` (rows are found by their list index). */
  async function responseTo(asked: string): Promise<Locator> {
    const requests = page
      .locator('.interactive-session .monaco-list-row[data-index]')
      .filter({ has: page.locator('.interactive-request', { hasText: asked }) });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const indexes = await requests.evaluateAll((rows: Array<{ getAttribute(name: string): string | null }>) =>
        rows.map((row) => Number(row.getAttribute('data-index'))),
      );
      if (indexes.length > 0)
        return page.locator(`.interactive-session .monaco-list-row[data-index="${Math.max(...indexes) + 1}"]`);
      if (Date.now() > deadline) throw new Error(`no request "${asked}" in the chat`);
      await page.waitForTimeout(100);
    }
  }

  it('the first provider answers 503, the answer comes from the other provider, and the chat says why', async () => {
    // The first server's model in VS Code's chat picker: @switchboard asks it first. Nothing else is
    // set up (no default model, no chain): the second server is found by automatic failover.
    await page
      .locator('.interactive-input-part .chat-input-picker-item', { hasText: /a-primary|b-backup/ })
      .first()
      .click();
    await page.locator('.chat-model-picker-dropdown .monaco-list-row').filter({ hasText: 'a-primary' }).first().click();

    await page.locator('.interactive-input-part .monaco-editor').first().click();
    await page.keyboard.type('@switchboard Are you there?');
    await page.keyboard.press('Enter');
    const answer = await responseTo('Are you there?');
    await answer.filter({ hasText: 'The backup answers.' }).waitFor({ timeout: 30_000 });
    const footer = answer.filter({ hasText: /Second Server · b-backup · 40 in \/ 5 out/ });
    await footer.waitFor({ timeout: 20_000 });
    const text = await answer.innerText();
    assert.match(text, /Answered by Second Server b-backup after First Server a-primary returned 503 \(overloaded\)\./);
    assert.match(text, /Picked by automatic failover: your fallback chain is empty/);
    assert.equal(chats(first).length, 1, 'one try on the first provider');
    assert.equal(chats(second).length, 1, 'then the second answered');
    const sent = JSON.parse(chats(second)[0]!.body) as { model: string };
    assert.equal(sent.model, 'b-backup');
    await screenshot(page, 'failover-answer');
  });
});
