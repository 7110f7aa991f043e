// A team's LiteLLM proxy in the real workbench (issue 17): added from the palette against a loopback
// proxy written from LiteLLM's documentation (test/fixtures/gatewayWire.ts), the key's budget in the
// status bar tooltip, and a request stopped before sending once the gateway's budget is spent.
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { liteLlmProxy, type LiteLlmState } from '../fixtures/gatewayWire';
import { startLoopback, type LoopbackServer } from '../support/loopback';
import {
  openInstalledWorkbench,
  runFromPalette,
  screenshot,
  screenshotIfFailed,
  type InstalledWorkbench,
} from '../support/workbench';

const KEY = 'sk-team-ui0123456789abcdef';
const DAY_MS = 86_400_000;

describe('Teams: a LiteLLM proxy in the workbench', function () {
  this.timeout(120_000);
  let workbench: InstalledWorkbench | undefined;
  let page: Page;
  let proxy: LoopbackServer;
  const state: LiteLlmState = {
    keys: {
      [KEY]: {
        spend: 41.2,
        maxBudget: 100,
        budgetDuration: '30d',
        budgetResetAt: new Date(Date.now() + 9 * DAY_MS + 3_600_000).toISOString(),
      },
    },
    // $1,000 in and $2,000 out per million tokens.
    models: { 'team-model': { input: 0.001, output: 0.002 } },
  };
  const chats = () => proxy.requests.filter((request) => request.path.endsWith('/chat/completions'));

  before(async () => {
    proxy = await startLoopback(liteLlmProxy(state));
    workbench = await openInstalledWorkbench('teams', { 'workbench.startupEditor': 'none' });
    ({ page } = workbench);
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page, 'teams-');
  });

  after(async () => {
    await workbench?.close();
    await proxy?.close();
  });

  const quickInput = () => page.locator('.quick-input-widget input.input');
  const costItem = () => page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: / today/ });

  /** The status bar item's tooltip, as hovering shows it. */
  async function tooltip(text: string | RegExp): Promise<Locator> {
    const hover = page.locator('.workbench-hover, .monaco-hover', { hasText: text });
    for (let attempt = 0; attempt < 5; attempt++) {
      await page.mouse.move(0, 0);
      await costItem().first().hover();
      try {
        await hover.first().waitFor({ state: 'visible', timeout: 5_000 });
        return hover.first();
      } catch {
        // The tooltip is rebuilt as figures change: hover again.
      }
    }
    throw new Error(`no tooltip showing ${String(text)}`);
  }

  it("shows the key's budget from the proxy in the status bar tooltip, once the provider is added from the palette", async () => {
    await runFromPalette(
      page,
      'Switchboard: Add Provider',
      page.locator('.quick-input-title', { hasText: 'Add a provider' }),
    );
    await quickInput().fill('LiteLLM');
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: /^LiteLLM proxy$/ }) })
      .click();
    await page.locator('.quick-input-title', { hasText: 'LiteLLM proxy: base URL' }).waitFor();
    await quickInput().fill(`${proxy.url}/v1`);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-title', { hasText: 'API key for LiteLLM proxy' }).waitFor();
    await quickInput().fill(KEY);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-title', { hasText: 'LiteLLM proxy: choose models' }).waitFor();
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: /^team-model$/ }) })
      .click();
    await page.keyboard.press('Enter');
    await page.locator('#workbench\\.parts\\.statusbar', { hasText: 'team-model' }).waitFor();

    const shown = await tooltip('Team gateway');
    assert.match(
      await shown.innerText(),
      /LiteLLM proxy: Team gateway: \$41\.20 of \$100 this month, resets in 9 days \(\$58\.80 left\)/,
    );
    await screenshot(page, 'teams-tooltip');
    assert.ok(
      proxy.requests.some((request) => request.path === '/key/info'),
      'the key was read from /key/info',
    );
  });

  it('stops a request before sending once the refreshed budget is spent: the proxy receives no chat request', async () => {
    // Teammates spent the rest; Refresh Team Gateway reads it.
    state.keys[KEY]!.spend = 99.99;
    const reads = proxy.requests.filter((request) => request.path === '/key/info').length;
    await runFromPalette(page, 'Switchboard: Refresh Team Gateway', costItem());
    const deadline = Date.now() + 20_000;
    while (proxy.requests.filter((request) => request.path === '/key/info').length === reads) {
      if (Date.now() > deadline) throw new Error('the gateway was not read again');
      await page.waitForTimeout(100);
    }
    await tooltip(/\$99\.99 of \$100/);
    // The tooltip stays while the pointer is over it: away from it before typing in the chat.
    await page.mouse.move(400, 300);
    await page.keyboard.press('Escape');
    await page.locator('.workbench-hover').first().waitFor({ state: 'hidden' });

    await page.locator('.interactive-input-part .monaco-editor').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('@switchboard Hello there');
    await page.keyboard.press('Enter');
    const refusal = page.locator('.interactive-session', {
      hasText: /would exceed the LiteLLM proxy key.s remaining credit/,
    });
    await refusal.first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'teams-refused');
    assert.equal(chats().length, 0, 'nothing reached the proxy');
  });
});
