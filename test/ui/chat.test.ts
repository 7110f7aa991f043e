// A new user's first chat, driven in the real workbench: add a provider from the command palette
// (key typed into the input box), test it, pick a model, ask @switchboard. The provider is a
// loopback server speaking OpenAI's Chat Completions wire format. The tests run in order, as one
// user's session.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startLoopback, type LoopbackServer } from '../support/loopback';
import {
  openInstalledWorkbench,
  runFromPalette,
  screenshot,
  screenshotIfFailed,
  type InstalledWorkbench,
  type Sandbox,
} from '../support/workbench';

/** The key typed into the key box: it must reach the provider and nowhere else. */
const CANARY_KEY = 'sk-proj-CANARY7f3e9d1c5b2a8e4f6d0c';

const ANSWER = [
  '**503 Service Unavailable** means the server is up but cannot handle the request right now',
  ' — usually overload or maintenance.\n\n',
  '- Retry after the `Retry-After` header, if there is one.\n',
  '- Back off exponentially otherwise.\n',
];

type Mode = { kind: 'answer'; reasoning?: string } | { kind: 'overloaded'; models: string[] } | { kind: 'hang' };

function chunk(choices: unknown[], extra: Record<string, unknown> = {}): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-ui', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices, ...extra })}\n\n`;
}

