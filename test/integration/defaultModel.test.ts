// The default model is the user's: only the first provider becomes the default; a provider added
// later (from the palette, the panel's wizard, or an import) never moves it, and is offered instead.
// The hard case is a first provider saved without models: the default is that provider, with no model.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { exportRegistry, REGISTRY_SCHEMA_VERSION } from '../../src/core';
import { Commands } from '../../src/platform/commands';
import type { HostToWebview, Result } from '../../src/shared/protocol';
import { loopback, testingApi, toldDuring } from './support';

/** Answers each question (matched by its text or title) once while `run` runs. */
async function answers<T>(list: Array<[RegExp, string | boolean | undefined]>, run: () => Thenable<T>): Promise<T> {
  const { dialogs } = await testingApi();
  const prepared = list.map(([question, reply]) => dialogs.answer(question, reply));
  try {
    return await run();
  } finally {
    for (const answer of prepared) answer.dispose();
  }
}

describe('adding a provider never moves the default model', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  let original: unknown;

  before(async () => {
    server = await loopback((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ object: 'list', data: ['gpt-4o', 'gpt-4o-mini'].map((id) => ({ id, object: 'model' })) }),
      );
    });
    const { globalState } = await testingApi();
    original = globalState.get('switchboard.registry');
    await globalState.update('switchboard.registry', { schemaVersion: REGISTRY_SCHEMA_VERSION, providers: [] });
  });

  after(async () => {
    const { globalState, registry } = await testingApi();
    // Removed through the registry, so their keys leave secret storage too (a later test adds a
    // provider with the same id and must find no key).
    for (const entry of registry.list()) if (!entry.readOnly) await registry.remove(entry.id);
    await globalState.update('switchboard.registry', original);
    server.server.close();
  });

  it('a first provider without models stays the default when a second (palette), a third (wizard) and an import come with models', async () => {
    const { registry, panelController, statusBar, refreshStatusBar } = await testingApi();
    const baseUrl = `${server.url}/v1`;
    // The first provider, its model choice closed: the default provider, with no model yet.
    const first = await answers(
      [
        [/^Add a provider$/, 'OpenAI'],
        [/: base URL$/, baseUrl],
        [/^API key for /, 'sk-proj-first0123456789abcdef'],
        [/^OpenAI: choose models$/, undefined],
        [/without models/, undefined],
      ],
      () => vscode.commands.executeCommand<string | undefined>(Commands.addProvider),
    );
    assert.ok(first);
    assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [first, undefined]);

    // The second, from the palette with a model: asked, declined (dismissed), nothing moves.
    let second: string | undefined;
    const told = await toldDuring(async () => {
      second = await answers(
        [
          [/^Add a provider$/, 'Mistral'],
          [/: base URL$/, baseUrl],
          [/^API key for /, 'mistral-second0123456789abcdef'],
          [/^Mistral: choose models$/, 'gpt-4o-mini'],
          [/is ready with/, undefined],
        ],
        () => vscode.commands.executeCommand<string | undefined>(Commands.addProvider),
      );
    });
    assert.ok(second && second !== first);
    assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [first, undefined], 'the palette');
    assert.ok(
      told.some((line) => line.includes('Make Mistral · gpt-4o-mini the default model?')),
      told.join('\n'),
    );

    // The third, from the panel's wizard with a model marked default: asked, not moved.
    const posts: HostToWebview[] = [];
    const controller = await panelController((message) => {
      posts.push(message);
      return Promise.resolve(true);
    });
    const asked = await testingApi().then(({ dialogs }) => dialogs.asked.length);
    let third: string | undefined;
    try {
      const decline = (await testingApi()).dialogs.answer(
        /^Make Wizard OpenAI · gpt-4o the default model\?/,
        undefined,
      );
      await controller.receive({
        type: 'request',
        id: 1,
        name: 'addProvider',
        params: {
          template: 'openai',
          name: 'Wizard OpenAI',
          baseUrl,
          apiKey: 'sk-proj-third0123456789abcdef',
          models: ['gpt-4o'],
          defaultModel: 'gpt-4o',
        },
      });
      decline.dispose();
      const reply = posts.find((message) => message.type === 'reply' && message.id === 1);
      third = (reply as { result?: Result<'addProvider'> } | undefined)?.result?.providerId;
      assert.ok(third, JSON.stringify(reply));
    } finally {
      controller.dispose();
    }
    assert.equal(registry.get(third)?.defaultModel, 'gpt-4o', "the provider's own default is kept");
    assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [first, undefined], 'the wizard');
    const { dialogs } = await testingApi();
    assert.ok(
      dialogs.asked.slice(asked).some((line) => line.startsWith('Make Wizard OpenAI · gpt-4o the default model?')),
      dialogs.asked.slice(asked).join('\n'),
    );

    // An import of providers with their defaults: the default stays too.
    const file = vscode.Uri.file(join(tmpdir(), `switchboard-default-${Date.now()}.json`));
    const exported = exportRegistry({
      ...registry.state(),
      providers: [{ ...registry.state().providers.find((entry) => entry.id === third)!, id: 'imported-openai' }],
      defaultProvider: 'imported-openai',
    });
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(exported));
    const counts = await vscode.commands.executeCommand<{ added: number }>(Commands.importConfiguration, { uri: file });
    assert.equal(counts?.added, 1, JSON.stringify(counts));
    assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [first, undefined], 'an import');

    // The status bar still names the first provider.
    refreshStatusBar();
    assert.match(statusBar.text, / · OpenAI$/);

    // Said yes to, the offer moves it.
    await answers([[/^Make Chosen OpenAI · gpt-4o the default model\?/, 'Make Default']], async () => {
      const again = await panelController(() => Promise.resolve(true));
      return again
        .receive({
          type: 'request',
          id: 2,
          name: 'addProvider',
          params: {
            template: 'openai',
            name: 'Chosen OpenAI',
            baseUrl,
            apiKey: 'sk-proj-chosen0123456789abcdef',
            models: ['gpt-4o'],
            defaultModel: 'gpt-4o',
          },
        })
        .finally(() => again.dispose());
    });
    const yes = registry.list().find((entry) => entry.name === 'Chosen OpenAI');
    assert.ok(yes);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [yes.id, 'gpt-4o']);
  });
});
