// The provider panel in the real workbench: a new user connects a provider through the add wizard
// (key typed into the field), sees each connection stage, is shown the fix for a wrong base URL,
// picks models by their prices and saves. The provider is a loopback server speaking OpenAI's API.
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

const CANARY_KEY = 'sk-proj-PANELUI4e5d6c7b8a9f0e1d2c3b';

/** An element as evaluated in the page (the tests are not compiled with the DOM's types). */
type InPage = {
  ownerDocument: { defaultView: { scrollY: number; getComputedStyle(element: InPage): { opacity: string } } };
};

type Rgb = [number, number, number];
/** WCAG's contrast ratio between two colours. */
function contrast(a: Rgb, b: Rgb): number {
  const luminance = (rgb: Rgb) => {
    const [r, g, b] = rgb.map((value) => {
      const channel = value / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    }) as Rgb;
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** The card's Remove button as the user sees it: its text and border against what is behind it, and its opacity. */
async function removeButtonLooks(panel: FrameLocator): Promise<{ text: number; border: number; opacity: number }> {
  type Styled = {
    parentElement: Styled | null;
    shadowRoot: { querySelector(selector: string): Styled | null } | null;
    ownerDocument: {
      defaultView: {
        getComputedStyle(element: Styled): {
          color: string;
          borderTopColor: string;
          backgroundColor: string;
          opacity: string;
        };
      };
    };
  };
  const looks = await panel
    .locator('article.card[data-provider="openai"]')
    .getByRole('button', { name: 'Remove' })
    .evaluate((button: Styled) => {
      const style = (element: Styled) => button.ownerDocument.defaultView.getComputedStyle(element);
      // <vscode-button> draws its face in its shadow root's "base" part.
      const face = button.shadowRoot?.querySelector('[part="base"]') ?? button;
      const clear = (element: Styled) => /^(transparent|rgba\(.*, 0\))$/.test(style(element).backgroundColor);
      // The first opaque background behind the text: the face's own, else the page's behind the button.
      let behind: Styled | null = clear(face) ? button : face;
      while (behind && clear(behind)) behind = behind.parentElement;
      return {
        color: style(face).color,
        border: style(face).borderTopColor,
        background: behind ? style(behind).backgroundColor : 'rgb(255, 255, 255)',
        // The host's opacity dims the whole button (a disabled look).
        opacity: style(button).opacity,
      };
    });
  const rgb = (text: string) => (text.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number) as Rgb;
  return {
    text: contrast(rgb(looks.color), rgb(looks.background)),
    border: contrast(rgb(looks.border), rgb(looks.background)),
    opacity: Number(looks.opacity),
  };
}

describe('the provider panel, as a new user meets it', function () {
  this.timeout(120_000);
  let workbench: InstalledWorkbench | undefined;
  let page: Page;
  let provider: LoopbackServer;
  let panel: FrameLocator;
  /** When the new user opened the panel: the clock for "added, tested and used in chat". */
  let firstOpened = 0;

  before(async () => {
    provider = await startLoopback((request, res) => {
      if (request.method === 'GET' && request.path === '/v1/models') {
        json(res, 200, {
          object: 'list',
          data: ['gpt-4o', 'gpt-4o-mini', 'o3-mini'].map((id) => ({
            id,
            object: 'model',
            created: 1715367049,
            owned_by: 'system',
          })),
        });
        return;
      }
      if (request.method === 'POST' && request.path === '/v1/chat/completions') {
        // The connection test's one-token chat, streamed as OpenAI documents it.
        const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
          `data: ${JSON.stringify({ id: 'chatcmpl-panel', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices, ...extra })}\n\n`;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          chunk([{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: 'length' }]) +
            chunk([], { usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 } }) +
            'data: [DONE]\n\n',
        );
        return;
      }
      json(res, 404, {
        error: {
          message: `Invalid URL (${request.method} ${request.path})`,
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    });
    workbench = await openInstalledWorkbench('panel', {
      'workbench.startupEditor': 'none',
      'workbench.colorTheme': 'Default Light Modern',
    });
    page = workbench.page;
    panel = webviewFrame(page);
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page, 'panel-');
  });

  after(async () => {
    await workbench?.close();
    await provider?.close();
  });

  it('connects a provider through the wizard: stages shown, the wrong base URL fixed, models priced, saved', async () => {
    const started = Date.now();
    firstOpened = started;
    await runFromPalette(page, 'Switchboard: Manage Providers', panel.locator('#app[data-state="ready"]'));
    await panel.getByRole('button', { name: 'Connect your first provider' }).click();
    await panel.getByRole('button', { name: 'OpenAI', exact: true }).click();

    // The documented address is prefilled; the user points it at their gateway, without /v1.
    const baseUrl = panel.getByLabel('Base URL');
    assert.equal(await baseUrl.inputValue(), 'https://api.openai.com/v1');
    await baseUrl.fill(provider.url);
    const key = panel.getByLabel('API key');
    assert.equal(await key.getAttribute('type'), 'password');
    await key.pressSequentially(CANARY_KEY);
    await panel.getByRole('button', { name: 'Test Connection' }).click();

    const failed = panel.locator('.stage[data-status="fail"]');
    await failed.waitFor({ timeout: 20_000 });
    assert.equal(await panel.locator('.stage[data-stage="connect"][data-status="pass"]').count(), 1);
    const fix = panel.getByRole('button', { name: `Use ${provider.url}/v1` });
    await fix.waitFor();
    await screenshot(page, 'panel-wizard-fix');
    await fix.click();

    // Each stage passes; the list of models arrives with the catalog's prices.
    const row = panel.locator('tr[data-model="gpt-4o"]');
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), /gpt-4o\s+128k\s+16k\s+\$2\.50\s+\$10\.00\s+tools, vision/);
    assert.match(await panel.locator('tr[data-model="gpt-4o-mini"]').innerText(), /\$0\.15\s+\$0\.60\b/);
    // The test that let the user on stays above the models, collapsed to one line that opens to its stages.
    const summary = panel.locator('.test-summary > summary');
    assert.match(await summary.innerText(), /^Connection test passed: 3 stages \(2 skipped\), \d+( ms|\.\d s)$/);
    const modelsStage = panel.locator('.test-summary .stage[data-stage="models"][data-status="pass"]');
    assert.equal(await modelsStage.isVisible(), false);
    await summary.click();
    await modelsStage.waitFor();
    await panel.getByLabel('Use gpt-4o-mini').check();
    await panel.getByLabel('Use o3-mini').check();
    await panel.getByLabel('Make gpt-4o-mini the default').check();
    await screenshot(page, 'panel-wizard-models');
    await panel.getByRole('button', { name: 'Save Provider' }).click();

    await panel.getByText('OpenAI is ready').waitFor({ timeout: 20_000 });
    const setUpSeconds = (Date.now() - started) / 1000;
    await panel.getByRole('button', { name: 'See Providers' }).click();
    const card = panel.locator('article.card[data-provider="openai"]');
    await card.waitFor();
    // The button that opened the section is gone: focus is on the open section's tab, not lost.
    assert.equal(await panel.locator('vscode-tab-header:focus').innerText(), 'Providers');
    const text = await card.innerText();
    assert.match(text, /Default · gpt-4o-mini/);
    assert.match(text, /Key sk-proj-…2c3b/);
    assert.match(text, /✓ Connected · tested just now/, "the wizard's test is kept on the saved provider");
    assert.match(text, new RegExp(`${provider.url.replace(/[.:/]/g, '\\$&')}/v1`));
    // Remove reads as a live button (the light theme's grey made it look disabled): its text and outline stand out.
    const light = await removeButtonLooks(panel);
    assert.ok(light.opacity === 1 && light.text >= 4.5 && light.border >= 3, JSON.stringify(light));
    await screenshot(page, 'panel-providers-light');
    console.log(`      wizard from "Manage Providers" to a saved provider took ${setUpSeconds.toFixed(1)} s`);

    // The models were listed with the typed key; the wizard never saved a half-set-up provider.
    assert.ok(provider.requests.some((request) => request.headers.authorization === `Bearer ${CANARY_KEY}`));
  });

  it('the provider just added answers @switchboard in chat, with its cost, within two minutes of opening the panel', async () => {
    // VS Code's picker starts on a model of its own choosing (it may already be the default);
    // Switchboard's command opens the chat on the default, whatever the picker showed.
    await runFromPalette(
      page,
      'Switchboard: Ask @switchboard (Default Model)',
      page.locator('.interactive-input-part', { hasText: 'GPT-4o mini' }),
    );
    await page.locator('.interactive-input-part .monaco-editor').first().click();
    await page.keyboard.press('End');
    await page.keyboard.type('Say hi');
    await page.keyboard.press('Enter');
    const answer = page.locator('.interactive-item-container.interactive-response', {
      hasText: 'OpenAI · gpt-4o-mini · 8 in / 1 out · $0.0000018',
    });
    await answer.first().waitFor({ timeout: 20_000 });
    const seconds = (Date.now() - firstOpened) / 1000;
    console.log(`      from "Manage Providers" to an answer in chat: ${seconds.toFixed(1)} s`);
    assert.ok(seconds < 120, `${seconds} s`);
    const body = JSON.parse(
      provider.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!.body,
    ) as { model: string; messages: Array<{ content: string }> };
    assert.deepEqual([body.model, body.messages.at(-1)?.content], ['gpt-4o-mini', 'Say hi']);
    await screenshot(page, 'panel-first-chat');
  });

  it('a card tests its connection live; hidden and shown again, the panel is where the user left it, without the key', async () => {
    // The card's switch (VS Code's toggle): off by mouse disables the provider, on again by keyboard.
    const card = panel.locator('article.card[data-provider="openai"]');
    const enabled = card.getByRole('switch', { name: 'Enabled' });
    await card.locator('vscode-checkbox').click();
    await panel.locator('article.card.disabled[data-provider="openai"]').waitFor();
    assert.equal(await enabled.isChecked(), false);
    await enabled.focus();
    await page.keyboard.press('Space');
    await panel.locator('article.card:not(.disabled)[data-provider="openai"]').waitFor();
    assert.equal(await enabled.isChecked(), true);
    await panel
      .locator('article.card[data-provider="openai"]')
      .getByRole('button', { name: 'Test Connection' })
      .click();
    await panel
      .locator('article.card[data-provider="openai"] .stage[data-stage="chat"][data-status="pass"]')
      .waitFor({ timeout: 20_000 });
    await panel.locator('article.card[data-provider="openai"] .health.ok').waitFor({ timeout: 20_000 });

    await panel.getByRole('tab', { name: 'Add Provider', exact: true }).click();
    await panel.getByRole('button', { name: 'Anthropic', exact: true }).click();
    await panel.getByLabel('Base URL').fill('https://gateway.example.test/anthropic');
    await panel.getByLabel('API key').pressSequentially('sk-ant-half-typed');
    // Redrawn (another section and back): the field still holds the key, the page's markup never does.
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    await panel.getByRole('tab', { name: 'Add Provider', exact: true }).click();
    assert.equal(await panel.getByLabel('API key').inputValue(), 'sk-ant-half-typed');
    for (const frame of page.frames())
      assert.ok(!(await frame.content().catch(() => '')).includes('sk-ant-half-typed'), frame.url());

    // Another editor in front: the webview is destroyed (no retainContextWhenHidden) and rebuilt on return.
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input.input').fill('README.md');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'README.md' }).first().click();
    await page.locator('.tabs-container .tab.active', { hasText: 'README.md' }).waitFor();
    await runFromPalette(page, 'Switchboard: Manage Providers', panel.locator('#app[data-state="ready"]'));
    assert.equal(await panel.getByLabel('Base URL').inputValue(), 'https://gateway.example.test/anthropic');
    assert.equal(await panel.getByLabel('API key').inputValue(), '', 'the key is never kept in the view state');
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    await panel.locator('article.card[data-provider="openai"]').waitFor();
  });

  it('the usage chart shows the requests made; a budget saved in the panel is enforced on the next request', async () => {
    await panel.getByRole('tab', { name: 'Usage', exact: true }).click();
    // The card's connection test made a one-token chat: it is in the chart and the model table.
    const modelRow = panel.locator('#model-spend tr[data-model="openai/gpt-4o-mini"]');
    await modelRow.waitFor({ timeout: 20_000 });
    assert.match(await modelRow.innerText(), /openai\/gpt-4o-mini\s+\$0\.0000036\s+2\s+16\s+2/);
    // Drawn, not just placed: the day's bar is painted, on screen, in the theme's chart blue.
    type Box = { width: number; height: number };
    type Bar = {
      getBoundingClientRect(): Box;
      ownerDocument: { defaultView: { getComputedStyle(element: unknown): { fill: string } } };
    };
    type Chart = {
      getBoundingClientRect(): Box;
      querySelectorAll(selector: string): ArrayLike<Bar>;
      ownerDocument: {
        body: unknown;
        defaultView: { getComputedStyle(element: unknown): { getPropertyValue(name: string): string } };
      };
    };
    const painted = await panel.locator('#spend-chart').evaluate((chart: Chart) => {
      const bars = Array.from(chart.querySelectorAll('rect.bar'));
      const view = chart.ownerDocument.defaultView;
      // The theme's blue as the browser resolves it, to compare with the bar's computed fill.
      const probe = bars[0];
      return {
        bars: bars.length,
        width: chart.getBoundingClientRect().width,
        area: bars.reduce(
          (sum, bar) => sum + bar.getBoundingClientRect().width * bar.getBoundingClientRect().height,
          0,
        ),
        barWidth: probe ? probe.getBoundingClientRect().width : 0,
        fill: probe ? probe.ownerDocument.defaultView.getComputedStyle(probe).fill : '',
        blue: view.getComputedStyle(chart.ownerDocument.body).getPropertyValue('--vscode-charts-blue').trim(),
      };
    });
    assert.ok(painted.width > 100 && painted.bars === 1 && painted.area > 1000, JSON.stringify(painted));
    // One day of history starts the chart a week back, not 30 days back: a bar, not a sliver at the edge.
    assert.ok(painted.barWidth > painted.width / 20, JSON.stringify(painted));
    // "By model" is a part of its own: its heading stands clear of what is above it.
    const gap = await panel
      .locator('h2.by-model')
      .evaluate(
        (heading: {
          getBoundingClientRect(): { top: number };
          previousElementSibling: { getBoundingClientRect(): { bottom: number } } | null;
        }) =>
          heading.getBoundingClientRect().top - (heading.previousElementSibling?.getBoundingClientRect().bottom ?? 0),
      );
    assert.ok(gap >= 24, `${gap} px`);
    const hex = painted.blue.match(/^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i);
    assert.ok(hex, JSON.stringify(painted));
    assert.equal(
      painted.fill,
      `rgb(${hex
        .slice(1)
        .map((part) => parseInt(part, 16))
        .join(', ')})`,
      JSON.stringify(painted),
    );
    assert.match(
      await panel.locator('#usage-summary').innerText(),
      /30 days: \$0\.0000036, 2 requests, 16 in \/ 2 out tokens/,
    );
    await screenshot(page, 'panel-usage-light');

    await panel.getByRole('tab', { name: 'Budgets', exact: true }).click();
    await panel.getByLabel('For').selectOption({ label: 'All providers' });
    await panel.getByLabel('Period').selectOption('daily');
    await panel.getByLabel('At the limit').selectOption('stop');
    // Saved with Enter in a field, as in any form.
    await panel.getByLabel('Limit (US dollars)').fill('0.000001');
    await panel.getByLabel('Limit (US dollars)').press('Enter');
    const budget = panel.locator('article.budget[data-budget="overall:daily"]');
    await budget.waitFor({ timeout: 20_000 });
    assert.match(await budget.innerText(), /^\$0\.0000036 of \$0\.000001 \(360%\).*stop/m);
    assert.match((await budget.getAttribute('class')) ?? '', /\bover\b/);
    // The meter is themed: full, in the theme's error colour, over a faint track (never a native, unthemed bar).
    type Styled = {
      getAttribute(name: string): string | null;
      ownerDocument: {
        body: unknown;
        defaultView: {
          getComputedStyle(element: unknown): {
            fill: string;
            fillOpacity: string;
            getPropertyValue(name: string): string;
          };
        };
      };
    };
    const meter = await budget
      .locator('[role="progressbar"]')
      .evaluate((element: Styled & { querySelector(selector: string): Styled }) => {
        const view = element.ownerDocument.defaultView;
        const fill = element.querySelector('.fill');
        const track = element.querySelector('.track');
        return {
          now: element.getAttribute('aria-valuenow'),
          width: fill.getAttribute('width'),
          fill: view.getComputedStyle(fill).fill,
          trackOpacity: Number(view.getComputedStyle(track).fillOpacity),
          error: view.getComputedStyle(element.ownerDocument.body).getPropertyValue('--vscode-errorForeground').trim(),
        };
      });
    assert.equal(await budget.locator('progress').count(), 0);
    const error = meter.error.match(/^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i);
    assert.ok(error, JSON.stringify(meter));
    assert.deepEqual(
      [meter.now, meter.width, meter.fill],
      [
        '100',
        '100',
        `rgb(${error
          .slice(1)
          .map((part) => parseInt(part, 16))
          .join(', ')})`,
      ],
      JSON.stringify(meter),
    );
    assert.ok(meter.trackOpacity < 0.5, JSON.stringify(meter));
    await screenshot(page, 'panel-budgets-light');

    // The next request is refused before it is sent: the connection test's one-token chat is not
    // tried, and says why (the budget, not the provider: the provider's card is not marked failed).
    const chats = provider.requests.filter((request) => request.path === '/v1/chat/completions').length;
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    await panel
      .locator('article.card[data-provider="openai"]')
      .getByRole('button', { name: 'Test Connection' })
      .click();
    const refused = panel.locator('article.card[data-provider="openai"] .stage[data-stage="chat"][data-status="skip"]');
    await refused.waitFor({ timeout: 20_000 });
    assert.match(await refused.innerText(), /Not tried: This request would exceed the daily budget of \$0\.000001/);
    assert.equal(await panel.locator('article.card[data-provider="openai"] .stage[data-status="fail"]').count(), 0);
    assert.equal(
      provider.requests.filter((request) => request.path === '/v1/chat/completions').length,
      chats,
      'nothing was sent',
    );

    // Removing it asks first (VS Code's own dialog).
    await panel.getByRole('tab', { name: 'Budgets', exact: true }).click();
    await panel.locator('article.budget[data-budget="overall:daily"]').getByRole('button', { name: 'Remove' }).click();
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Remove' }).click();
    await panel.getByText('No budgets yet.').waitFor({ timeout: 20_000 });
  });

  it('the fallback order is built, reordered by keyboard and by drag, and every change is in the activity log', async () => {
    await panel.getByRole('tab', { name: 'Fallback', exact: true }).click();
    const order = async () =>
      panel
        .locator('#fallback-list li')
        .evaluateAll((items: Array<{ getAttribute(name: string): string | null }>) =>
          items.map((item) => item.getAttribute('data-step')),
        );
    const until = async (expected: string[]) => {
      const deadline = Date.now() + 20_000;
      while (JSON.stringify(await order()) !== JSON.stringify(expected)) {
        if (Date.now() > deadline) assert.deepEqual(await order(), expected);
        await page.waitForTimeout(100);
      }
    };
    for (const model of ['gpt-4o', 'o3-mini']) {
      await panel.getByLabel('Add a model').selectOption({ label: `OpenAI · ${model}` });
      await panel.getByRole('button', { name: 'Add', exact: true }).click();
      await panel.locator(`#fallback-list li[data-step="openai/${model}"]`).waitFor({ timeout: 20_000 });
    }
    await until(['openai/gpt-4o-mini', 'openai/gpt-4o', 'openai/o3-mini']);
    // The first entry after the default cannot move up: its button says so by its look (dimmed), and still takes focus.
    const firstUp = panel.getByRole('button', { name: 'Move gpt-4o up' });
    assert.equal(
      await firstUp.evaluate((button: InPage) => button.ownerDocument.defaultView.getComputedStyle(button).opacity),
      '0.4',
    );
    await firstUp.focus();
    await page.keyboard.press('Space');
    assert.equal(
      await firstUp.evaluate((button: InPage) => button.ownerDocument.defaultView.scrollY),
      0,
      'Space did not scroll',
    );
    await until(['openai/gpt-4o-mini', 'openai/gpt-4o', 'openai/o3-mini']);

    // Keyboard: Alt+Up moves the focused entry, and focus stays on it.
    await panel.locator('#fallback-list li[data-step="openai/o3-mini"]').focus();
    await page.keyboard.press('Alt+ArrowUp');
    await until(['openai/gpt-4o-mini', 'openai/o3-mini', 'openai/gpt-4o']);
    assert.equal(await panel.locator('#fallback-list li:focus').getAttribute('data-step'), 'openai/o3-mini');

    // Mouse: drag an entry onto another's place.
    await panel
      .locator('#fallback-list li[data-step="openai/gpt-4o"]')
      .dragTo(panel.locator('#fallback-list li[data-step="openai/o3-mini"]'));
    await until(['openai/gpt-4o-mini', 'openai/gpt-4o', 'openai/o3-mini']);
    await screenshot(page, 'panel-fallback-light');

    await panel.getByRole('tab', { name: 'Activity', exact: true }).click();
    await panel.locator('#audit-table tr[data-action="fallback-changed"]').first().waitFor({ timeout: 20_000 });
    assert.equal(
      await panel.locator('#audit-table tr[data-action="fallback-changed"]').count(),
      4,
      'two additions and two moves',
    );
    await panel.getByLabel('Filter the activity').fill('budget');
    const rows = await panel.locator('#audit-table tbody tr').allInnerTexts();
    assert.ok(rows.length >= 2 && rows.every((row) => /budget/i.test(row)), rows.join('\n'));
    await screenshot(page, 'panel-activity-light');
  });

  it("the models table lists every model with its limits and prices, sorts and searches, and takes the user's own values", async () => {
    await panel.getByRole('tab', { name: 'Models', exact: true }).click();
    const rows = () =>
      panel
        .locator('#models-table tbody tr[data-model]')
        .evaluateAll((items: Array<{ getAttribute(name: string): string | null }>) =>
          items.map((item) => item.getAttribute('data-model')),
        );
    await panel.locator('#models-table tr[data-model="openai/o3-mini"]').waitFor({ timeout: 20_000 });
    assert.deepEqual((await rows()).sort(), ['openai/gpt-4o', 'openai/gpt-4o-mini', 'openai/o3-mini']);
    assert.match(
      await panel.locator('#models-table tr[data-model="openai/gpt-4o"]').innerText(),
      /gpt-4o\s+128k\s+16k\s+\$2\.50\s+\$10\.00\s+\$1\.25\s+catalog, \d{4}-\d{2}-\d{2}\s+tools, vision\s+yes/,
    );
    // Each value says where it came from, and of when.
    assert.match(
      (await panel.locator('#models-table tr[data-model="openai/gpt-4o"] td.number').first().getAttribute('title')) ??
        '',
      /^catalog, \d{4}-\d{2}-\d{2}$/,
    );

    // Sorted by input price, cheapest first, then most expensive first.
    await panel.getByRole('button', { name: 'Input', exact: true }).click();
    assert.deepEqual(await rows(), ['openai/gpt-4o-mini', 'openai/o3-mini', 'openai/gpt-4o']);
    await panel.getByRole('button', { name: 'Input ↑' }).click();
    assert.deepEqual(await rows(), ['openai/gpt-4o', 'openai/o3-mini', 'openai/gpt-4o-mini']);
    await panel.getByLabel('Search models').fill('mini');
    assert.deepEqual(await rows(), ['openai/o3-mini', 'openai/gpt-4o-mini']);

    // The user's own window and price for a model: saved, shown as theirs, and used for pricing.
    await panel.getByRole('button', { name: "Edit gpt-4o-mini's limits and prices" }).click();
    await panel.getByLabel('Context window (tokens)').fill('64000');
    await panel.getByLabel('Input $/M', { exact: true }).fill('0.1');
    await panel.getByLabel('Output $/M', { exact: true }).fill('0.4');
    await panel.getByRole('button', { name: 'Save', exact: true }).click();
    const edited = panel.locator('#models-table tr[data-model="openai/gpt-4o-mini"]');
    await edited.filter({ hasText: '64k (yours)' }).waitFor({ timeout: 20_000 });
    assert.match(await edited.innerText(), /64k \(yours\)\s+16k\s+\$0\.10 \(yours\)\s+\$0\.40 \(yours\)/);
    await screenshot(page, 'panel-models-light');

    // Edited again: the form starts from the user's own values; an emptied field goes back to the catalog's, the rest stay.
    await panel.getByRole('button', { name: "Edit gpt-4o-mini's limits and prices" }).click();
    assert.equal(await panel.getByLabel('Input $/M', { exact: true }).inputValue(), '0.1');
    assert.equal(await panel.getByLabel('Cached input $/M').inputValue(), '');
    await panel.getByLabel('Context window (tokens)').fill('');
    await panel.getByLabel('Cached input $/M').fill('0.05');
    await panel.getByRole('button', { name: 'Save', exact: true }).click();
    await edited.filter({ hasText: '$0.05' }).waitFor({ timeout: 20_000 });
    assert.match(
      await edited.innerText(),
      /gpt-4o-mini\s+128k\s+16k\s+\$0\.10 \(yours\)\s+\$0\.40 \(yours\)\s+\$0\.05\b/,
    );
  });

  it('fits a dark and a high-contrast theme', async () => {
    await runFromPalette(
      page,
      'Preferences: Color Theme',
      page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }),
    );
    await page.locator('.quick-input-widget input.input').fill('Dark Modern');
    await page.keyboard.press('Enter');
    await page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 20_000 });
    await panel.getByRole('tab', { name: 'Usage', exact: true }).click();
    await panel.locator('#spend-chart').waitFor();
    await screenshot(page, 'panel-usage-dark');
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    await panel.locator('article.card[data-provider="openai"]').waitFor();
    const dark = await removeButtonLooks(panel);
    assert.ok(dark.opacity === 1 && dark.text >= 4.5 && dark.border >= 3, JSON.stringify(dark));
    await screenshot(page, 'panel-providers-dark');

    // The theme list is long and drawn only where it is in view: the current theme's row shows the picker is open.
    await runFromPalette(
      page,
      'Preferences: Color Theme',
      page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }),
    );
    await page.locator('.quick-input-widget input.input').fill('Dark High Contrast');
    await page.keyboard.press('Enter');
    await page.locator('.monaco-workbench.hc-black').waitFor({ timeout: 20_000 });
    await panel.locator('article.card[data-provider="openai"]').waitFor();
    const highContrast = await removeButtonLooks(panel);
    assert.ok(
      highContrast.opacity === 1 && highContrast.text >= 4.5 && highContrast.border >= 3,
      JSON.stringify(highContrast),
    );
    await screenshot(page, 'panel-providers-high-contrast');
  });

  it('the status bar spend opens the panel on its usage section', async () => {
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    await page.locator('.statusbar-item', { hasText: 'today' }).first().click();
    await panel.getByRole('tab', { name: 'Usage', selected: true }).waitFor({ timeout: 20_000 });
    await panel.locator('#spend-chart').waitFor({ timeout: 20_000 });
  });

  it('the sections are a tablist: arrow keys move between tabs, Enter or Space opens one, one tab stop', async () => {
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    await panel.getByRole('tab', { name: 'Providers', selected: true }).focus();
    // Providers → Add Provider → Provider Settings → Models.
    for (let step = 0; step < 3; step++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await panel.getByRole('tab', { name: 'Models', selected: true }).waitFor();
    await panel.locator('#models-table').waitFor({ timeout: 20_000 });
    // Back past the first tab, wrapping to the last: Activity.
    for (let step = 0; step < 4; step++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await panel.getByRole('tab', { name: 'Activity', selected: true }).waitFor();
    assert.equal(await panel.locator('#audit-table').count(), 1);
    // Space opens a tab too, and does not scroll the page.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Space');
    await panel.getByRole('tab', { name: 'Fallback', selected: true }).waitFor();
    const tab = panel.getByRole('tab', { name: 'Fallback' });
    assert.equal(await tab.evaluate((element: InPage) => element.ownerDocument.defaultView.scrollY), 0);
    // One tab stop: once focus leaves the tabs, only the open one takes it back.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Tab');
    assert.deepEqual(await panel.locator('vscode-tab-header[tabindex="0"]').allInnerTexts(), ['Fallback']);
  });

  it('a gateway without a model list: the wizard offers to type model IDs, checks each with a one-token request, refuses one that fails unless saved anyway, and keeps the default', async () => {
    // Many proxies and gateways: GET /models is a 404, chat works for the models they serve.
    const gateway = await startLoopback((request, res) => {
      if (request.method === 'POST' && request.path === '/v1/chat/completions') {
        const { model } = JSON.parse(request.body) as { model: string };
        if (model === 'served-model') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(
            `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'o' }, finish_reason: 'length' }] })}\n\n` +
              `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 } })}\n\n` +
              'data: [DONE]\n\n',
          );
          return;
        }
        json(res, 404, {
          error: {
            message: `The model \`${model}\` does not exist or you do not have access to it.`,
            type: 'invalid_request_error',
            code: 'model_not_found',
          },
        });
        return;
      }
      json(res, 404, { error: { message: 'Not Found', type: 'invalid_request_error' } });
    });
    try {
      await panel.getByRole('tab', { name: 'Add Provider', exact: true }).click();
      const back = panel.getByRole('button', { name: 'Back' });
      if ((await back.count()) > 0) await back.first().click();
      await panel.getByRole('button', { name: 'Custom OpenAI-compatible', exact: true }).click();
      await panel.getByLabel('Base URL').fill(`${gateway.url}/v1`);
      await panel.getByLabel('Name (optional)').fill('Gateway');
      await panel.getByRole('button', { name: 'Test Connection' }).click();

      // The Models stage fails: no longer a dead end.
      await panel.locator('.stage[data-stage="models"][data-status="fail"]').waitFor({ timeout: 20_000 });
      await panel.getByRole('button', { name: 'Type Model IDs' }).click();
      const modelId = panel.getByLabel('Model ID');
      await modelId.fill('served-model');
      await page.keyboard.press('Enter');
      const served = panel.locator('tr[data-model="served-model"][data-check="pass"]');
      await served.waitFor({ timeout: 20_000 });
      assert.match(await served.innerText(), /✓ Answered/);
      assert.equal(await panel.getByLabel('Use served-model').isChecked(), true);

      await modelId.fill('missing-model');
      await panel.getByRole('button', { name: 'Check Model' }).click();
      const missing = panel.locator('tr[data-model="missing-model"][data-check="fail"]');
      await missing.waitFor({ timeout: 20_000 });
      // The failure in words, not the server's body; not used unless the user insists.
      assert.match(await missing.innerText(), /✗ .*missing-model/);
      assert.doesNotMatch(await missing.innerText(), /[{}]/);
      assert.equal(await panel.getByLabel('Use missing-model').isChecked(), false);
      assert.equal(await panel.getByLabel('Use missing-model').isDisabled(), true);
      const oneToken = gateway.requests.filter(
        (request) => request.path === '/v1/chat/completions' && /"max_(completion_)?tokens":1[,}]/.test(request.body),
      );
      assert.deepEqual(
        oneToken.map((request) => (JSON.parse(request.body) as { model: string }).model),
        ['served-model', 'missing-model'],
        'each typed id was checked with one one-token request',
      );
      await screenshot(page, 'panel-wizard-typed-models');

      await panel.getByRole('button', { name: 'Save Provider' }).click();
      await panel.getByText('Gateway is ready').waitFor({ timeout: 20_000 });
      assert.match(await panel.locator('div.done').innerText(), /Your default model is unchanged: pick served-model/);
      await panel.getByRole('button', { name: 'See Providers' }).click();
      const card = panel.locator('article.card[data-provider="gateway"]');
      await card.waitFor();
      assert.doesNotMatch(await card.innerText(), /Default ·/, 'the first provider keeps the default');
      assert.match(await panel.locator('article.card[data-provider="openai"]').innerText(), /Default · gpt-4o-mini/);
      // It has a model: it can be made the default.
      assert.equal(await card.getByRole('button', { name: 'Make Default' }).getAttribute('aria-disabled'), null);
    } finally {
      await gateway.close();
    }
  });

  it('the key is in no page or frame', async () => {
    assert.ok(!(await page.content()).includes(CANARY_KEY));
    for (const frame of page.frames())
      assert.ok(!(await frame.content().catch(() => '')).includes(CANARY_KEY), frame.url());
  });
});
