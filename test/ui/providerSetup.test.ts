// A provider that needs more than a base URL and a key, set up from the panel in the real workbench:
// Azure OpenAI in both URL forms against a loopback server that checks what Azure checks (the path,
// the api-version query, the api-key header) and answers as Azure does, the model each deployment
// runs included.
import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { azureResource } from '../fixtures/azureWire';
import { startLoopback, type LoopbackServer } from '../support/loopback';
import {
  openInstalledWorkbench,
  runFromPalette,
  screenshot,
  screenshotIfFailed,
  webviewFrame,
  type InstalledWorkbench,
} from '../support/workbench';

const AZURE_KEY = '5f0c1e2d3b4a59687a6b5c4d3e2f1a0b';
const GATEWAY_TOKEN = 'gw-UI4e5d6c7b8a9f0e1d2c3b4a5f6e7d';

describe('setting up a provider from the panel', function () {
  this.timeout(120_000);
  let workbench: InstalledWorkbench | undefined;
  let page: Page;
  let azure: LoopbackServer;
  let panel: FrameLocator;

  before(async () => {
    azure = await startLoopback(
      azureResource({
        key: AZURE_KEY,
        deployments: { 'chat-prod': 'gpt-4o-2024-11-20', mini: 'gpt-4o-mini-2024-07-18' },
        apiVersions: ['2024-10-21'],
        v1: true,
      }),
    );
    workbench = await openInstalledWorkbench('provider-setup', { 'workbench.startupEditor': 'none' });
    page = workbench.page;
    panel = webviewFrame(page);
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page, 'setup-');
  });

  after(async () => {
    await workbench?.close();
    await azure?.close();
  });

  it('Azure, deployment form: a pasted deployment URL fills endpoint, deployment and API version; each deployment is tested and priced as the model it runs', async () => {
    await runFromPalette(page, 'Switchboard: Manage Providers', panel.locator('#app[data-state="ready"]'));
    await panel.getByRole('button', { name: 'Connect your first provider' }).click();
    await panel.getByRole('button', { name: 'Azure OpenAI', exact: true }).click();

    const endpoint = panel.getByLabel('Resource endpoint');
    await endpoint.fill(`${azure.url}/openai/deployments/chat-prod/chat/completions?api-version=2024-10-21`);
    await endpoint.blur();
    assert.equal(await endpoint.inputValue(), azure.url);
    assert.equal(await panel.getByLabel('Deployment 1 name').inputValue(), 'chat-prod');
    assert.equal(await panel.getByRole('textbox', { name: 'API version' }).inputValue(), '2024-10-21');
    assert.equal(await panel.locator('#azure-form-deployment').isChecked(), true);
    await panel.getByRole('button', { name: 'Add Deployment' }).click();
    await panel.getByLabel('Deployment 2 name').fill('mini');
    await panel.getByLabel('API key').pressSequentially(AZURE_KEY);
    await screenshot(page, 'setup-azure-connect');
    await panel.getByRole('button', { name: 'Test Connection' }).click();

    // Both deployments answered; each is priced and sized as the model Azure said it runs.
    const prod = panel.locator('tr[data-model="chat-prod"]');
    await prod.waitFor({ timeout: 30_000 });
    assert.match(await prod.innerText(), /chat-prod\s+runs gpt-4o-2024-11-20\s+128k\s+16k\s+\$2\.50\s+\$10\.00/);
    assert.match(
      await panel.locator('tr[data-model="mini"]').innerText(),
      /runs gpt-4o-mini-2024-07-18[\s\S]*\$0\.15\s+\$0\.60/,
    );
    assert.equal(await panel.getByLabel('Use chat-prod').isChecked(), true);
    assert.equal(await panel.getByLabel('Use mini').isChecked(), true);
    assert.equal(await panel.getByLabel('Make chat-prod the default').isChecked(), true);
    await screenshot(page, 'setup-azure-deployments');
    await panel.getByRole('button', { name: 'Save Provider' }).click();
    await panel.getByText('Azure OpenAI is ready').waitFor({ timeout: 20_000 });

    const chats = azure.requests.filter((request) => request.method === 'POST');
    assert.deepEqual([...new Set(chats.map((request) => request.path))].sort(), [
      '/openai/deployments/chat-prod/chat/completions?api-version=2024-10-21',
      '/openai/deployments/mini/chat/completions?api-version=2024-10-21',
    ]);
    assert.ok(chats.every((request) => request.headers['api-key'] === AZURE_KEY));

    // Saved with the models they run: the Models section prices them as those models.
    await panel.getByRole('tab', { name: 'Models', exact: true }).click();
    const saved = panel.locator('tr[data-model="azure-openai/chat-prod"]');
    await saved.waitFor({ timeout: 20_000 });
    assert.match(await saved.innerText(), /\$2\.50[\s\S]*\$10\.00/);
  });

  it('Azure, /openai/v1 form: a stray path is fixed to /openai/v1 (never /v1), and the deployment passes', async () => {
    await panel.getByRole('tab', { name: 'Add Provider', exact: true }).click();
    // The wizard still shows the last provider it added.
    await panel.getByRole('button', { name: 'Add Another' }).click();
    await panel.getByRole('button', { name: 'Azure OpenAI', exact: true }).click();
    await panel.getByLabel('Resource endpoint').fill(`${azure.url}/v1`);
    await panel.locator('#azure-form-v1').check();
    assert.equal(
      await panel.getByRole('textbox', { name: 'API version' }).count(),
      0,
      'the v1 form has no API version',
    );
    await panel.getByLabel('Deployment 1 name').fill('mini');
    await panel.getByLabel('API key').pressSequentially(AZURE_KEY);
    await panel.getByLabel('Name (optional)').fill('Azure Foundry');
    const before = azure.requests.length;
    await panel.getByRole('button', { name: 'Test Connection' }).click();

    const fix = panel.getByRole('button', { name: `Use ${azure.url}/openai/v1` });
    await fix.waitFor({ timeout: 30_000 });
    await fix.click();
    const row = panel.locator('tr[data-model="mini"]');
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), /runs gpt-4o-mini-2024-07-18[\s\S]*\$0\.15\s+\$0\.60/);
    await panel.getByRole('button', { name: 'Save Provider' }).click();
    await panel.getByText('Azure Foundry is ready').waitFor({ timeout: 20_000 });

    const sent = azure.requests.slice(before);
    const chat = sent.find((request) => request.path === '/openai/v1/chat/completions');
    assert.ok(chat, sent.map((request) => request.path).join());
    assert.equal((JSON.parse(chat.body) as { model: string }).model, 'mini');
    assert.ok(!sent.some((request) => /^\/v1\/(models|chat)/.test(request.path)), 'never /v1 on the resource');
    await panel.getByRole('button', { name: 'See Providers' }).click();
    assert.match(
      await panel.locator('article.card[data-provider="azure-foundry"]').innerText(),
      new RegExp(`${azure.url.replace(/[.:/]/g, '\\$&')}/openai/v1`),
    );
  });

  it('advanced settings saved in the panel reach the wire: headers (a secret one masked), organization, project, sampling', async () => {
    await panel.getByRole('tab', { name: 'Provider Settings', exact: true }).click();
    await panel.locator('#settings-provider').selectOption('azure-openai');
    await panel.getByLabel('OpenAI organization').fill('org-ui');
    await panel.getByLabel('OpenAI project').fill('proj_ui');
    await panel.getByRole('button', { name: 'Add Header' }).click();
    await panel.getByLabel('Header 1 name').fill('X-Route');
    // A key typed into a plain header is refused, with the way to keep it.
    await panel.getByLabel('Header 1 value').fill('sk-proj-abcdefghijklmnopqrstuvwxyz0123456789');
    await panel.getByRole('button', { name: 'Save Settings' }).click();
    await panel.getByRole('alert').filter({ hasText: 'Mark the header secret' }).waitFor({ timeout: 20_000 });
    await panel.getByLabel('Header 1 value').fill('eu');
    await panel.getByRole('button', { name: 'Add Header' }).click();
    await panel.getByLabel('Header 2 name').fill('X-Gateway-Token');
    // Named like a credential: secret by itself, typed as a password.
    assert.equal(await panel.locator('#header-secret-1').isChecked(), true);
    assert.equal(await panel.getByLabel('Header 2 value').getAttribute('type'), 'password');
    await panel.getByLabel('Header 2 value').fill(GATEWAY_TOKEN);
    await panel.getByLabel('Temperature').fill('0.4');
    await panel.getByRole('button', { name: 'Save Settings' }).click();
    // Saved and read back: the secret header shows its mask only.
    await panel.locator('#header-value-1[placeholder="saved (…6e7d); type to replace"]').waitFor({ timeout: 20_000 });
    assert.equal(await panel.getByLabel('Header 2 value').inputValue(), '');
    for (const frame of page.frames())
      assert.ok(!(await frame.content().catch(() => '')).includes(GATEWAY_TOKEN), frame.url());
    await screenshot(page, 'setup-provider-settings');

    // The card's connection test: its one-token chat carries every setting.
    const before = azure.requests.length;
    await panel.getByRole('tab', { name: 'Providers', exact: true }).click();
    const card = panel.locator('article.card[data-provider="azure-openai"]');
    await card.getByRole('button', { name: 'Test Connection' }).click();
    await card.locator('.stage[data-stage="chat"][data-status="pass"]').waitFor({ timeout: 30_000 });
    const sent = azure.requests.slice(before).find((request) => request.method === 'POST');
    assert.ok(sent);
    assert.deepEqual(
      [sent.headers['openai-organization'], sent.headers['openai-project'], sent.headers['x-route']],
      ['org-ui', 'proj_ui', 'eu'],
    );
    assert.equal(sent.headers['x-gateway-token'], GATEWAY_TOKEN);
    assert.equal(sent.headers['api-key'], AZURE_KEY);
    assert.equal((JSON.parse(sent.body) as { temperature?: number }).temperature, 0.4);
  });
});
