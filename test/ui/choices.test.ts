// Choices that show their cost, driven in the real workbench: a new default model that multiplies
// the cost of an answer is asked about in VS Code's own modal dialog, with the difference per answer;
// Recommend a Model ranks the user's models and explains the pick. The provider is a loopback server
// speaking OpenAI's Chat Completions wire format, priced by the catalog. The tests run in order, as
// one user's session, with no requests recorded yet (the typical request is the stated assumption).
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { startLoopback, type LoopbackServer } from '../support/loopback';
import {
  openInstalledWorkbench,
  runFromPalette,
  screenshot,
  screenshotIfFailed,
  type InstalledWorkbench,
} from '../support/workbench';

describe('choices that show their cost, in the workbench', function () {
  this.timeout(120_000);
  let workbench: InstalledWorkbench | undefined;
  let page: Page;
  let provider: LoopbackServer;

  before(async () => {
    provider = await startLoopback((request, res: ServerResponse) => {
      if (request.method === 'GET' && request.path === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            data: ['gpt-4o-mini', 'gpt-4o'].map((id) => ({ id, object: 'model', created: 1, owned_by: 'system' })),
          }),
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Not Found', type: 'invalid_request_error' } }));
    });
    workbench = await openInstalledWorkbench('choices', { 'workbench.startupEditor': 'none' });
    ({ page } = workbench);
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page, 'choices-');
  });

  after(async () => {
    await workbench?.close();
    await provider?.close();
  });

  const quickInput = () => page.locator('.quick-input-widget input.input');
  const title = (text: string) => page.locator('.quick-input-title', { hasText: text });
  const row = (name: RegExp) =>
    page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: name }) });
  const statusBar = (text: RegExp) => page.locator('#workbench\\.parts\\.statusbar', { hasText: text });

  it('a default model that multiplies the cost per answer beyond the ratio is asked about, with the difference', async () => {
    // A new user's provider, its cheaper model ticked: the first model becomes the default.
    await runFromPalette(page, 'Switchboard: Add Provider', title('Add a provider'));
    await quickInput().fill('OpenAI');
    await row(/^OpenAI$/).click();
    await title('OpenAI: base URL').waitFor();
    await quickInput().fill(`${provider.url}/v1`);
    await page.keyboard.press('Enter');
    await title('API key for OpenAI').waitFor();
    await quickInput().fill('sk-proj-choices0123456789abcdef');
    await page.keyboard.press('Enter');
    await title('OpenAI: choose models').waitFor();
    await row(/^gpt-4o-mini$/).click();
    await page.keyboard.press('Enter');
    await statusBar(/gpt-4o-mini/).waitFor();

    await runFromPalette(page, 'Switchboard: Select Default Model', title('Default model'));
    // Clicked once its price is on show: the rows are re-rendered when the provider's list arrives.
    await row(/^GPT-4o$/)
      .filter({ hasText: '$2.50 in · $10.00 out /M' })
      .click();
    // VS Code's own modal: the difference per answer at the assumed size, and the ratio it crossed.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    const text = await dialog.innerText();
    assert.match(
      text,
      /Make OpenAI gpt-4o your default model\? It costs about \$0\.0094 more per answer than gpt-4o-mini \(\$0\.01 instead of \$0\.0006, 17×\)\./,
      text,
    );
    assert.match(
      text,
      /Priced for a request of 2,000 tokens in, 500 out \(assumed: fewer than 3 requests recorded yet\)/,
    );
    assert.match(text, /more than 3 \(switchboard\.fallback\.maxCostRatio\)/);
    await screenshot(page, 'choices-cost-prompt');
    await dialog.locator('.monaco-button', { hasText: 'Make Default' }).click();
    await statusBar(/gpt-4o(?!-mini)/).waitFor();
    await page
      .locator('.notifications-toasts', { hasText: 'Your default model is now OpenAI gpt-4o.' })
      .waitFor({ timeout: 20_000 });
  });

  it('Recommend a Model ranks the models for the task, explains the pick and makes it the default', async () => {
    await runFromPalette(page, 'Switchboard: Recommend a Model', title('Recommend a model: for what?'));
    await row(/^Cheapest$/).click();
    await title('Recommend a model: budget per…').waitFor();
    await row(/^Per request$/).click();
    await title('Recommend a model: budget per request').waitFor();
    await quickInput().fill('0.005');
    await page.keyboard.press('Enter');
    await title('Recommended for cheapest, best first').waitFor();
    const best = page.locator('.quick-input-list .monaco-list-row').first();
    const shown = await best.innerText();
    assert.match(shown, /OpenAI gpt-4o-mini/);
    assert.match(shown, /about \$0\.0006 per request · 128k context/);
    // Why this one, and what the runner-up costs.
    assert.match(shown, /the cheapest of 2/);
    assert.match(shown, /Runner-up: OpenAI gpt-4o at about \$0\.01 per request\./);
    await screenshot(page, 'choices-recommendation');
    await best.click();
    await title('OpenAI gpt-4o-mini: use it how?').waitFor();
    await row(/^Make it the default model$/).click();
    // Cheaper: told, not asked.
    await statusBar(/gpt-4o-mini/).waitFor();
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0);
  });
});