describe('@switchboard in the chat view, as a new user meets it', function () {
  this.timeout(120_000);
  let workbench: InstalledWorkbench | undefined;
  let sandbox: Sandbox;
  let page: Page;
  let provider: LoopbackServer;
  let mode: Mode = { kind: 'answer' };
  /** Holds the end of the next answer until the test has seen its first part on screen. */
  let release: () => void = () => {};
  let held: Promise<void> = Promise.resolve();

  /** The response row of the latest question. */
  let answer: Locator;
  /** The chats the user asked for: the connection test's one-token requests are not counted. */
  const chats = () =>
    provider.requests.filter(
      (request) => request.path === '/v1/chat/completions' && !/"max_(completion_)?tokens":1[,}]/.test(request.body),
    );
  const hold = () => {
    held = new Promise((resolve) => (release = resolve));
  };

  before(async () => {
    provider = await startLoopback(async (request, res: ServerResponse) => {
      if (request.method === 'GET' && request.path === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            data: ['gpt-4o', 'gpt-4o-mini'].map((id) => ({
              id,
              object: 'model',
              created: 1715367049,
              owned_by: 'system',
            })),
          }),
        );
        return;
      }
      const body = JSON.parse(request.body) as { model: string };
      if (mode.kind === 'overloaded' && mode.models.includes(body.model)) {
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
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Reasoning as DeepSeek and vLLM stream it, before the answer.
      if (mode.kind === 'answer' && mode.reasoning)
        res.write(
          chunk([
            {
              index: 0,
              delta: { role: 'assistant', content: null, reasoning_content: mode.reasoning },
              finish_reason: null,
            },
          ]),
        );
      res.write(chunk([{ index: 0, delta: { role: 'assistant', content: ANSWER[0] }, finish_reason: null }]));
      if (mode.kind === 'hang') return; // until the client goes away
      await held;
      res.end(
        ANSWER.slice(1)
          .map((content) => chunk([{ index: 0, delta: { content }, finish_reason: null }]))
          .join('') +
          chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
          chunk([], { usage: { prompt_tokens: 1250, completion_tokens: 380, total_tokens: 1630 } }) +
          'data: [DONE]\n\n',
      );
    });
    // One try per model, so the fallback test does not wait out backoff; the chain's second step is
    // the same provider's smaller model ("openai" is the id the first OpenAI provider gets).
    workbench = await openInstalledWorkbench('chat', {
      'workbench.startupEditor': 'none',
      'switchboard.retry.maxAttempts': 1,
      'switchboard.fallback.chain': [{ provider: 'openai', model: 'gpt-4o-mini' }],
    });
    ({ sandbox, page } = workbench);
  });

  afterEach(async function () {
    release();
    await screenshotIfFailed(this.currentTest, page, 'chat-');
  });

  after(async () => {
    await workbench?.close();
    await provider?.close();
  });

  const quickInput = () => page.locator('.quick-input-widget input.input');
  const toastButton = (name: string) => page.locator('.notifications-toasts .monaco-button', { hasText: name });

  /**
   * The response row to the newest request showing `asked`. The chat list renders only rows in
   * view, in no particular DOM order: rows are found by their list index.
   */
  async function responseTo(asked: string, previousIndex = -1): Promise<Locator> {
    const requests = page
      .locator('.interactive-session .monaco-list-row[data-index]')
      .filter({ has: page.locator('.interactive-request', { hasText: asked }) });
    let index = -1;
    const deadline = Date.now() + 20_000;
    while (index <= previousIndex) {
      if (Date.now() > deadline) throw new Error(`no request "${asked}" in the chat`);
      const indexes = await requests.evaluateAll((rows: Array<{ getAttribute(name: string): string | null }>) =>
        rows.map((row) => Number(row.getAttribute('data-index'))),
      );
      index = Math.max(-1, ...indexes);
      if (index <= previousIndex) await page.waitForTimeout(100);
    }
    return page.locator(`.interactive-session .monaco-list-row[data-index="${index + 1}"]`);
  }

  /** Sends a prompt from the chat input; returns its response row. */
  async function ask(prompt: string): Promise<Locator> {
    await page.locator('.interactive-input-part .monaco-editor').first().click();
    // The input keeps "@switchboard " after an answer: start from an empty box, as the prompt says it all.
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    // A prompt that ends on a command would have Enter pick the command from the suggestions; a space closes them.
    await page.keyboard.type(/\/\w+$/.test(prompt) ? `${prompt} ` : prompt);
    await page.keyboard.press('Enter');
    return responseTo(prompt.replace(/^@switchboard /, ''));
  }

  it('adds a provider from the palette, chooses its models (priced), tests it and streams an answer with its cost footer', async () => {
    const started = Date.now();
    await runFromPalette(
      page,
      'Switchboard: Add Provider',
      page.locator('.quick-input-title', { hasText: 'Add a provider' }),
    );
    await quickInput().fill('OpenAI');
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: /^OpenAI$/ }) })
      .click();
    await page.locator('.quick-input-title', { hasText: 'OpenAI: base URL' }).waitFor();
    await quickInput().fill(`${provider.url}/v1`);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-title', { hasText: 'API key for OpenAI' }).waitFor();
    assert.equal(await quickInput().getAttribute('type'), 'password', 'the key box hides what is typed');
    await quickInput().fill(CANARY_KEY);
    await page.keyboard.press('Enter');

    // Adding ends with the models: the provider's list, ticked in one quick pick.
    await page.locator('.quick-input-title', { hasText: 'OpenAI: choose models' }).waitFor();
    const row = page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: /^gpt-4o$/ }) });
    // Each row prices the model and gives its window (the catalog's OpenAI facts) before it is ticked.
    await row.filter({ hasText: '$2.50 in · $10.00 out /M · 128k context' }).click();
    await page.keyboard.press('Enter');
    // The first provider's first model is the default model.
    await page.locator('#workbench\\.parts\\.statusbar', { hasText: 'gpt-4o' }).waitFor();
    await toastButton('Test Connection').click();
    await page.locator('.notifications-toasts', { hasText: 'OpenAI works.' }).waitFor();
    const setUpSeconds = (Date.now() - started) / 1000;

    hold();
    answer = await ask('@switchboard What does HTTP 503 mean?');
    // The first part is on screen while the provider still holds the rest: it streamed.
    await answer.filter({ hasText: 'means the server is up' }).waitFor({ timeout: 20_000 });
    assert.equal(provider.inFlight(), 1, 'the answer is still being sent');
    assert.doesNotMatch(await answer.innerText(), /gpt-4o ·/, 'no footer before the end');
    release();
    const footer = answer.filter({ hasText: /OpenAI · gpt-4o · 1,?250 in \/ 380 out · \$0\.0069 · \d+\.\d s/ });
    await footer.waitFor({ timeout: 20_000 });
    const text = await answer.innerText();
    assert.match(text, /Retry after the Retry-After header/);
    await screenshot(page, 'chat-answer');
    await screenshot(page, 'chat-answer-pane', page.locator('.part.auxiliarybar'));

    const sent = chats();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.headers.authorization, `Bearer ${CANARY_KEY}`, 'the typed key reached the provider');
    const body = JSON.parse(sent[0]!.body) as { model: string; messages: Array<{ role: string; content: string }> };
    assert.deepEqual(
      [body.model, body.messages.at(-1)],
      ['gpt-4o', { role: 'user', content: 'What does HTTP 503 mean?' }],
    );
    // Recorded for the closing note: the palette flow from "Add Provider" to a chosen model.
    console.log(`      set-up from the palette took ${setUpSeconds.toFixed(1)} s`);
  });

  it('/cost prices the prompt on each model and sends nothing', async () => {
    const before = chats().length;
    answer = await ask('@switchboard /cost Summarise RFC 9110 section 15.6.4');
    await answer.filter({ hasText: 'nothing was sent' }).waitFor({ timeout: 20_000 });
    const text = await answer.innerText();
    assert.match(text, /OpenAI · gpt-4o\s*\|?\s*\d+/);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(chats().length, before, '/cost sent no request');
  });

  const modelsSent = (from: number) =>
    chats()
      .slice(from)
      .map((request) => (JSON.parse(request.body) as { model: string }).model);

  it('a fallback answer says which model answered and why, and the conversation stays on it', async () => {
    mode = { kind: 'overloaded', models: ['gpt-4o'] };
    const before = chats().length;
    answer = await ask('@switchboard And a 502?');
    await answer
      .filter({ hasText: 'Answered by OpenAI gpt-4o-mini after OpenAI gpt-4o returned 503 (overloaded).' })
      .waitFor({ timeout: 20_000 });
    assert.match(await answer.innerText(), /OpenAI · gpt-4o-mini · /);
    assert.deepEqual(modelsSent(before), ['gpt-4o', 'gpt-4o-mini']);
    await screenshot(page, 'chat-fallback');

    mode = { kind: 'answer' };
    const next = chats().length;
    answer = await ask('@switchboard Thanks. And a 504?');
    await answer.filter({ hasText: 'OpenAI · gpt-4o-mini · ' }).waitFor({ timeout: 20_000 });
    assert.deepEqual(modelsSent(next), ['gpt-4o-mini'], 'the follow-up continues on the model that answered');
  });

  it('/model switches the conversation, with the price and context shown', async () => {
    answer = await ask('@switchboard /model gpt-4o');
    // From gpt-4o-mini, about 17 times the cost per answer: VS Code's modal asks first.
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'the model of this conversation?' });
    await dialog.waitFor({ timeout: 20_000 });
    await dialog.locator('.monaco-button', { hasText: 'Switch Model' }).click();
    await answer
      .filter({
        hasText:
          'This conversation now continues on OpenAI gpt-4o ($2.50 in · $10.00 out per million tokens, 128k context)',
      })
      .waitFor({ timeout: 20_000 });
    const before = chats().length;
    answer = await ask('@switchboard Back on the big one?');
    await answer.filter({ hasText: 'OpenAI · gpt-4o · ' }).waitFor({ timeout: 20_000 });
    assert.deepEqual(modelsSent(before), ['gpt-4o']);
    // The /model turn is not conversation: the model never sees it.
    const sent = JSON.parse(chats().at(-1)!.body) as { messages: Array<{ content: string }> };
    assert.ok(
      !sent.messages.some((message) => message.content.includes('now continues on')),
      JSON.stringify(sent.messages),
    );
  });

  it('a failure says what went wrong with an action, and offers to retry; the retry answers', async () => {
    mode = { kind: 'overloaded', models: ['gpt-4o', 'gpt-4o-mini'] };
    answer = await ask('@switchboard Is anyone there?');
    await answer.filter({ hasText: 'overloaded' }).waitFor({ timeout: 20_000 });
    const retry = page.getByText('Retry on OpenAI gpt-4o', { exact: true }).last();
    await retry.waitFor({ timeout: 20_000 });
    const text = await answer.innerText();
    assert.match(
      text,
      /No model could answer: OpenAI gpt-4o overloaded \(503\); OpenAI gpt-4o-mini overloaded \(503\)\. Try again shortly\./,
      text,
    );
    assert.doesNotMatch(text, /at .*\.js:\d+|"error":/, 'no stack trace or raw body');
    assert.equal(await answer.locator('.monaco-button', { hasText: 'Edit Fallback Chain' }).count(), 1);
    await screenshot(page, 'chat-error');

    mode = { kind: 'answer' };
    const before = chats().length;
    const failedAt = Number(await answer.getAttribute('data-index'));
    await retry.click();
    answer = await responseTo('Is anyone there?', failedAt);
    await answer.filter({ hasText: 'OpenAI · gpt-4o · ' }).waitFor({ timeout: 20_000 });
    assert.deepEqual(modelsSent(before), ['gpt-4o']);
    const sent = JSON.parse(chats().at(-1)!.body) as { messages: Array<{ role: string; content: string }> };
    assert.deepEqual(sent.messages.at(-1), { role: 'user', content: 'Is anyone there?' });
  });

  it('shows reasoning apart from the answer and keeps it out of the next turn', async () => {
    const thought = 'The user asks about 429; compare it with 503 first.';
    mode = { kind: 'answer', reasoning: thought };
    answer = await ask('@switchboard And 429?');
    await answer.locator('blockquote', { hasText: thought }).waitFor({ timeout: 20_000 });
    await answer.filter({ hasText: 'OpenAI · gpt-4o · ' }).waitFor({ timeout: 20_000 });
    mode = { kind: 'answer' };
    answer = await ask('@switchboard Which one should I retry?');
    await answer.filter({ hasText: 'OpenAI · gpt-4o · ' }).waitFor({ timeout: 20_000 });
    const sent = JSON.parse(chats().at(-1)!.body) as { messages: Array<{ role: string; content: string }> };
    assert.ok(
      sent.messages.some(
        (message) => message.role === 'assistant' && message.content.includes('503 Service Unavailable'),
      ),
      'earlier answers are context',
    );
    assert.ok(
      !sent.messages.some((message) => message.content.includes(thought) || message.content.includes('Reasoning')),
      'reasoning is not',
    );
  });

  it('/compare sends the prompt to each model in turn, then a table of cost, tokens and time', async () => {
    const before = chats().length;
    answer = await ask('@switchboard /compare gpt-4o, gpt-4o-mini: What is HTTP 418?');
    const table = answer.locator('table', { hasText: 'Tokens in / out' });
    await table.waitFor({ timeout: 30_000 });
    // The table streams in row by row: read it once its last row has its time.
    await table.locator('tbody tr', { hasText: /gpt-4o-mini.*\d+\.\d s/s }).waitFor({ timeout: 30_000 });
    assert.deepEqual(modelsSent(before), ['gpt-4o', 'gpt-4o-mini']);
    assert.equal(await answer.locator('h3', { hasText: /^OpenAI gpt-4o(-mini)?$/ }).count(), 2);
    const rows = await table.locator('tbody tr').allInnerTexts();
    assert.equal(rows.length, 2, rows.join('\n'));
    assert.match(rows[0]!, /OpenAI gpt-4o\s+1,?250 \/ 380\s+\$0\.0069\s+\d+\.\d s/);
    assert.match(rows[1]!, /OpenAI gpt-4o-mini\s+1,?250 \/ 380\s+\$0\.0004\s+\d+\.\d s/);
    await screenshot(page, 'chat-compare');
  });

  it('/usage shows the spend and budgets without asking a model', async () => {
    const before = chats().length;
    answer = await ask('@switchboard /usage');
    await answer.filter({ hasText: 'This month' }).waitFor({ timeout: 20_000 });
    const text = await answer.innerText();
    // The 429s and 500s of the tests before are failed attempts, counted apart from the answered requests.
    assert.match(text, /Today \$0\.\d+ \(\d+ requests, [1-9]\d* failed attempts?\)/, text);
    assert.match(text, /gpt-4o-mini/);
    assert.equal(await answer.locator('.monaco-button', { hasText: 'Set Budget' }).count(), 1);
    assert.equal(chats().length, before);
  });

  it('cancelling mid-answer closes the request to the provider', async () => {
    mode = { kind: 'hang' };
    try {
      answer = await ask('@switchboard Tell me everything about HTTP');
      await answer.filter({ hasText: 'means the server is up' }).waitFor({ timeout: 20_000 });
      assert.equal(provider.inFlight(), 1);
      await page.locator('.interactive-input-part .action-label[aria-label^="Cancel"]').first().click();
      const deadline = Date.now() + 5000;
      while (provider.inFlight() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(provider.inFlight(), 0, 'the provider saw the request closed within 5 s of Cancel');
    } finally {
      mode = { kind: 'answer' };
    }
  });

  // Last but one: the budget it sets refuses OpenAI from then on.
  it("VS Code's model picker shows each Switchboard model's price, context and budget use, and a model a spent budget blocks", async () => {
    // A budget set as a user sets one: a hard stop on OpenAI, already spent by the answers before.
    const pickRow = async (label: string) =>
      page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) })
        .click();
    await runFromPalette(
      page,
      'Switchboard: Set Budget',
      page.locator('.quick-input-title', { hasText: 'Budget for' }),
    );
    await pickRow('OpenAI');
    await page.locator('.quick-input-title', { hasText: 'Per' }).waitFor();
    await pickRow('daily');
    await page.locator('.quick-input-title', { hasText: 'Limit in US dollars' }).waitFor();
    await quickInput().fill('0.000001');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-title', { hasText: 'When the budget would be crossed' }).waitFor();
    await pickRow('stop');
    /** The picker's rows as a screen reader hears them: "GPT-4o, OpenAI · $2.50 / $10.00 per M · 128K". */
    const rows = async () => {
      await page
        .locator('.interactive-input-part .chat-input-picker-item', { hasText: /GPT-4o/ })
        .first()
        .click();
      const labels = await page
        .locator('.chat-model-picker-dropdown .monaco-list-row')
        .evaluateAll((items: Array<{ getAttribute(name: string): string | null }>) =>
          items.map((item) => item.getAttribute('aria-label') ?? ''),
        );
      await page.keyboard.press('Escape');
      return labels.join('\n');
    };
    const rowText = async (name: string) =>
      (await rows()).split('\n').find((label) => label.startsWith(`${name}, `)) ?? (await rows());
    const expectRow = async (name: string, expected: RegExp) => {
      const deadline = Date.now() + 20_000;
      let text = await rowText(name);
      while (!expected.test(text) && Date.now() < deadline) {
        await page.waitForTimeout(250);
        text = await rowText(name);
      }
      assert.match(text, expected);
    };
    await expectRow('GPT-4o', /OpenAI · \$2\.50 \/ \$10\.00 per M · 128K · blocked: daily OpenAI budget spent/);
    await page
      .locator('.interactive-input-part .chat-input-picker-item', { hasText: /GPT-4o/ })
      .first()
      .click();
    await screenshot(page, 'chat-model-picker', page.locator('.chat-model-picker-dropdown'));
    await page.keyboard.press('Escape');
  });

  it("the key never shows in the workbench, and is stored nowhere in VS Code's files (state, chat sessions, logs)", async () => {
    assert.ok(!(await page.content()).includes(CANARY_KEY), 'page HTML');
    for (const frame of page.frames())
      assert.ok(!(await frame.content().catch(() => '')).includes(CANARY_KEY), `frame ${frame.url()}`);
    // Chat sessions (with each answer's metadata), globalState and the logs are all under user data.
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const stat = statSync(path);
        if (stat.isDirectory()) walk(path);
        else if (stat.isFile()) files.push(path); // not code-server's IPC socket
      }
    };
    walk(sandbox.userDataDir);
    // The files that would hold a leak exist, and the chat session holds Switchboard's answer metadata.
    const session = files.find((file) => /chatSessions[/\\]/.test(file));
    assert.ok(session, 'the chat session is stored');
    assert.match(
      readFileSync(session, 'utf8'),
      /"picker":"openai\/gpt-4o"/,
      'ChatResult.metadata is in the session file',
    );
    assert.ok(
      files.some((file) => file.endsWith('Switchboard.log')),
      "Switchboard's log is stored",
    );
    for (const file of files) assert.ok(!readFileSync(file).includes(CANARY_KEY), file);
  });
});
