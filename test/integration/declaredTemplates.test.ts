// Providers declared in settings with `type` and `baseUrl` but no `template` are treated like templated
// ones: an Ollama one needs no key (it is in VS Code's picker) and costs nothing. "Local and free" is
// never read from an address: a keyless OpenAI-compatible endpoint on 127.0.0.1 is priced as unknown.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { modelKey } from '../../src/core';
import { openAiStream, testingApi, until } from './support';

/** Ollama's /api/chat as NDJSON (docs/api.md), its final object with the counts. */
async function ollamaServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(
        `${JSON.stringify({ model: 'llama3.2', created_at: '2023-08-04T08:52:19.385406455-07:00', message: { role: 'assistant', content: 'Hi' }, done: false })}\n` +
          `${JSON.stringify({ model: 'llama3.2', created_at: '2023-08-04T19:22:45.499127Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 26, eval_count: 2 })}\n`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function gatewayServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => openAiStream(res, ['Hi'], { prompt_tokens: 26, completion_tokens: 2 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

describe('providers declared in settings without a template', () => {
  let ollama: Awaited<ReturnType<typeof ollamaServer>>;
  let gateway: Awaited<ReturnType<typeof gatewayServer>>;

  before(async () => {
    ollama = await ollamaServer();
    gateway = await gatewayServer();
    await vscode.workspace.getConfiguration('switchboard').update(
      'providers',
      [
        { id: 'declared-ollama', type: 'ollama', baseUrl: ollama.url, models: [{ id: 'llama3.2:3b' }] },
        { id: 'declared-gateway', type: 'openai-compatible', baseUrl: gateway.url, models: [{ id: 'house-model' }] },
        {
          id: 'declared-marked',
          type: 'openai-compatible',
          baseUrl: gateway.url,
          local: true,
          models: [{ id: 'house-model' }],
        },
      ],
      vscode.ConfigurationTarget.Global,
    );
  });

  after(async () => {
    await vscode.workspace
      .getConfiguration('switchboard')
      .update('providers', undefined, vscode.ConfigurationTarget.Global);
    ollama.server.close();
    gateway.server.close();
  });

  /** Sends one request through the metered provider and returns what the ledger priced it at. */
  async function priced(providerId: string, modelId: string) {
    const { cost } = await testingApi();
    for await (const event of cost
      .meteredProvider(providerId, 'chat')
      .chat({ model: modelId, messages: [{ role: 'user', content: 'Say hi' }] }))
      void event;
    return until(
      async () => (await cost.recentRequests()).find((record) => record.providerId === providerId),
      `the request to ${providerId} to be recorded`,
    );
  }

  it('an Ollama one is in VS Code’s picker without a key, free (local), and its request costs $0', async () => {
    const { registry } = await testingApi();
    await until(() => registry.get('declared-ollama'), 'the declared providers');
    assert.equal(registry.get('declared-ollama')?.template, 'ollama');
    const [model] = await until(async () => {
      const found = await vscode.lm.selectChatModels({
        vendor: 'switchboard',
        id: modelKey({ providerId: 'declared-ollama', modelId: 'llama3.2:3b' }),
      });
      return found.length > 0 ? found : undefined;
    }, 'the declared Ollama model in the picker');
    assert.ok(model);
    assert.equal((await registry.modelFacts('declared-ollama', 'llama3.2:3b')).price.source, 'local');
    const record = await priced('declared-ollama', 'llama3.2:3b');
    assert.deepEqual([record.usage.inputTokens, record.cost.usd], [26, 0]);
  });

  it('a keyless endpoint on 127.0.0.1 is not free unless the user marks it local', async () => {
    const { registry } = await testingApi();
    await until(() => registry.get('declared-gateway'), 'the declared providers');
    assert.equal(registry.get('declared-gateway')?.template, undefined, 'no template from a loopback address');
    assert.equal((await registry.modelFacts('declared-gateway', 'house-model')).price.source, 'unknown');
    const unmarked = await priced('declared-gateway', 'house-model');
    assert.equal(unmarked.usage.inputTokens, 26);
    assert.notEqual(unmarked.cost.usd, 0, JSON.stringify(unmarked.cost));

    assert.equal((await registry.modelFacts('declared-marked', 'house-model')).price.source, 'local');
    const marked = await priced('declared-marked', 'house-model');
    assert.equal(marked.cost.usd, 0, JSON.stringify(marked.cost));
    // Marked local, it needs no key to be offered in the picker.
    await until(async () => {
      const found = await vscode.lm.selectChatModels({
        vendor: 'switchboard',
        id: modelKey({ providerId: 'declared-marked', modelId: 'house-model' }),
      });
      return found.length > 0 ? found : undefined;
    }, 'the model marked local in the picker');
  });
});
