// An agent's tool-calling round trip through vscode.lm against a loopback provider, shared by
// languageModelTools*.test.ts: each test supplies its provider's wire format and checks its shapes.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { Usage, UsageRecord } from '../../src/core';
import { Commands } from '../../src/platform/commands';
import { removeProvider, testingApi, until } from './support';

/** One request as the provider received it: its path (with the query) and its JSON body. */
export interface WireRequest {
  path: string;
  body: Record<string, unknown>;
}

/** A provider on 127.0.0.1 answering each request with `answer`; keeps every request. */
export async function wireServer(
  answer: (request: WireRequest, res: ServerResponse) => void,
): Promise<{ origin: string; requests: WireRequest[]; server: Server }> {
  const requests: WireRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request = { path: req.url ?? '', body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
      requests.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

export const sse = (res: ServerResponse, body: string) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(body);
};

/** The tool an agent offers: VS Code passes its JSON schema on as `inputSchema`. */
export const READ_FILE: vscode.LanguageModelChatTool = {
  name: 'read_file',
  description: 'Reads a file of the workspace',
  inputSchema: {
    type: 'object',
    properties: { path: { type: 'string', description: 'Path from the workspace root' } },
    required: ['path'],
  },
};
export const PROMPT = 'What does src/a.ts export?';
export const FILE_TEXT = 'export const a = 1;';
/** $ per million tokens, set as the user's own so every request has an exact price. */
export const PRICES = { input: 2, output: 8, cachedInput: 0.5, cacheWrite: 2.5 };
/** What PRICES make of a usage (uncached input, cached reads, cache writes and output, each at its price). */
export function priceOf(usage: Usage): number {
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteInputTokens ?? 0;
  return (
    ((usage.inputTokens - cached - written) * PRICES.input +
      cached * PRICES.cachedInput +
      written * PRICES.cacheWrite +
      usage.outputTokens * PRICES.output) /
    1e6
  );
}

export interface AgentFamily {
  /** Template id for Commands.addProvider. */
  template: string;
  baseUrl: (origin: string) => string;
  apiKey?: string;
  model: string;
  /** The model's own settings beside PRICES (a reasoning effort, say). */
  overrides?: Record<string, unknown>;
  answer: (request: WireRequest, res: ServerResponse) => void;
  /** The chat requests among all the server received (not the model list, say). */
  isChat: (request: WireRequest) => boolean;
}

export interface AgentRun {
  providerId: string;
  /** The chat requests, in order. */
  chats: WireRequest[];
  /** Every request the server received. */
  requests: WireRequest[];
  call: vscode.LanguageModelToolCallPart;
  /** Each response's parts, the usage part last (as a plain object). */
  first: { text: string; usage: unknown };
  second: { text: string; usage: unknown };
  records: UsageRecord[];
}

/**
 * What VS Code's agent does: ask with a tool (toolMode Required), run the call it gets back, and ask
 * again with the call and its result (toolMode Auto). Checks what holds for every family: one call
 * to read_file with the arguments as an object, each response ending with its usage, and both
 * requests recorded under 'language-model'; the rest is the caller's to check.
 */
export async function agentRoundTrip(family: AgentFamily, check: (run: AgentRun) => Promise<void> | void) {
  const { registry, cost } = await testingApi();
  const { origin, requests, server } = await wireServer(family.answer);
  const started = Date.now();
  const providerId = await vscode.commands.executeCommand<string>(Commands.addProvider, {
    template: family.template,
    // Its own name, so its own id: an id comes from the name, and a removed provider's records stay.
    name: `Tools ${family.template} ${family.model}`,
    baseUrl: family.baseUrl(origin),
    ...(family.apiKey ? { apiKey: family.apiKey } : {}),
  });
  try {
    await registry.update(providerId, { models: [{ id: family.model, prices: PRICES, ...family.overrides }] });
    const [model] = await until(async () => {
      const found = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${providerId}/${family.model}` });
      return found.length > 0 ? found : undefined;
    }, `${family.model} to be offered`);
    // Not in @types/vscode 1.106, but VS Code hands it to callers: what the provider declared.
    const { capabilities } = model as unknown as { capabilities?: { supportsToolCalling?: boolean } };
    assert.equal(capabilities?.supportsToolCalling, true, 'the model declares tool calling');

    const read = async (response: vscode.LanguageModelChatResponse) => {
      const parts: unknown[] = [];
      for await (const part of response.stream) parts.push(part);
      const last = parts.pop();
      assert.ok(last instanceof vscode.LanguageModelDataPart, `the last part is ${String(last)}`);
      assert.equal(last.mimeType, 'usage');
      const text = parts.flatMap((part) => (part instanceof vscode.LanguageModelTextPart ? [part.value] : [])).join('');
      const calls = parts.filter(
        (part): part is vscode.LanguageModelToolCallPart => part instanceof vscode.LanguageModelToolCallPart,
      );
      return { text, calls, usage: JSON.parse(new TextDecoder().decode(last.data)) as unknown };
    };

    const asked = await read(
      await model!.sendRequest(
        [vscode.LanguageModelChatMessage.User(PROMPT)],
        { tools: [READ_FILE], toolMode: vscode.LanguageModelChatToolMode.Required },
        new vscode.CancellationTokenSource().token,
      ),
    );
    assert.equal(asked.calls.length, 1, 'one tool call');
    const call = asked.calls[0]!;
    assert.deepEqual([call.name, call.input], ['read_file', { path: 'src/a.ts' }]);
    assert.ok(call.callId.length > 0, 'the call has an id');

    // The agent ran the tool: the call goes back on the assistant's turn (with any text before it), the result on the user's.
    const answered = await read(
      await model!.sendRequest(
        [
          vscode.LanguageModelChatMessage.User(PROMPT),
          vscode.LanguageModelChatMessage.Assistant([
            ...(asked.text ? [new vscode.LanguageModelTextPart(asked.text)] : []),
            new vscode.LanguageModelToolCallPart(call.callId, call.name, call.input),
          ]),
          vscode.LanguageModelChatMessage.User([
            new vscode.LanguageModelToolResultPart(call.callId, [new vscode.LanguageModelTextPart(FILE_TEXT)]),
          ]),
        ],
        { tools: [READ_FILE], toolMode: vscode.LanguageModelChatToolMode.Auto },
        new vscode.CancellationTokenSource().token,
      ),
    );
    assert.deepEqual(answered.calls, [], 'no call in the answer');

    const records = await until(async () => {
      const mine = (await cost.recentRequests()).filter(
        (record) => record.providerId === providerId && record.at >= started,
      );
      return mine.length >= 2 ? mine : undefined;
    }, 'both requests to be recorded');
    assert.deepEqual(
      records.map((record) => [record.modelId, record.surface, record.outcome]),
      [
        [family.model, 'language-model', 'ok'],
        [family.model, 'language-model', 'ok'],
      ],
    );
    await check({
      providerId,
      chats: requests.filter(family.isChat),
      requests,
      call,
      first: { text: asked.text, usage: asked.usage },
      second: { text: answered.text, usage: answered.usage },
      records,
    });
  } finally {
    await removeProvider(providerId);
    server.closeAllConnections();
    server.close();
  }
}

/** Both records' usage and cost: priced at PRICES (or free, for a local server). */
export function assertRecorded(run: AgentRun, usages: [Usage, Usage], local = false): void {
  assert.deepEqual(
    run.records.map((record) => record.usage),
    usages,
  );
  run.records.forEach((record, index) => {
    assert.equal(record.cost.basis, 'computed');
    const expected = local ? 0 : priceOf(usages[index]!);
    assert.ok(
      Math.abs(record.cost.usd! - expected) < 1e-12,
      `request ${index + 1} cost ${record.cost.usd}, not ${expected}`,
    );
  });
}
