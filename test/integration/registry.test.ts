import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/platform/commands';
import { answering, removeProvider, testingApi, toldDuring, until } from './support';

const CANARY = 'canary-9d41f2b7e6a35c08d1f4';

/** An OpenAI-compatible server on 127.0.0.1 inside the extension host, recording each Authorization header. */
async function startProvider(): Promise<{ url: string; auth: string[]; server: Server }> {
  const auth: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      auth.push(String(req.headers.authorization));
      if (req.url?.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            data: [
              { id: 'local-model', object: 'model' },
              { id: 'gpt-4o', object: 'model' },
            ],
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        'data: {"choices":[{"index":0,"delta":{"content":"Hello from loopback"},"finish_reason":null}]}\n\n' +
          'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
          'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}\n\ndata: [DONE]\n\n',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, auth, server };
}

describe('provider registry in the extension host', () => {
  let provider: Awaited<ReturnType<typeof startProvider>>;

  before(async () => {
    provider = await startProvider();
  });

  after(() => {
    provider.server.close();
  });

  it('adds a provider by command; its key round-trips through SecretStorage; a new key reaches the next request', async () => {
    const { registry, secrets } = await testingApi();
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'custom',
      name: 'Loopback',
      baseUrl: provider.url,
      apiKey: 'first-key-0123456789abcd',
    });
    assert.ok(id && registry.get(id));
    assert.deepEqual(JSON.parse((await secrets.get(`provider:${id}`))!), {
      v: 1,
      value: 'first-key-0123456789abcd',
      origin: new URL(provider.url).origin,
    });
    assert.deepEqual(await registry.keyState(id), {
      hasKey: true,
      mask: '…abcd',
      origin: new URL(provider.url).origin,
      reference: false,
    });

    const ask = async () => {
      let text = '';
      for await (const event of registry
        .providerFor(id)
        .chat({ model: 'local-model', messages: [{ role: 'user', content: 'hi' }] }))
        if (event.type === 'text') text += event.text;
      return text;
    };
    assert.equal(await ask(), 'Hello from loopback');
    await vscode.commands.executeCommand(Commands.setApiKey, { providerId: id, apiKey: 'second-key-0123456789abcd' });
    assert.equal(await ask(), 'Hello from loopback');
    assert.deepEqual(provider.auth.slice(-2), ['Bearer first-key-0123456789abcd', 'Bearer second-key-0123456789abcd']);

    await removeProvider(id);
    assert.equal(registry.get(id), undefined);
    assert.equal(await secrets.get(`provider:${id}`), undefined, 'removing a provider removes its key');
  });

  it('completes model lists from the catalog, loaded on first use from dist/vendor', async () => {
    const { registry } = await testingApi();
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Catalog check',
      baseUrl: provider.url,
      apiKey: 'sk-proj-catalog0123456789abcdef',
    });
    try {
      const models = await registry.refreshModels(id);
      const gpt = models.find((model) => model.id === 'gpt-4o');
      assert.equal(gpt?.contextWindow, 128000);
      assert.deepEqual(gpt?.sources, {
        name: 'catalog',
        contextWindow: 'catalog',
        maxOutputTokens: 'catalog',
        capabilities: 'catalog',
      });
    } finally {
      await removeProvider(id);
    }
  });

  it('Select Default Model is answered through the dialogs: the answer waits for its row to arrive', async () => {
    const { registry } = await testingApi();
    const before = { provider: registry.defaultProvider(), model: registry.defaultModel() };
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'custom',
      name: 'Picked',
      baseUrl: provider.url,
      apiKey: 'picked-key-0123456789abcd',
    });
    try {
      // The picker opens with a loading row per provider; the model list arrives from the server after.
      const asked = await toldDuring(() =>
        answering(/^Default model$/, 'local-model', () => vscode.commands.executeCommand(Commands.selectDefaultModel)),
      );
      // Then, where there was a default before, what the change does to the cost of an answer.
      assert.equal(asked[0], 'Default model');
      assert.ok(
        asked.slice(1).every((text) => /^Your default model is now Picked local-model\. /.test(text)),
        asked.join(' | '),
      );
      assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [id, 'local-model']);
      assert.ok(
        registry.get(id)?.models.some((model) => model.id === 'local-model'),
        'the picked model is remembered',
      );
    } finally {
      await removeProvider(id);
      if (before.provider && before.model) await registry.setDefault(before.provider, before.model);
    }
  });

  it('reads providers a team declares in .vscode/switchboard.json, read-only', async function () {
    // Two waits on the file watcher of up to 30 s each: longer than the suite's limit per test.
    this.timeout(90_000);
    const { registry } = await testingApi();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test window has a workspace folder');
    const dotVscode = vscode.Uri.joinPath(folder.uri, '.vscode');
    const file = vscode.Uri.joinPath(dotVscode, 'switchboard.json');
    // Arriving with its folder, as a first pull of a team's file does (the harder case for a watcher).
    const hadFolder = await vscode.workspace.fs.stat(dotVscode).then(
      () => true,
      () => false,
    );
    await vscode.workspace.fs.writeFile(
      file,
      new TextEncoder().encode(
        JSON.stringify({
          providers: [{ id: 'team-local', name: 'Team server', template: 'custom', baseUrl: provider.url }],
        }),
      ),
    );
    try {
      // Written behind the editor's back (as a git pull would): the file watcher's turn, which on a busy machine can take well over 10 s.
      const entry = await until(() => registry.get('team-local'), 'the workspace provider', 30_000);
      assert.deepEqual([entry.source, entry.readOnly, entry.baseUrl], ['workspace', true, provider.url]);
      // Past the second read of a folder's arrival: what follows is the delete's own doing.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      await vscode.workspace.fs.delete(hadFolder ? file : dotVscode, { recursive: true });
    }
    await until(() => (registry.get('team-local') ? undefined : true), 'the workspace provider to go away', 30_000);
  });

  it('canary: a recognisable key appears nowhere in globalState, settings, an export or the log', async () => {
    const { registry, globalState, logUri } = await testingApi();
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'custom',
      name: 'Canary',
      baseUrl: provider.url,
      apiKey: CANARY,
    });
    const { cost } = await testingApi();
    const recordedBefore = cost.ledger.rows().reduce((sum, row) => sum + row.totals.requests, 0);
    const report = await vscode.commands.executeCommand<{ ok: boolean }>(Commands.testConnection, {
      providerId: id,
      model: 'local-model',
    });
    assert.equal(report.ok, true);
    // The connection test's one-token chat is recorded too (as surface connection-test).
    await until(
      () =>
        cost.ledger.rows().reduce((sum, row) => sum + row.totals.requests, 0) === recordedBefore + 1 ? true : undefined,
      'the test request in the ledger',
    );
    for await (const event of registry
      .providerFor(id)
      .chat({ model: 'local-model', messages: [{ role: 'user', content: `my key is ${CANARY}` }] }))
      void event;
    assert.ok(provider.auth.includes(`Bearer ${CANARY}`), 'the key was used');
    const exported = vscode.Uri.file(join(tmpdir(), `switchboard-export-${Date.now()}.json`));
    await vscode.commands.executeCommand(Commands.exportConfiguration, { uri: exported });
    // Something that carries the key's text into the log, which must redact it.
    (await testingApi()).log.info(`user pasted ${CANARY} into a prompt`);

    const exportText = new TextDecoder().decode(await vscode.workspace.fs.readFile(exported));
    assert.match(exportText, /"name": "Canary"/);
    assert.ok(!exportText.includes(CANARY), 'export');
    for (const key of globalState.keys())
      assert.ok(!JSON.stringify(globalState.get(key)).includes(CANARY), `globalState ${key}`);
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('switchboard')).includes(CANARY), 'settings');
    const hostLogs = dirname(logUri.fsPath);
    const logText = await until(async () => {
      let text = '';
      for (const file of (await readdir(hostLogs, { recursive: true })).filter((name) => name.endsWith('.log')))
        text += await readFile(join(hostLogs, file), 'utf8').catch(() => '');
      return text.includes('user pasted [REDACTED] into a prompt') ? text : undefined;
    }, 'the log line');
    assert.ok(!logText.includes(CANARY), 'log');
    await removeProvider(id);
    await vscode.workspace.fs.delete(exported);
  });
  it('refuses a key in a base URL where it is entered, saying where keys belong', async () => {
    const { registry } = await testingApi();
    const before = registry.list().length;
    // The command tells the user in its own words (never VS Code's generic error toast), without the key.
    const told = (
      await toldDuring(() =>
        vscode.commands.executeCommand(Commands.addProvider, {
          template: 'custom',
          name: 'Leaky',
          baseUrl: `${provider.url}?api-key=0123456789abcdef`,
        }),
      )
    ).join('\n');
    assert.match(told, /This looks like an API key\. Keys belong in Switchboard: Set API Key/);
    assert.ok(!told.includes('0123456789abcdef'), told);
    assert.equal(registry.list().length, before);
  });

  it('data from a newer Switchboard is read-only; a kept copy is restored by command, the data in use kept first', async () => {
    const { registry, globalState } = await testingApi();
    const original = globalState.get<unknown>('switchboard.registry');
    const copyKey = `switchboard.registry.backup.${Date.now()}`;
    const entry = (id: string) => ({
      id,
      name: id,
      type: 'openai-compatible',
      baseUrl: provider.url,
      enabled: true,
      models: [],
      createdAt: 1,
      updatedAt: 1,
    });
    const newer = { schemaVersion: 99, providers: [entry('from-the-future')] };
    try {
      await globalState.update('switchboard.registry', newer);
      await globalState.update(copyKey, { schemaVersion: 1, providers: [entry('kept-one'), entry('kept-two')] });
      assert.ok(registry.readOnly());
      assert.match(
        (
          await toldDuring(() =>
            vscode.commands.executeCommand(Commands.addProvider, {
              template: 'custom',
              name: 'New',
              baseUrl: provider.url,
            }),
          )
        ).join('\n'),
        /open read-only, so nothing was changed/,
      );
      assert.deepEqual(globalState.get('switchboard.registry'), newer);

      const result = await answering(/^Replace the \d+ provider\(s\) in use/, 'Restore', () =>
        vscode.commands.executeCommand<{ providers: number }>(Commands.restoreProviders, { key: copyKey }),
      );
      assert.equal(result.providers, 2);
      assert.deepEqual(
        registry
          .list()
          .filter((item) => item.source === 'user')
          .map((item) => item.id),
        ['kept-one', 'kept-two'],
      );
      const before = registry.keptCopies().find((copy) => copy.reason === 'before-restore');
      assert.deepEqual(before && globalState.get<{ data: unknown }>(before.key)?.data, newer);
    } finally {
      for (const key of globalState.keys().filter((name) => name.startsWith('switchboard.registry.')))
        await globalState.update(key, undefined);
      await globalState.update('switchboard.registry', original);
    }
  });
});
