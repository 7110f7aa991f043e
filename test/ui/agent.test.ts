// VS Code's own agent (Agent mode of the chat, provided by the built-in Copilot Chat) driving a
// Switchboard model, offline: a person adds an OpenAI and an Anthropic provider, picks each model in
// the chat's model picker, switches to Agent mode and asks about the workspace's README. The
// loopback providers (Chat Completions and Messages, streamed as each provider's docs show) answer
// with a call of the read-file tool the agent offers; VS Code runs it and sends the file back; the
// model answers. Copilot Chat reaches for GitHub and telemetry hosts: the host's proxy settings send
// that to a closed loopback proxy, and strace records every address the host's processes connect to.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ensureSystemPackages } from '../../scripts/vscode-host.mjs';
import { blockDelta, blockStart, blockStop, frame, messageDelta, messageStop } from '../fixtures/anthropicWire';
import { finishChunk, openAiChunk, roleDelta, textDelta, usageChunk } from '../fixtures/openaiWire';
import { isLoopback, startClosedProxy, type ClosedProxy } from '../support/closedProxy';
import { isLoopbackAddress, readConnectionTrace } from '../support/connectTrace';
import { json, startLoopback, type LoopbackServer, type RecordedRequest } from '../support/loopback';
import {
  ARTIFACTS_DIR,
  openInstalledWorkbench,
  runFromPalette,
  screenshot,
  screenshotIfFailed,
  webviewFrame,
  type InstalledWorkbench,
} from '../support/workbench';

const OPENAI_KEY = 'sk-proj-AGENTa1b2c3d4e5f6a7b8c9d0e1f2';
const ANTHROPIC_KEY = 'sk-ant-api03-AGENTa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8';
/** The name the agent gives the model for VS Code's read-file tool (Copilot Chat's `copilot_readFile`). */
const READ_TOOL = 'read_file';
const README_TEXT = '# Switchboard test workspace';
const ARTIFACTS = join(ARTIFACTS_DIR, 'agent');
const TRACE = join(ARTIFACTS, 'host-connections.strace');

const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const openAiEvents = (chunks: unknown[]) => chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('');

/** What one provider was asked in one round: the request that offered the tools and the one that carried its result. */
interface Round {
  first: RecordedRequest;
  second: RecordedRequest;
}

