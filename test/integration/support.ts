// Shared by the tests that run inside the extension host.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { TestingApi } from '../../src/extension';
import { Commands } from '../../src/platform/commandIds';

export const EXTENSION_ID = 'switchboard-dev.switchboard';

export function extension(): vscode.Extension<{ testing: TestingApi } | undefined> {
  const found = vscode.extensions.getExtension<{ testing: TestingApi } | undefined>(EXTENSION_ID);
  assert.ok(found, `${EXTENSION_ID} is not installed in this extension host`);
  return found;
}

/** The testing API the extension hands out in ExtensionMode.Test only. */
export async function testingApi(): Promise<TestingApi> {
  const exports = await extension().activate();
  assert.ok(exports?.testing, 'the testing API is handed out in ExtensionMode.Test');
  return exports.testing;
}

/** Runs a command whose question (matching `question`) the user answers with `reply`. */
export async function answering<T>(question: RegExp, reply: string | boolean, run: () => Thenable<T>): Promise<T> {
  const answer = (await testingApi()).dialogs.answer(question, reply);
  try {
    return await run();
  } finally {
    answer.dispose();
  }
}

/** Removes a provider as the user would, confirming the question. */
export function removeProvider(providerId: string): Promise<unknown> {
  return answering(/^Remove .* and its key\?$/, 'Remove', () =>
    vscode.commands.executeCommand(Commands.removeProvider, { providerId }),
  );
}

/** What the commands run in `run` told or asked the user. */
export async function toldDuring(run: () => Thenable<unknown>): Promise<string[]> {
  const { dialogs } = await testingApi();
  const before = dialogs.asked.length;
  await run();
  return dialogs.asked.slice(before);
}

export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A provider on 127.0.0.1 answering every request with `respond`; keeps each request body. */
export async function loopback(
  respond: (res: ServerResponse) => void,
): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      respond(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

/** OpenAI's Chat Completions stream as documented: the text in pieces, the finish, usage before [DONE]. */
export function openAiStream(
  res: ServerResponse,
  pieces: string[],
  usage: { prompt_tokens: number; completion_tokens: number },
): void {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices, ...extra })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(
    pieces
      .map((content, index) =>
        chunk([{ index: 0, delta: index === 0 ? { role: 'assistant', content } : { content }, finish_reason: null }]),
      )
      .join('') +
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
      chunk([], { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }) +
      'data: [DONE]\n\n',
  );
}
