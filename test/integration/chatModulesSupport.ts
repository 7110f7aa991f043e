// Shared by chatModules*.test.ts: the chat feature's modules called directly, with the extension's
// real services, a recording ChatResponseStream and OpenAI-compatible servers on 127.0.0.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { ChatSession } from '../../src/chat/participant';
import { Commands } from '../../src/platform/commands';
import { createModelPicker } from '../../src/registry/modelPicker';
import type { Services } from '../../src/services';
import { removeProvider, testingApi } from './support';

/** One call the chat code made on the response stream. */
export interface Part {
  kind: 'markdown' | 'progress' | 'button' | 'reference' | 'anchor' | 'filetree' | 'push';
  value: string;
}

/** A ChatResponseStream that keeps every call in order; `onMarkdown` runs on each markdown call. */
export function recordingStream(onMarkdown?: (text: string) => void) {
  const parts: Part[] = [];
  const record = (kind: Part['kind'], value: string) => void parts.push({ kind, value });
  const where = (value: vscode.Uri | vscode.Location) =>
    value instanceof vscode.Uri ? value.toString() : value.uri.toString();
  const stream: vscode.ChatResponseStream = {
    markdown(value) {
      const text = typeof value === 'string' ? value : value.value;
      record('markdown', text);
      onMarkdown?.(text);
    },
    progress: (value) => record('progress', value),
    button: (command) => record('button', command.title),
    reference: (value) => record('reference', where(value)),
    anchor: (value) => record('anchor', where(value)),
    filetree: (value) => record('filetree', JSON.stringify(value)),
    push: (part) => record('push', part.constructor.name),
  };
  const of = (kind: Part['kind']) => parts.filter((part) => part.kind === kind).map((part) => part.value);
  return { stream, parts, of };
}

/** The prices every test model is given (per million tokens): $1 in, $2 out. */
export const PRICES = { input: 1, output: 2 };

export interface FakeProvider {
  url: string;
  /** The chat requests' bodies, in order. */
  chats: Array<{ model: string; messages: Array<{ role: string; content: unknown }> }>;
  /** How many times the model list was asked for. */
  listed: number;
  server: Server;
}

/** An OpenAI-compatible server on 127.0.0.1: `/v1/models` lists `models`, chat requests go to `answer`. */
export async function openAiServer(
  answer: (res: ServerResponse, req: IncomingMessage) => void,
  models: string[] = ['gpt-4o'],
): Promise<FakeProvider> {
  const seen: Pick<FakeProvider, 'chats' | 'listed'> = { chats: [], listed: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        seen.listed++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'me' })) }),
        );
        return;
      }
      // Anything else but a chat (a gateway's key route, a health check) is a route this server lacks.
      if (req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Not Found', type: 'invalid_request_error' } }));
        return;
      }
      seen.chats.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeProvider['chats'][number]);
      answer(res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(seen, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server });
}

/** OpenAI's error body with `status`, as its API sends it. */
export function openAiError(res: ServerResponse, status: number, message: string, type: string, code: string | null) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

/** Adds an OpenAI provider named `name` at `server` as the user would, with gpt-4o at PRICES and a 64k window. */
export async function addOpenAi(name: string, server: FakeProvider): Promise<string> {
  const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
    template: 'openai',
    name,
    baseUrl: `${server.url}/v1`,
    apiKey: `sk-proj-${name.toLowerCase().replace(/[^a-z0-9]/g, '')}0123456789abcdef`,
  });
  const { registry } = await testingApi();
  await registry.update(id, {
    models: [{ id: 'gpt-4o', prices: PRICES, contextWindow: 64_000, maxOutputTokens: 1_000 }],
  });
  return id;
}

/**
 * Undoes what a test set up: its providers, the settings it changed and its servers; the default
 * model the window had before comes back when its provider is still there.
 */
export async function setUp() {
  const { registry } = await testingApi();
  const config = vscode.workspace.getConfiguration('switchboard');
  const previous = { provider: registry.defaultProvider(), model: registry.defaultModel() };
  const providers: string[] = [];
  const servers: Server[] = [];
  const settings = new Set<string>();
  return {
    async provider(name: string, server: FakeProvider) {
      servers.push(server.server);
      const id = await addOpenAi(name, server);
      providers.push(id);
      return id;
    },
    async set(setting: string, value: unknown) {
      settings.add(setting);
      await config.update(setting, value, vscode.ConfigurationTarget.Global);
    },
    async cleanUp() {
      for (const setting of settings) await config.update(setting, undefined, vscode.ConfigurationTarget.Global);
      for (const id of providers) await removeProvider(id);
      for (const server of servers) {
        server.closeAllConnections();
        server.close();
      }
      if (previous.provider && registry.get(previous.provider) && registry.defaultProvider() !== previous.provider)
        await registry.setDefault(previous.provider, previous.model);
    },
  };
}

/** The services the chat modules read, from the running extension (the model picker built on its registry). */
export async function chatSession(): Promise<{ session: ChatSession; services: Services }> {
  const api = await testingApi();
  const used: Pick<Services, 'registry' | 'routing' | 'cost' | 'log' | 'dialogs' | 'models' | 'settings'> = {
    registry: api.registry,
    settings: api.settings,
    routing: api.routing,
    cost: api.cost,
    log: api.log,
    dialogs: api.dialogs,
    models: createModelPicker({
      registry: api.registry,
      log: api.log.child('models'),
      dialogs: api.dialogs,
      prices: api.prices,
      changes: api.changes,
      cost: api.cost,
      settings: api.settings,
    }),
  };
  const services = used as Services;
  return { services, session: { services, log: api.log.child('chat'), lastCompared: undefined } };
}

/** What the chat code reads of a request: the prompt, the command, the attachments and VS Code's model picker. */
export function chatRequest(prompt: string, options: { picker?: string; command?: string } = {}): vscode.ChatRequest {
  const read: Pick<vscode.ChatRequest, 'prompt' | 'command' | 'references' | 'toolReferences'> & {
    model: Pick<vscode.LanguageModelChat, 'vendor' | 'id'>;
  } = {
    prompt,
    command: options.command,
    references: [],
    toolReferences: [],
    // A model of another vendor in the picker, unless the test picks a Switchboard one.
    model: options.picker ? { vendor: 'switchboard', id: options.picker } : { vendor: 'copilot', id: 'gpt-4.1' },
  };
  return read as vscode.ChatRequest;
}

/** An earlier @switchboard answer, as VS Code hands it back in the chat's history. */
export function answerTurn(result: vscode.ChatResult): vscode.ChatResponseTurn {
  // The API declares the constructor private; the extension host's class takes (response, result, participant).
  const Turn = vscode.ChatResponseTurn as unknown as new (
    response: [],
    result: vscode.ChatResult,
    participant: string,
  ) => vscode.ChatResponseTurn;
  return new Turn([], result, 'switchboard.chat');
}

export const token = () => new vscode.CancellationTokenSource().token;