describe("VS Code's own agent with Switchboard models, offline (Copilot Chat's Agent mode)", function () {
  this.timeout(180_000);
  let workbench: InstalledWorkbench | undefined;
  let page: Page;
  let openai: LoopbackServer;
  let anthropic: LoopbackServer;
  let hostProxy: ClosedProxy;
  let browserProxy: ClosedProxy;
  let readme: string;
  const consoleLines: string[] = [];
  /** Every URL the workbench's pages and workers asked for that is not served by code-server on loopback. */
  const pageRequests: string[] = [];

  const posts = (server: LoopbackServer, path: string) =>
    server.requests.filter((request) => request.method === 'POST' && request.path === path);

  before(async () => {
    ensureSystemPackages();
    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(TRACE, { force: true });
    hostProxy = await startClosedProxy();
    browserProxy = await startClosedProxy();

    // OpenAI Chat Completions: the first turn calls the read-file tool, the turn with its result answers.
    openai = await startLoopback((request, res: ServerResponse) => {
      if (request.method === 'GET' && request.path === '/v1/models')
        return json(res, 200, {
          object: 'list',
          data: [{ id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' }],
        });
      const body = JSON.parse(request.body) as { messages: Array<{ role: string }> };
      res.writeHead(200, sseHeaders);
      if (body.messages.at(-1)?.role !== 'tool') {
        res.end(
          openAiEvents([
            openAiChunk({ delta: { role: 'assistant', content: null, tool_calls: null } }),
            openAiChunk({
              delta: {
                tool_calls: [
                  { index: 0, id: 'call_readme1', type: 'function', function: { name: READ_TOOL, arguments: '' } },
                ],
              },
            }),
            ...[`{"filePath": ${JSON.stringify(readme)}, `, '"startLine": 1, ', '"endLine": 50}'].map((piece) =>
              openAiChunk({ delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] } }),
            ),
            finishChunk('tool_calls'),
            usageChunk({ prompt_tokens: 15000, completion_tokens: 40, total_tokens: 15040 }),
          ]) + 'data: [DONE]\n\n',
        );
        return;
      }
      res.end(
        openAiEvents([
          roleDelta(),
          textDelta('The README is a single heading: '),
          textDelta('“Switchboard test workspace” (GPT-4o read it).'),
          finishChunk('stop'),
          usageChunk({ prompt_tokens: 15100, completion_tokens: 20, total_tokens: 15120 }),
        ]) + 'data: [DONE]\n\n',
      );
    });

    // Anthropic Messages: the same, with tool_use and tool_result blocks.
    anthropic = await startLoopback((request, res: ServerResponse) => {
      if (request.method === 'GET' && request.path.startsWith('/v1/models'))
        return json(res, 200, {
          data: [
            {
              type: 'model',
              id: 'claude-sonnet-4-5',
              display_name: 'Claude Sonnet 4.5',
              created_at: '2025-09-29T00:00:00Z',
            },
          ],
          has_more: false,
          first_id: 'claude-sonnet-4-5',
          last_id: 'claude-sonnet-4-5',
        });
      const body = JSON.parse(request.body) as { messages: Array<{ role: string; content: unknown }> };
      const last = body.messages.at(-1);
      const answered =
        Array.isArray(last?.content) &&
        (last.content as Array<{ type: string }>).some((block) => block.type === 'tool_result');
      const start = (input: number) =>
        frame({
          type: 'message_start',
          message: {
            id: answered ? 'msg_01AgentAnswer' : 'msg_01AgentToolUse',
            type: 'message',
            role: 'assistant',
            content: [],
            model: 'claude-sonnet-4-5',
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: input, output_tokens: 1 },
          },
        });
      res.writeHead(200, sseHeaders);
      if (!answered) {
        res.end(
          start(15000) +
            blockStart(0, { type: 'tool_use', id: 'toolu_01AgentReadme', name: READ_TOOL, input: {} }) +
            blockDelta(0, { type: 'input_json_delta', partial_json: '' }) +
            blockDelta(0, { type: 'input_json_delta', partial_json: `{"filePath": ${JSON.stringify(readme)}` }) +
            blockDelta(0, { type: 'input_json_delta', partial_json: ', "startLine": 1, "endLine": 50}' }) +
            blockStop(0) +
            messageDelta('tool_use', { output_tokens: 50 }) +
            messageStop(),
        );
        return;
      }
      res.end(
        start(15100) +
          blockStart(0, { type: 'text', text: '' }) +
          blockDelta(0, { type: 'text_delta', text: 'README.md holds one heading, ' }) +
          blockDelta(0, { type: 'text_delta', text: '“Switchboard test workspace” (Claude read it).' }) +
          blockStop(0) +
          messageDelta('end_turn', { output_tokens: 30 }) +
          messageStop(),
      );
    });

    workbench = await openInstalledWorkbench(
      'agent',
      {
        'workbench.startupEditor': 'none',
        // Without it the chat asks to sign in and sends nothing (experimental in VS Code 1.139).
        'chat.allowAnonymousAccess': true,
        // Everything the host fetches goes to the closed proxy, except the loopback providers.
        'http.proxy': hostProxy.url,
        'http.proxyStrictSSL': false,
        'http.noProxy': ['127.0.0.1', 'localhost'],
        'telemetry.telemetryLevel': 'off',
      },
      { withCopilotChat: true, browserProxy: browserProxy.url, traceConnections: TRACE },
    );
    page = workbench.page;
    readme = join(workbench.sandbox.workspace, 'README.md');
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    // Webview resources (https://*.vscode-resource.vscode-cdn.net/…) are answered by the webview's
    // service worker from code-server: only what went to the network, or failed to, counts.
    const outside = (address: string) => {
      const url = new URL(address);
      return !(url.protocol === 'blob:' || url.protocol === 'data:' || isLoopback(url.hostname));
    };
    page.context().on('response', (response) => {
      if (!response.fromServiceWorker() && outside(response.url())) pageRequests.push(response.url());
    });
    page.context().on('requestfailed', (request) => {
      if (outside(request.url())) pageRequests.push(`${request.url()} (failed: ${request.failure()?.errorText})`);
    });
  });

  afterEach(async function () {
    if (workbench) await screenshotIfFailed(this.currentTest, page, 'agent-');
  });

  after(async () => {
    writeFileSync(join(ARTIFACTS, 'console.log'), consoleLines.join('\n'));
    writeFileSync(
      join(ARTIFACTS, 'refused.json'),
      JSON.stringify({ host: hostProxy?.attempts, browser: browserProxy?.attempts, pageRequests }, null, 1),
    );
    await workbench?.close();
    await openai?.close();
    await anthropic?.close();
    await hostProxy?.close();
    await browserProxy?.close();
  });

  const quickInput = () => page.locator('.quick-input-widget input.input');
  const pickRow = (name: string) =>
    page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });
  const inputPart = () => page.locator('.interactive-input-part:visible').first();
  const widgetRow = (label: RegExp) =>
    page.locator('.action-widget .monaco-list-row.action').filter({ has: page.locator('.title', { hasText: label }) });

  async function addProvider(template: string, baseUrl: string, key: string, model: string): Promise<void> {
    await runFromPalette(
      page,
      'Switchboard: Add Provider',
      page.locator('.quick-input-title', { hasText: 'Add a provider' }),
    );
    await quickInput().fill(template);
    await pickRow(template).click();
    await page.locator('.quick-input-title', { hasText: `${template}: base URL` }).waitFor();
    await quickInput().fill(baseUrl);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-title', { hasText: `API key for ${template}` }).waitFor();
    await quickInput().fill(key);
    await page.keyboard.press('Enter');
    // Adding ends with the models, ticked in one quick pick of the provider's list.
    await page.locator('.quick-input-title', { hasText: `${template}: choose models` }).waitFor();
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${model}$`) }) })
      .click();
    await page.keyboard.press('Enter');
    // Test Connection is offered with it (not clicked: a test would be a request of its own).
    await page
      .locator('.notifications-toasts .notification-toast', { hasText: `${template} is ready with ${model}` })
      .locator('.monaco-button', { hasText: 'Test Connection' })
      .waitFor({ timeout: 20_000 });
    await runFromPalette(
      page,
      'Switchboard: Select Default Model',
      page.locator('.quick-input-title', { hasText: 'Default model' }),
    );
    await pickRow(model).filter({ hasText: template }).click();
    await page.locator('#workbench\\.parts\\.statusbar', { hasText: model }).waitFor();
  }

  /**
   * Opens the chat's model picker and finds a model's row by name and provider, typing the name
   * into the picker's search box.
   */
  async function modelRow(name: string, provider: string): Promise<Locator> {
    const row = page.locator(`.action-widget .monaco-list-row.action[aria-label^="${name}, ${provider}"]`);
    // Opened while the chat view is still laying out (just after New Chat), the picker can come up
    // empty in a corner: then it is closed and opened again.
    for (let attempt = 1; ; attempt++) {
      await inputPart().locator('.action-label[aria-label^="Models"]').first().click();
      try {
        await page.locator('.action-widget .monaco-list-row.action').first().waitFor({ timeout: 5_000 });
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
        await page.keyboard.press('Escape');
      }
    }
    // The search box finds models in every group, "Other Models" (models not used yet) included.
    await page.locator('.action-widget input.action-list-filter-input').fill(name);
    await row.waitFor();
    return row;
  }

  /** Picks a model in the chat's model picker, as a person does, and sees it picked. */
  async function pickModel(name: string, provider: string): Promise<void> {
    await (await modelRow(name, provider)).click();
    await inputPart().locator('.action-label[aria-label^="Models"]', { hasText: name }).waitFor();
  }

  /** Opens the chat's mode picker and picks Agent. */
  async function switchToAgent(): Promise<void> {
    await inputPart()
      .locator('.action-label', { hasText: /^(Agent|Ask|Edit|Plan)$/ })
      .first()
      .click();
    await widgetRow(/^Agent$/).click();
    await inputPart()
      .locator('.action-label', { hasText: /^Agent$/ })
      .waitFor();
  }

  /**
   * Asks in the chat and waits for the response showing `answer`. VS Code starts Copilot Chat on the
   * first request of a session; when that request loses the race with Copilot Chat's failed GitHub
   * sign-in, the chat answers "Please try again." without asking any model: then it is asked again.
   */
  async function askAgent(prompt: string, answer: string, asked: () => number): Promise<Locator> {
    const before = asked();
    for (let attempt = 1; ; attempt++) {
      await inputPart().locator('.monaco-editor').first().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.type(prompt);
      await page.keyboard.press('Enter');
      const responses = page.locator('.interactive-item-container.interactive-response');
      const answered = responses.filter({ hasText: answer });
      const tryAgain = responses.filter({ hasText: 'Please try again.' });
      const failures = await tryAgain.count();
      const deadline = Date.now() + 60_000;
      while ((await answered.count()) === 0 && (await tryAgain.count()) === failures) {
        if (Date.now() > deadline) throw new Error(`no answer "${answer}" in the chat within 60 s`);
        await page.waitForTimeout(200);
      }
      if (await answered.count()) return answered.last();
      assert.equal(asked(), before, '"Please try again." came after a request reached the model');
      assert.ok(attempt < 2, 'the chat answered "Please try again." twice');
      console.log('      the first request of the session ended in "Please try again." (no model asked); asked again');
      await screenshot(page, 'agent-try-again');
    }
  }

  it('adds an OpenAI and an Anthropic provider from the palette; both models are in the chat model picker', async () => {
    await addProvider('OpenAI', `${openai.url}/v1`, OPENAI_KEY, 'gpt-4o');
    await addProvider('Anthropic', anthropic.url, ANTHROPIC_KEY, 'claude-sonnet-4-5');
    // Both are offered (Claude Sonnet 4.5 under "Other Models" until it is used), each with its provider.
    await modelRow('GPT-4o', 'OpenAI');
    await page.keyboard.press('Escape');
    await modelRow('Claude Sonnet 4.5', 'Anthropic');
    await screenshot(page, 'agent-model-picker');
    await page.keyboard.press('Escape');
  });

  /** Picks the model, switches to Agent mode, asks; returns the provider's two requests of the round trip. */
  async function roundTrip(
    server: LoopbackServer,
    path: string,
    model: { name: string; provider: string },
    prompt: string,
    answer: string,
  ): Promise<Round> {
    await pickModel(model.name, model.provider);
    await switchToAgent();
    const response = await askAgent(prompt, answer, () => posts(server, path).length);
    await screenshot(page, `agent-${model.provider.toLowerCase()}-answer`);
    const sent = posts(server, path);
    assert.equal(sent.length, 2, 'one request offered the tools, one carried the tool result');
    // The response shows the agent's steps (the tool call, the answer), then the model's final answer.
    assert.match(await response.innerText(), /Completed 2 steps/);
    return { first: sent[0]!, second: sent[1]! };
  }

  it('OpenAI (Chat Completions): the agent offers its read-file tool, runs the call, sends the file back, shows the answer', async () => {
    const { first, second } = await roundTrip(
      openai,
      '/v1/chat/completions',
      { name: 'GPT-4o', provider: 'OpenAI' },
      'What does README.md in this workspace say?',
      '“Switchboard test workspace” (GPT-4o read it).',
    );
    const offered = JSON.parse(first.body) as {
      model: string;
      tools: Array<{ type: string; function: { name: string; parameters: { required?: string[] } } }>;
      messages: Array<{ role: string; content: unknown }>;
    };
    assert.equal(offered.model, 'gpt-4o');
    assert.equal(first.headers.authorization, `Bearer ${OPENAI_KEY}`);
    const tool = offered.tools.find((candidate) => candidate.function.name === READ_TOOL);
    assert.ok(tool, `no ${READ_TOOL} among ${offered.tools.map((candidate) => candidate.function.name).join(', ')}`);
    assert.deepEqual(tool.function.parameters.required, ['filePath', 'startLine', 'endLine']);
    assert.match(JSON.stringify(offered.messages.at(-1)), /What does README\.md in this workspace say\?/);

    const followUp = JSON.parse(second.body) as {
      messages: Array<{
        role: string;
        content: unknown;
        tool_call_id?: string;
        tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
      }>;
    };
    const call = followUp.messages.find((message) => message.tool_calls)?.tool_calls?.[0];
    assert.equal(call?.id, 'call_readme1');
    assert.equal(call?.function.name, READ_TOOL);
    assert.equal((JSON.parse(call.function.arguments) as { filePath: string }).filePath, readme);
    const result = followUp.messages.find((message) => message.role === 'tool');
    assert.equal(result?.tool_call_id, 'call_readme1');
    assert.match(JSON.stringify(result.content), new RegExp(README_TEXT));
  });

  it('Anthropic (Messages): the same round trip with tool_use and tool_result blocks', async () => {
    // The same conversation, continued on another model (in code-server 1.139 the model picker of a
    // chat opened with New Chat in the side bar comes up empty in the window's corner).
    const { first, second } = await roundTrip(
      anthropic,
      '/v1/messages',
      { name: 'Claude Sonnet 4.5', provider: 'Anthropic' },
      'Read README.md again and tell me what it says.',
      '“Switchboard test workspace” (Claude read it).',
    );
    const offered = JSON.parse(first.body) as {
      model: string;
      tools: Array<{ name: string; input_schema: { required?: string[] } }>;
    };
    assert.equal(offered.model, 'claude-sonnet-4-5');
    assert.equal(first.headers['x-api-key'], ANTHROPIC_KEY);
    const tool = offered.tools.find((candidate) => candidate.name === READ_TOOL);
    assert.ok(tool, `no ${READ_TOOL} among ${offered.tools.map((candidate) => candidate.name).join(', ')}`);
    assert.deepEqual(tool.input_schema.required, ['filePath', 'startLine', 'endLine']);

    type Block = { type: string; id?: string; name?: string; input?: { filePath?: string }; tool_use_id?: string };
    const followUp = JSON.parse(second.body) as { messages: Array<{ role: string; content: string | Block[] }> };
    const blocks = followUp.messages.flatMap((message) => (Array.isArray(message.content) ? message.content : []));
    // The conversation so far (GPT-4o's call included) comes first; this round's call and result last.
    const use = blocks.filter((block) => block.type === 'tool_use').at(-1);
    assert.deepEqual([use?.id, use?.name, use?.input?.filePath], ['toolu_01AgentReadme', READ_TOOL, readme]);
    const result = blocks.filter((block) => block.type === 'tool_result').at(-1);
    assert.equal(result?.tool_use_id, 'toolu_01AgentReadme');
    assert.match(JSON.stringify(result), new RegExp(README_TEXT));
  });

  it("Show Usage counts the agent's four requests with their cost; each is recorded under language-model", async () => {
    await runFromPalette(page, 'Switchboard: Show Usage and Spend', page.locator('iframe.webview.ready'));
    const preview = webviewFrame(page);
    const row = (name: string) =>
      preview.locator('tr', { has: preview.locator('td', { hasText: new RegExp(`^${name}$`) }) });
    // gpt-4o at $2.50/$10 per million: 30,100 in and 60 out; claude-sonnet-4-5 at $3/$15: 30,100 in and 80 out.
    await row('OpenAI').first().waitFor({ timeout: 20_000 });
    assert.match(await row('OpenAI').first().innerText(), /\$0\.08\s+2\s+0\s+30,100\s+60/);
    assert.match(await row('Anthropic').first().innerText(), /\$0\.09\s+2\s+0\s+30,100\s+80/);
    await screenshot(page, 'agent-usage');

    // The records themselves, as Switchboard keeps them in its global storage.
    const file = join(
      workbench!.sandbox.userDataDir,
      'User',
      'globalStorage',
      'switchboard-dev.switchboard',
      'recent-requests.json',
    );
    type Kept = Array<{ providerId: string; modelId: string; surface: string; outcome: string }>;
    // Written a moment after each answer (the file follows the ledger): read until all four are in or time is up.
    const read = (): Kept => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Kept) : []);
    const deadline = Date.now() + 10_000;
    let records = read();
    while (records.length < 4 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      records = read();
    }
    assert.deepEqual(
      records.map((record) => [record.providerId, record.modelId, record.surface, record.outcome]),
      [
        ['openai', 'gpt-4o', 'language-model', 'ok'],
        ['openai', 'gpt-4o', 'language-model', 'ok'],
        ['anthropic', 'claude-sonnet-4-5', 'language-model', 'ok'],
        ['anthropic', 'claude-sonnet-4-5', 'language-model', 'ok'],
      ],
    );
  });

  it('nothing but 127.0.0.1 was contacted or looked up: the proxies refused every other host, and the host connected only to loopback', async () => {
    // Stop the host first: strace's record is then complete, shutdown included.
    await workbench?.close();
    workbench = undefined;
    const connections = readConnectionTrace(TRACE);
    assert.ok(
      connections.some((connection) => connection.port === Number(new URL(openai.url).port)),
      "the trace saw the host reach the OpenAI server: it records the host's connections",
    );
    const outside = connections.filter((connection) => !isLoopbackAddress(connection.address));
    assert.deepEqual(
      outside.map((connection) => connection.line),
      [],
      'the host connected (or sent a DNS query) somewhere other than loopback',
    );
    assert.deepEqual(pageRequests, [], 'the workbench pages fetched from a host other than loopback');
    // What was asked for, all of it refused: for the report, not a promise about Copilot Chat's hosts.
    const hosts = (proxy: ClosedProxy) => [...new Set(proxy.attempts.map((attempt) => attempt.host))].sort();
    console.log(`      the host's proxy refused: ${hosts(hostProxy).join(', ') || 'nothing'}`);
    console.log(
      `      the browser's proxy refused (Chromium's own services): ${hosts(browserProxy).join(', ') || 'nothing'}`,
    );
  });
});
