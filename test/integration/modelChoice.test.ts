// Every way of adding a provider ends with its models chosen: the palette's Add Provider (a provider
// that lists its models, and a gateway that does not), cancelling the choice and choosing later, and
// the panel wizard for a gateway without a model list. Real HTTP on 127.0.0.1; the user's answers go
// through the injected dialogs.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { modelKey, REGISTRY_SCHEMA_VERSION } from '../../src/core';
import { Commands } from '../../src/platform/commands';
import type { HostToWebview, RequestName, Result } from '../../src/shared/protocol';
import { openAiStream, testingApi, toldDuring, until } from './support';

interface Seen {
  method: string;
  path: string;
  body: string;
}

/**
 * An OpenAI-compatible server. `listed`: GET /v1/models answers these ids; without it the model list
 * is a 404 (a gateway). A chat answers for the `served` models and is a 404 "model does not exist" otherwise.
 */
async function server(options: {
  listed?: string[];
  served: string[];
}): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const path = req.url ?? '';
    seen.push({ method: req.method ?? '', path, body });
    if (req.method === 'GET' && path === '/v1/models' && options.listed) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ object: 'list', data: options.listed.map((id) => ({ id, object: 'model', created: 1 })) }),
      );
      return;
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      const model = (JSON.parse(body) as { model: string }).model;
      if (options.served.includes(model)) {
        openAiStream(res, ['o'], { prompt_tokens: 8, completion_tokens: 1 });
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: `The model \`${model}\` does not exist or you do not have access to it.`,
            type: 'invalid_request_error',
            code: 'model_not_found',
          },
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'Not Found', type: 'invalid_request_error' } }));
  };
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1`, seen, server: http };
}

/** Answers each question (matched by its text or title) once, in order, while `run` runs. */
async function answers<T>(list: Array<[RegExp, string | boolean | undefined]>, run: () => Thenable<T>): Promise<T> {
  const { dialogs } = await testingApi();
  const prepared = list.map(([question, reply]) => dialogs.answer(question, reply));
  try {
    return await run();
  } finally {
    for (const answer of prepared) answer.dispose();
  }
}

/** The palette's Add Provider, answered as a user would: template, base URL, key, then `more`. */
function addFromPalette(
  template: string,
  baseUrl: string,
  key: string,
  more: Array<[RegExp, string | boolean | undefined]>,
): Promise<string | undefined> {
  return answers([[/^Add a provider$/, template], [/: base URL$/, baseUrl], [/^API key for /, key], ...more], () =>
    vscode.commands.executeCommand<string | undefined>(Commands.addProvider),
  );
}

const oneTokenChats = (seen: Seen[], model: string) =>
  seen.filter(
    (request) =>
      request.path === '/v1/chat/completions' &&
      (JSON.parse(request.body) as { model: string; max_tokens?: number; max_completion_tokens?: number }).model ===
        model &&
      /"max_(completion_)?tokens":1\b/.test(request.body),
  );

describe('every way of adding a provider ends with models', () => {
  let listing: Awaited<ReturnType<typeof server>>;
  let gateway: Awaited<ReturnType<typeof server>>;
  let original: unknown;

  before(async () => {
    listing = await server({ listed: ['gpt-4o', 'gpt-4o-mini'], served: ['gpt-4o', 'gpt-4o-mini'] });
    gateway = await server({ served: ['served-model'] });
    const { globalState } = await testingApi();
    original = globalState.get('switchboard.registry');
    // A new user: no providers yet, so the first one added sets the default model.
    await globalState.update('switchboard.registry', { schemaVersion: REGISTRY_SCHEMA_VERSION, providers: [] });
  });

  after(async () => {
    const { globalState } = await testingApi();
    await globalState.update('switchboard.registry', original);
    await vscode.workspace
      .getConfiguration('switchboard.fallback')
      .update('chain', undefined, vscode.ConfigurationTarget.Global);
    listing.server.close();
    gateway.server.close();
  });

  it('from the palette: the first provider chooses models and sets the default; the second joins the model picker and the fallback chain without moving it', async () => {
    const { registry, panelController } = await testingApi();
    let first: string | undefined;
    const toldFirst = await toldDuring(async () => {
      first = await addFromPalette('OpenAI', listing.url, 'sk-proj-first0123456789abcdef', [
        [/^OpenAI: choose models$/, 'gpt-4o'],
      ]);
    });
    assert.ok(first);
    assert.deepEqual(
      [registry.get(first)?.models.map((model) => model.id), registry.get(first)?.defaultModel],
      [['gpt-4o'], 'gpt-4o'],
    );
    assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [first, 'gpt-4o'], 'the first sets it');
    assert.ok(
      toldFirst.some((line) => /^OpenAI is ready with gpt-4o; gpt-4o is your default model\.$/.test(line)),
      toldFirst.join('\n'),
    );

    let second: string | undefined;
    const toldSecond = await toldDuring(async () => {
      second = await addFromPalette('OpenAI', listing.url, 'sk-proj-second0123456789abcdef', [
        [/^OpenAI: choose models$/, 'gpt-4o-mini'],
      ]);
    });
    assert.ok(second && second !== first);
    assert.deepEqual(registry.get(second)?.models, [{ id: 'gpt-4o-mini' }]);
    assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [first, 'gpt-4o'], 'the default stays');
    assert.ok(
      toldSecond.some((line) =>
        line.includes('Make OpenAI · gpt-4o-mini the default model? Your default model stays gpt-4o unless you do.'),
      ),
      toldSecond.join('\n'),
    );

    // In VS Code's model picker, to any extension.
    const key = modelKey({ providerId: second, modelId: 'gpt-4o-mini' });
    const offered = await until(async () => {
      const models = await vscode.lm.selectChatModels({ vendor: 'switchboard' });
      return models.some((model) => model.id === key) ? models : undefined;
    }, 'the second provider in the model picker');
    assert.ok(offered.some((model) => model.id === modelKey({ providerId: first!, modelId: 'gpt-4o' })));

    // Into the fallback chain from the palette.
    await answers(
      [
        [/^Fallback chain: model 1$/, 'gpt-4o-mini'],
        [/^Fallback chain: model 2$/, '$(check) Done'],
      ],
      () => vscode.commands.executeCommand(Commands.editFallbackChain),
    );
    assert.deepEqual(vscode.workspace.getConfiguration('switchboard.fallback').get('chain'), [
      { provider: second, model: 'gpt-4o-mini' },
    ]);

    // The panel's card can be made the default (it has a model) and is not the default.
    const controller = await panelController(() => Promise.resolve(true));
    try {
      const card = (await controller.state()).providers.find((provider) => provider.id === second);
      assert.deepEqual([card?.defaultModel, card?.isDefault, card?.models], ['gpt-4o-mini', false, ['gpt-4o-mini']]);
    } finally {
      controller.dispose();
    }
  });

  it('from the palette: closing the model choice keeps the provider without models and says how to choose them later; Edit Provider → Models chooses them', async () => {
    const { registry } = await testingApi();
    const defaultBefore = registry.defaultModel();
    let id: string | undefined;
    const told = await toldDuring(async () => {
      id = await addFromPalette('OpenAI', listing.url, 'sk-proj-later0123456789abcdef', [
        [/^OpenAI: choose models$/, undefined],
      ]);
    });
    assert.ok(id && registry.get(id));
    assert.deepEqual(registry.get(id)?.models, []);
    assert.ok(
      told.some((line) => /without models.*Switchboard: Edit Provider → Models/.test(line)),
      told.join('\n'),
    );

    await answers(
      [
        [/^Edit OpenAI$/, 'Models'],
        [/^OpenAI: choose models$/, 'gpt-4o'],
      ],
      () => vscode.commands.executeCommand(Commands.editProvider, { providerId: id }),
    );
    assert.deepEqual(
      [registry.get(id)?.models.map((model) => model.id), registry.get(id)?.defaultModel],
      [['gpt-4o'], 'gpt-4o'],
    );
    assert.equal(registry.defaultModel(), defaultBefore, 'choosing models later does not move the default either');
  });

  it('from the palette, an endpoint without a model list: typed ids are each checked with a one-token request; a failing one is refused with the reason unless saved anyway', async () => {
    const { registry } = await testingApi();
    const defaultBefore = { provider: registry.defaultProvider(), model: registry.defaultModel() };
    let id: string | undefined;
    const told = await toldDuring(async () => {
      id = await addFromPalette('Custom OpenAI-compatible', gateway.url, 'gateway-key-0123456789', [
        [/^Custom OpenAI-compatible: model ID$/, 'served-model'],
        [/^Custom OpenAI-compatible: another model ID$/, 'missing-model'],
        [/^missing-model did not answer: /, false],
        [/^Custom OpenAI-compatible: another model ID$/, 'typo-model'],
        [/^typo-model did not answer: /, 'Save Anyway'],
        [/^Custom OpenAI-compatible: another model ID$/, undefined],
      ]);
    });
    assert.ok(id);
    // Each typed id was tried with a one-token chat.
    for (const model of ['served-model', 'missing-model', 'typo-model'])
      assert.equal(oneTokenChats(gateway.seen, model).length, 1, `${model} checked once`);
    const refusal = told.find((line) => line.startsWith('missing-model did not answer: '));
    assert.ok(refusal, told.join('\n'));
    assert.match(refusal, /missing-model/);
    assert.doesNotMatch(refusal, /[{}]/, 'in words, not the raw body');
    assert.deepEqual(
      registry.get(id)?.models.map((model) => model.id),
      ['served-model', 'typo-model'],
      'the refused id is not saved; the insisted one is',
    );
    assert.equal(registry.get(id)?.defaultModel, 'served-model');
    assert.deepEqual({ provider: registry.defaultProvider(), model: registry.defaultModel() }, defaultBefore);
    const key = modelKey({ providerId: id, modelId: 'served-model' });
    await until(
      async () =>
        (await vscode.lm.selectChatModels({ vendor: 'switchboard' })).some((m) => m.id === key) ? true : undefined,
      'the typed model in the model picker',
    );
  });

  it('the panel wizard, an endpoint without a model list: its ids are typed and checked, then saved without moving the default', async () => {
    const { registry, panelController } = await testingApi();
    const defaultBefore = { provider: registry.defaultProvider(), model: registry.defaultModel() };
    const posts: HostToWebview[] = [];
    const controller = await panelController((message) => {
      posts.push(message);
      return Promise.resolve(true);
    });
    const reply = <N extends RequestName>(id: number) =>
      posts.flatMap((message) =>
        message.type === 'reply' && message.id === id ? [message.result as Result<N>] : [],
      )[0];
    const draft = { template: 'custom', baseUrl: gateway.url, apiKey: 'gateway-key-0123456789' };
    let added: string | undefined;
    try {
      await controller.receive({ type: 'ready' });
      await controller.receive({ type: 'request', id: 1, name: 'testDraft', params: draft });
      const report = reply<'testDraft'>(1);
      assert.ok(report, JSON.stringify(posts.slice(-2)));
      // The wizard's dead end before: the models stage fails and nothing else is offered.
      assert.equal(report.stages.find((stage) => stage.status === 'fail')?.stage, 'models');
      assert.equal(report.suggestedBaseUrl, undefined);

      const before = oneTokenChats(gateway.seen, 'served-model').length;
      await controller.receive({
        type: 'request',
        id: 2,
        name: 'checkDraftModel',
        params: { ...draft, model: 'served-model' },
      });
      const served = reply<'checkDraftModel'>(2);
      assert.deepEqual(
        [served?.ok, served?.stage.stage, served?.stage.status, served?.model.id],
        [true, 'chat', 'pass', 'served-model'],
      );
      assert.equal(oneTokenChats(gateway.seen, 'served-model').length, before + 1, 'one one-token request');

      await controller.receive({
        type: 'request',
        id: 3,
        name: 'checkDraftModel',
        params: { ...draft, model: 'missing-model' },
      });
      const missing = reply<'checkDraftModel'>(3);
      assert.deepEqual([missing?.ok, missing?.stage.stage, missing?.stage.status], [false, 'chat', 'fail']);
      assert.match(missing?.stage.message ?? '', /missing-model/);
      assert.equal(
        registry.list().some((entry) => entry.baseUrl === gateway.url && entry.name === 'Panel gateway'),
        false,
        'nothing saved while checking',
      );

      await controller.receive({
        type: 'request',
        id: 4,
        name: 'addProvider',
        params: { ...draft, name: 'Panel gateway', models: ['served-model'], defaultModel: 'served-model' },
      });
      added = reply<'addProvider'>(4)?.providerId;
      assert.ok(added, JSON.stringify(posts.slice(-2)));
      assert.deepEqual(
        [registry.get(added)?.models.map((model) => model.id), registry.get(added)?.defaultModel],
        [['served-model'], 'served-model'],
      );
      assert.deepEqual({ provider: registry.defaultProvider(), model: registry.defaultModel() }, defaultBefore);
    } finally {
      controller.dispose();
    }
  });
});
