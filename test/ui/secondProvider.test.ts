// The default model is the user's: a second provider added through the panel's wizard joins the
// model picker without moving the default (the status bar, new chats, the fallback head stay on the
// first). Two loopback servers speak OpenAI's API; the user drives the wizard as in panel.test.ts.
// With two providers, the list is searched and filtered, and Edit > Advanced Settings opens the
// Provider Settings tab on the provider being edited.
import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { json, startLoopback, type LoopbackServer } from '../support/loopback';
import {
  openInstalledWorkbench,
  runFromPalette,
  screenshot,
  screenshotIfFailed,
  webviewFrame,
  type InstalledWorkbench,
} from '../support/workbench';

/** An OpenAI-compatible server listing `models` under /v1 (the wizard's test needs only the list). */
function openAiServer(models: string[]): Promise<LoopbackServer> {
  return startLoopback((request, res) => {
    if (request.method === 'GET' && request.path === '/v1/models') {
      json(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' })),
      });
      return;
    }
    json(res, 404, {
      error: { message: `Invalid URL (${request.method} ${request.path})`, type: 'invalid_request_error' },
    });
  });
}

describe('a second provider added from the panel', function () {
  this.timeout(120_000);
  let workbench: InstalledWorkbench | undefined;
  let page: Page;
  let panel: FrameLocator;
  let first: LoopbackServer;
  let second: LoopbackServer;

  before(async () => {
    first = await openAiServer(['gpt-4o', 'gpt-4o-mini']);
    second = await openAiServer(['team-large', 'team-small']);
    workbench = await openInstalledWorkbench('second-provider', { 'workbench.startupEditor': 'none' });
    page = workbench.page;
    panel = webviewFrame(page);
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page, 'second-provider-');
  });

  after(async () => {
    await workbench?.close();
    await first?.close();
    await second?.close();
  });

  /** The wizard from a template button to a saved provider with `defaultModel` as its own default. */
  async function addThroughWizard(template: string, baseUrl: string, options: { key?: string; name?: string }) {
    await panel.getByRole('button', { name: template, exact: true }).click();
    await panel.getByLabel('Base URL').fill(baseUrl);
    if (options.name) await panel.getByLabel('Name (optional)').fill(options.name);
    if (options.key) await panel.getByLabel('API key').pressSequentially(options.key);
    await panel.getByRole('button', { name: 'Test Connection' }).click();
    await panel.locator('tr[data-model]').first().waitFor({ timeout: 20_000 });
  }

  it('keeps the status bar and the default on the first provider, and offers the second', async () => {
    const statusBar = page.locator('#workbench\\.parts\\.statusbar');
    await runFromPalette(page, 'Switchboard: Manage Providers', panel.locator('#app[data-state="ready"]'));
    await panel.getByRole('button', { name: 'Connect your first provider' }).click();
    await addThroughWizard('OpenAI', `${first.url}/v1`, { key: 'sk-proj-FIRSTPROVIDER0123456789ab' });
    await panel.getByLabel('Use gpt-4o-mini').check();
    await panel.getByLabel('Make gpt-4o-mini the default').check();
    await panel.getByRole('button', { name: 'Save Provider' }).click();
    await panel.getByText('OpenAI is ready').waitFor({ timeout: 20_000 });
    await statusBar.locator('.statusbar-item', { hasText: 'OpenAI · gpt-4o-mini' }).waitFor({ timeout: 20_000 });

    // The second: the wizard preselects its first model as the provider's own default.
    await panel.getByRole('button', { name: 'See Providers' }).click();
    await panel.getByRole('tab', { name: 'Add Provider', exact: true }).click();
    await addThroughWizard('Custom OpenAI-compatible', `${second.url}/v1`, { name: 'Team Gateway' });
    assert.equal(await panel.getByLabel('Make team-large the default').isChecked(), true);
    await panel.getByRole('button', { name: 'Save Provider' }).click();
    await panel.getByText('Team Gateway is ready').waitFor({ timeout: 20_000 });
    assert.match(await panel.locator('div.done').innerText(), /Your default model is unchanged/);
    // Asked, not moved: the question waits in a notification; left unanswered, nothing changes.
    const offer = page.locator('.notification-toast', { hasText: 'Make Team Gateway · team-large the default model?' });
    await offer.waitFor({ timeout: 20_000 });
    await screenshot(page, 'second-provider-offer');

    await panel.getByRole('button', { name: 'See Providers' }).click();
    const firstCard = panel.locator('article.card[data-provider="openai"]');
    const secondCard = panel.locator('article.card[data-provider="team-gateway"]');
    await secondCard.waitFor();
    assert.match(await firstCard.innerText(), /Default · gpt-4o-mini/);
    assert.doesNotMatch(await secondCard.innerText(), /Default ·/);
    assert.match(await statusBar.innerText(), /OpenAI · gpt-4o-mini/);
    assert.doesNotMatch(await statusBar.innerText(), /Team Gateway/);

    // Said yes to, the offer is what moves it.
    await offer.getByRole('button', { name: 'Make Default' }).click();
    await statusBar.locator('.statusbar-item', { hasText: 'Team Gateway · team-large' }).waitFor({ timeout: 20_000 });
  });

  /** The ids of the cards the list shows now. */
  async function shownCards(): Promise<string[]> {
    return panel
      .locator('article.card')
      .evaluateAll((cards: Array<{ getAttribute(name: string): string | null }>) =>
        cards.map((card) => card.getAttribute('data-provider') ?? ''),
      );
  }

  /** Waits until the list shows exactly `ids` (in order) and the count says `count`. */
  async function expectList(ids: string[], count: string): Promise<void> {
    await panel.locator('#provider-count', { hasText: new RegExp(`^\\s*${count}\\s*$`) }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await shownCards(), ids);
  }

  it('finds providers by a search and filters by type and enabled; the filters stay while the panel is open', async () => {
    const search = panel.getByLabel('Search providers');
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    await expectList(['openai', 'team-gateway'], '2 providers');

    // Typed as the user types, by name and by a model the provider has.
    await search.pressSequentially('team');
    await expectList(['team-gateway'], '1 of 2 providers');
    await search.fill('gpt-4o-mini');
    await expectList(['openai'], '1 of 2 providers');
    await search.fill('');
    await expectList(['openai', 'team-gateway'], '2 providers');

    // The type filter offers the kinds present; chosen from the keyboard.
    assert.deepEqual(await panel.locator('#provider-type option').allInnerTexts(), [
      'All types',
      'Custom OpenAI-compatible',
      'OpenAI',
    ]);
    await panel.getByLabel('Type').selectOption({ label: 'Custom OpenAI-compatible' });
    await expectList(['team-gateway'], '1 of 2 providers');
    await panel.getByLabel('Type').selectOption({ label: 'OpenAI' });
    await expectList(['openai'], '1 of 2 providers');
    await panel.getByLabel('Type').selectOption({ label: 'All types' });

    // Enabled or not: OpenAI disabled from its card.
    await panel.locator('#enabled-openai').click();
    await panel.locator('article.card.disabled[data-provider="openai"]').waitFor({ timeout: 10_000 });
    await panel.getByLabel('Show').selectOption({ label: 'Disabled only' });
    await expectList(['openai'], '1 of 2 providers');
    await panel.getByLabel('Show').selectOption({ label: 'Enabled only' });
    await expectList(['team-gateway'], '1 of 2 providers');

    // Kept while the panel is open: another section and back.
    await panel.getByRole('tab', { name: 'Models', exact: true }).click();
    await panel.locator('#models').waitFor();
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    await expectList(['team-gateway'], '1 of 2 providers');
    assert.equal(await panel.getByLabel('Show').inputValue(), 'enabled');

    // Nothing matches: said so, with a way back (by keyboard) that clears the search and both filters.
    await search.fill('no-such-provider');
    await expectList([], '0 of 2 providers');
    assert.match(
      await panel.locator('.no-match').innerText(),
      /No provider matches "no-such-provider" with these filters/,
    );
    await screenshot(page, 'provider-search-empty');
    await panel.getByRole('button', { name: 'Clear Search and Filters' }).focus();
    await page.keyboard.press('Enter');
    await expectList(['openai', 'team-gateway'], '2 providers');
    assert.equal(await search.inputValue(), '');
    assert.equal(await panel.getByLabel('Show').inputValue(), 'all');
    await panel.locator('#provider-search:focus').waitFor();
    await panel.locator('#enabled-openai').click();
    await panel.locator('article.card.disabled').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('Edit > Advanced Settings opens Provider Settings on the provider being edited, not the first', async () => {
    // The tab already open on the first provider...
    await panel.getByRole('tab', { name: 'Provider Settings', exact: true }).click();
    await panel.locator('#settings-provider').waitFor();
    assert.equal(await panel.locator('#settings-provider').inputValue(), 'openai');
    // ...then the second's Edit from its card, Advanced Settings.
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    await panel.locator('#edit-provider-team-gateway').click();
    const field = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Advanced Settings' });
    await field.waitFor({ state: 'visible', timeout: 10_000 });
    await field.click();
    await panel.locator('#settings-provider').waitFor({ timeout: 10_000 });
    for (
      let tries = 0;
      (await panel.locator('#settings-provider').inputValue()) !== 'team-gateway' && tries < 50;
      tries++
    )
      await page.waitForTimeout(100);
    assert.equal(await panel.locator('#settings-provider').inputValue(), 'team-gateway');
    await panel.locator('form.provider-settings').waitFor();
  });
});
