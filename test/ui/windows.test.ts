// A budget across windows, for real: two workbench pages on one code-server (two extension hosts,
// one globalStorage folder) each fire 20 requests at once at a loopback provider, against a daily
// budget that fits three. The provider answers with every token it was allowed, so nothing but the
// budget's own arithmetic keeps the total under the limit.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  createSandbox,
  TEST_USER_SETTINGS,
  launchBrowser,
  remoteUri,
  REPO_ROOT,
  screenshot,
  startHost,
  waitForWorkbench,
  workbenchUrl,
  type Sandbox,
} from '../support/workbench';

const REQUESTS_PER_WINDOW = 20;
/** Per million tokens. */
const PRICES = { input: 2.5, output: 10 };
/** Three requests at their worst case (about 10 prompt tokens and 1,000 output tokens: $0.01003 each) fit; a fourth does not. */
const LIMIT_USD = 0.0302;

/** OpenAI's stream, slow enough that both windows' requests are in flight together; it uses every output token it was allowed. */
async function startProvider(): Promise<{
  url: string;
  answers: Array<{ prompt: number; completion: number }>;
  server: Server;
}> {
  const answers: Array<{ prompt: number; completion: number }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        max_tokens?: number;
        max_completion_tokens?: number;
      };
      const usage = { prompt_tokens: 10, completion_tokens: body.max_completion_tokens ?? body.max_tokens ?? 1000 };
      answers.push({ prompt: usage.prompt_tokens, completion: usage.completion_tokens });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          'data: {"choices":[{"index":0,"delta":{"content":"One, two, three."},"finish_reason":"stop"}]}\n\n' +
            `data: {"choices":[],"usage":${JSON.stringify({ ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens })}}\n\ndata: [DONE]\n\n`,
        );
      }, 300);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, answers, server };
}

const waitFor = async <T>(probe: () => T | undefined, what: string, timeoutMs = 120_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};
const filesStarting = (folder: string, prefix: string) => readdirSync(folder).filter((name) => name.startsWith(prefix));

describe('a budget across two windows', function () {
  this.timeout(300_000);
  let sandbox: Sandbox;
  let host: Awaited<ReturnType<typeof startHost>> | undefined;
  let browser: BrowserContext | undefined;
  let provider: Awaited<ReturnType<typeof startProvider>> | undefined;
  const pages: Page[] = [];
  /** What each window wrote to `<prefix><window>.json` in the workspace, once both have. */
  const fromBothWindows = <T>(prefix: string, what: string): Promise<T[]> =>
    waitFor(() => {
      const files = filesStarting(sandbox.workspace, prefix);
      return files.length === 2
        ? files.map((file) => JSON.parse(readFileSync(join(sandbox.workspace, file), 'utf8')) as T)
        : undefined;
    }, what);

  after(async () => {
    if (sandbox && !existsSync(join(sandbox.workspace, 'done'))) writeFileSync(join(sandbox.workspace, 'done'), '');
    await browser?.close().catch(() => undefined);
    await host?.stop();
    provider?.server.close();
    if (sandbox) rmSync(sandbox.root, { recursive: true, force: true });
  });

  it('never spends past it, and each window counts every answered request once', async () => {
    provider = await startProvider();
    sandbox = createSandbox('windows');
    writeFileSync(
      join(sandbox.userDataDir, 'User', 'settings.json'),
      JSON.stringify({
        ...TEST_USER_SETTINGS,
        'switchboard.providers': [
          {
            id: 'gateway',
            name: 'Team gateway',
            template: 'litellm',
            baseUrl: provider.url,
            models: [{ id: 'gpt-4o', prices: PRICES, maxOutputTokens: 1000 }],
            defaultModel: 'gpt-4o',
          },
        ],
        'switchboard.budgets': [
          { id: 'three-requests', scope: { kind: 'overall' }, period: 'daily', limitUsd: LIMIT_USD, mode: 'stop' },
        ],
      }),
    );
    writeFileSync(
      join(sandbox.workspace, 'plan.json'),
      JSON.stringify({ providerId: 'gateway', model: 'gpt-4o', requests: REQUESTS_PER_WINDOW }),
    );
    host = await startHost(sandbox, { smokeTestDriver: true });
    browser = await launchBrowser(sandbox.browserProfile);
    const exits: Array<Promise<number>> = [];
    for (let i = 0; i < 2; i++) {
      const page = i === 0 ? (browser.pages()[0] ?? (await browser.newPage())) : await browser.newPage();
      pages.push(page);
      exits.push(
        new Promise<number>(
          (resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)),
        ),
      );
      await page.exposeFunction('codeAutomationLog', () => undefined);
      const payload: Array<[string, string]> = [
        ['extensionDevelopmentPath', remoteUri(host.port, REPO_ROOT)],
        ['extensionTestsPath', remoteUri(host.port, join(REPO_ROOT, 'out', 'test', 'windows', 'index.js'))],
      ];
      await page.goto(workbenchUrl(host.url, sandbox.workspace, payload));
    }
    await Promise.all(pages.map((page) => waitForWorkbench(page)));
    const ready = await waitFor(
      () =>
        filesStarting(sandbox.workspace, 'ready-').length === 2
          ? filesStarting(sandbox.workspace, 'ready-')
          : undefined,
      'both windows to be ready',
    );
    assert.notEqual(ready[0], ready[1], 'two extension hosts');
    writeFileSync(join(sandbox.workspace, 'go'), '');

    const results = await fromBothWindows<{ answered: number; refused: number; other: string[] }>(
      'result-',
      'both windows to finish their requests',
    );
    for (const result of results) {
      assert.deepEqual(result.other, [], 'every request answered or refused by the budget');
      assert.equal(result.answered + result.refused, REQUESTS_PER_WINDOW);
    }
    const answered = results.reduce((sum, result) => sum + result.answered, 0);
    assert.equal(provider.answers.length, answered, 'a refused request never reached the provider');
    const spent = provider.answers.reduce(
      (sum, answer) => sum + (answer.prompt * PRICES.input + answer.completion * PRICES.output) / 1e6,
      0,
    );
    assert.ok(spent <= LIMIT_USD + 1e-9, `spent $${spent} of $${LIMIT_USD}`);
    assert.ok(answered >= 3, `${answered} answered: a budget that fits three lets three through`);

    writeFileSync(join(sandbox.workspace, 'expect.json'), JSON.stringify({ requests: answered }));
    const finals = await fromBothWindows<{ requests: number; usd: number; statusBar: string }>(
      'final-',
      "both windows' ledgers to hold every request",
    );
    for (const final of finals) {
      assert.equal(final.requests, answered, 'every answered request, once');
      assert.ok(Math.abs(final.usd - spent) < 1e-6, `recorded $${final.usd}, provider billed $${spent}`);
    }
    // What each window's status bar shows, as rendered.
    for (const [index, page] of pages.entries()) {
      const item = page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: 'today' }).first();
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match((await item.textContent()) ?? '', /\$0\.03 today/);
      await screenshot(page, `windows-status-bar-${index + 1}`, page.locator('#workbench\\.parts\\.statusbar'));
    }
    assert.equal(finals[0]!.statusBar, finals[1]!.statusBar, 'both windows show the same spend');
    writeFileSync(join(sandbox.workspace, 'done'), '');
    assert.deepEqual(await Promise.all(exits), [0, 0]);
  });
});
