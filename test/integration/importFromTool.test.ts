// "Switchboard: Import from Another Tool" in the real extension host, with real SecretStorage: each
// foreign format read from the fixtures (written from each tool's documentation), reviewed in one
// list and added only after the user's confirmation. The user's answers go through the injected
// dialogs; the review's rows are read where the quick pick would show them.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { REGISTRY_SCHEMA_VERSION } from '../../src/core';
import { Commands } from '../../src/platform/commands';
import type { LiveItems, LivePickOptions } from '../../src/platform/dialogs';
import type { ImportFromToolResult } from '../../src/registry/importFromTool';
import { testingApi, toldDuring, until } from './support';

const FIXTURES = resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'foreign');
const REVIEW = /^Import from Another Tool: /;
/** The plain keys the fixtures hold: none may be stored anywhere but secret storage, and only when moved. */
const PLAIN_KEYS = [
  'json-fixture-deepseek-key-0001',
  'json-fixture-gemini-key-0002',
  'json-fixture-azure-key-0003',
  'vscode-fixture-cerebras-key-0002',
  'vscode-fixture-subscription-0001',
];

interface Review {
  title: string;
  rows: vscode.QuickPickItem[];
  /** Labels of the rows ticked when the review opened. */
  preselected: string[];
}

/**
 * Runs `run`, answering the review as the user would: `tick` (labels) replaces the ticks, 'as shown'
 * keeps the ones the review ticked, 'close' closes it. Every other question goes to the testing dialogs.
 */
async function reviewing<T>(
  answer: { tick: string[] } | 'as shown' | 'close',
  run: () => Thenable<T>,
): Promise<{ result: T; review: Review | undefined }> {
  const { dialogs } = await testingApi();
  let review: Review | undefined;
  const original = dialogs.livePick.bind(dialogs);
  Object.assign(dialogs, {
    livePick: <R extends vscode.QuickPickItem>(live: LiveItems<R>, options: LivePickOptions<R>) => {
      if (!REVIEW.test(options.title)) return original(live, options);
      review = { title: options.title, rows: [...live.items], preselected: live.selected.map((row) => row.label) };
      if (answer === 'close') return Promise.resolve(undefined);
      const picked =
        answer === 'as shown' ? [...live.selected] : live.items.filter((row) => answer.tick.includes(row.label));
      assert.equal(options.accepts?.(picked) ?? true, true, 'the review accepts the ticked rows');
      return Promise.resolve(picked);
    },
  });
  try {
    return { result: await run(), review };
  } finally {
    // The prototype's livePick answers again.
    delete (dialogs as { livePick?: unknown }).livePick;
  }
}

/** Prepared answers for the questions of one command (location pick, key moves). */
async function withAnswers<T>(answers: Array<[RegExp, string | boolean | undefined]>, run: () => Thenable<T>) {
  const { dialogs } = await testingApi();
  const prepared = answers.map(([question, reply]) => dialogs.answer(question, reply));
  try {
    return await run();
  } finally {
    for (const answer of prepared) answer.dispose();
  }
}

const importFile = (uri?: vscode.Uri) =>
  vscode.commands.executeCommand<ImportFromToolResult | undefined>(Commands.importFromTool, uri ? { uri } : undefined);

const candidateLabels = (review: Review | undefined) =>
  review?.rows.filter((row) => row.detail !== undefined).map((row) => row.label);

async function hostLogText(marker: string): Promise<string> {
  const { log, logUri } = await testingApi();
  log.info(marker);
  const hostLogs = dirname(logUri.fsPath);
  return until(async () => {
    let text = '';
    for (const file of (await readdir(hostLogs, { recursive: true })).filter((name) => name.endsWith('.log')))
      text += await readFile(join(hostLogs, file), 'utf8').catch(() => '');
    return text.includes(marker) ? text : undefined;
  }, 'the log line');
}

describe('Import from Another Tool', () => {
  let original: unknown;
  let scratch: string;

  before(async () => {
    original = (await testingApi()).globalState.get('switchboard.registry');
    scratch = await mkdtemp(join(tmpdir(), 'switchboard-import-'));
  });

  // A new user each time: no providers, so the first provider added sets the default.
  beforeEach(async () => {
    await (
      await testingApi()
    ).globalState.update('switchboard.registry', {
      schemaVersion: REGISTRY_SCHEMA_VERSION,
      providers: [],
    });
  });

  afterEach(async () => {
    const { registry } = await testingApi();
    // Removing clears each one's key from secret storage too.
    for (const entry of registry.state().providers) await registry.remove(entry.id);
  });

  after(async () => {
    await (await testingApi()).globalState.update('switchboard.registry', original);
    await rm(scratch, { recursive: true, force: true });
  });

  it("Continue config.yaml from Continue's folder: one review of every provider, its warnings and what is skipped; ${{ secrets.* }} kept as env references", async () => {
    const { registry } = await testingApi();
    const continueDir = join(scratch, 'continue');
    await mkdir(continueDir, { recursive: true });
    await copyFile(join(FIXTURES, 'continue-config.yaml'), join(continueDir, 'config.yaml'));
    const before = process.env.CONTINUE_GLOBAL_DIR;
    process.env.CONTINUE_GLOBAL_DIR = continueDir;
    let reviewed: Review | undefined;
    let result: ImportFromToolResult | undefined;
    try {
      ({ result, review: reviewed } = await reviewing('as shown', () =>
        withAnswers([[/^Import from Another Tool$/, 'Continue config.yaml']], () => importFile()),
      ));
    } finally {
      if (before === undefined) delete process.env.CONTINUE_GLOBAL_DIR;
      else process.env.CONTINUE_GLOBAL_DIR = before;
    }
    assert.ok(reviewed, 'the review was shown');
    assert.match(reviewed.title, /Continue config\.yaml \(.*config\.yaml\)$/);
    const names = [
      'OpenAI',
      'Anthropic',
      'Mistral',
      'Ollama',
      'Team vLLM',
      'Azure OpenAI (contoso.openai.azure.com)',
      'Local llama.cpp',
    ];
    assert.deepEqual(candidateLabels(reviewed), names);
    assert.deepEqual(reviewed.preselected, names, 'every provider is ticked: none exists yet');
    const openai = reviewed.rows.find((row) => row.label === 'OpenAI');
    assert.equal(openai?.description, 'OpenAI · https://api.openai.com/v1');
    assert.equal(openai?.detail, 'gpt-4o, o3 · key: ${env:OPENAI_API_KEY}');
    const labels = reviewed.rows.map((row) => row.label);
    assert.ok(
      labels.includes(
        '$(warning) models[6].requestOptions.headers: headers are not imported; add them in Switchboard if needed',
      ),
      labels.join('\n'),
    );
    assert.deepEqual(labels.slice(labels.indexOf('Not imported')), [
      'Not imported',
      '$(circle-slash) models[5]: used for embed in Continue, not chat',
      '$(circle-slash) models[8]: a Continue Hub block (anthropic/claude-3.5-sonnet); its settings are on the hub, not in this file',
      '$(circle-slash) models[9].provider: Amazon Bedrock is not a provider Switchboard can call',
    ]);

    assert.ok(result && 'added' in result);
    assert.equal(result.added.length, 7);
    const added = result.added.map((id) => registry.get(id)!);
    assert.deepEqual(
      added.map((entry) => [entry.name, entry.template, entry.baseUrl, entry.models.map((model) => model.id)]),
      [
        ['OpenAI', 'openai', 'https://api.openai.com/v1', ['gpt-4o', 'o3']],
        ['Anthropic', 'anthropic', 'https://api.anthropic.com', ['claude-sonnet-4-20250514']],
        ['Mistral', 'mistral', 'https://api.mistral.ai/v1', ['codestral-latest']],
        ['Ollama', 'ollama', 'http://localhost:11434', ['qwen2.5-coder:7b']],
        ['Team vLLM', 'custom', 'https://llm.internal.example.com/v1', ['Qwen/Qwen2.5-Coder-32B-Instruct']],
        [
          'Azure OpenAI (contoso.openai.azure.com)',
          'azure-openai',
          'https://contoso.openai.azure.com',
          ['gpt-4o-prod'],
        ],
        ['Local llama.cpp', 'custom', 'http://localhost:8080/v1', ['qwen2.5-coder']],
      ],
    );
    assert.equal(added[5]!.apiVersion, '2024-10-21');
    // Env references stay references, in secret storage; no key was in the file.
    assert.deepEqual(await registry.keyState(added[0]!.id), {
      hasKey: true,
      mask: '${env:OPENAI_API_KEY}',
      origin: 'https://api.openai.com',
      reference: true,
    });
    assert.equal((await registry.keyState(added[4]!.id)).mask, '${env:TEAM_LLM_KEY}');
    assert.equal((await registry.keyState(added[2]!.id)).hasKey, false);
    // The first provider ever added is the default, with its first model.
    assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [added[0]!.id, 'gpt-4o']);
    const audit = registry.auditEntries().find((entry) => entry.action === 'imported');
    assert.match(
      audit?.detail ?? '',
      /^7 provider\(s\) from Continue config\.yaml \(config\.yaml\): openai, anthropic, /,
    );
  });

  it('review rows that are not providers cannot be ticked', async () => {
    const { dialogs } = await testingApi();
    const uri = vscode.Uri.file(join(scratch, 'config.yaml'));
    await copyFile(join(FIXTURES, 'continue-config.yaml'), uri.fsPath);
    let ticked: string[] = [];
    const originalLivePick = dialogs.livePick.bind(dialogs);
    Object.assign(dialogs, {
      livePick: <R extends vscode.QuickPickItem>(live: LiveItems<R>, options: LivePickOptions<R>) => {
        if (!REVIEW.test(options.title)) return originalLivePick(live, options);
        const warning = live.items.find((row) => row.label.startsWith('$(warning)'))!;
        const skipped = live.items.find((row) => row.label.startsWith('$(circle-slash)'))!;
        const mistral = live.items.find((row) => row.label === 'Mistral')!;
        // The user unticks Mistral and ticks a warning and a skipped entry.
        options.onDidSelect?.([...live.selected.filter((row) => row !== mistral), warning, skipped], live.items);
        ticked = live.selected.map((row) => row.label);
        assert.equal(options.accepts?.([warning, skipped]), false, 'only rows that are not providers: not accepted');
        return Promise.resolve(undefined);
      },
    });
    try {
      assert.equal(await importFile(uri), undefined);
    } finally {
      delete (dialogs as { livePick?: unknown }).livePick;
    }
    assert.deepEqual(ticked, [
      'OpenAI',
      'Anthropic',
      'Ollama',
      'Team vLLM',
      'Azure OpenAI (contoso.openai.azure.com)',
      'Local llama.cpp',
    ]);
  });

  it('Continue config.json: a plain key moves into secret storage only for the provider the user says so for, the file is named as still holding them, and no key is stored anywhere else', async () => {
    const { registry, secrets, globalState } = await testingApi();
    const uri = vscode.Uri.file(join(scratch, 'config.json'));
    await copyFile(join(FIXTURES, 'continue-config.json'), uri.fsPath);
    let result: ImportFromToolResult | undefined;
    let reviewed: Review | undefined;
    const told = await toldDuring(async () => {
      ({ result, review: reviewed } = await reviewing('as shown', () =>
        withAnswers(
          [
            [/^DeepSeek: .*config\.json holds its API key in plain text\. Move the key/, 'Move Key'],
            [/^Google Gemini: .* Move the key/, false],
            // Dismissed: not moved either.
            [/^Azure OpenAI \(contoso\.openai\.azure\.com\): .* Move the key/, undefined],
          ],
          () => importFile(uri),
        ),
      ));
    });
    assert.deepEqual(candidateLabels(reviewed), [
      'OpenAI',
      'DeepSeek',
      'Google Gemini',
      'LM Studio',
      'Azure OpenAI (contoso.openai.azure.com)',
    ]);
    assert.match(
      reviewed!.rows.find((row) => row.label === 'DeepSeek')!.detail!,
      /^deepseek-chat · key: in .*config\.json in plain text \(you choose whether to move it\)$/,
    );
    assert.ok(result && 'added' in result);
    const byName = new Map(result.added.map((id) => [registry.get(id)!.name, id]));
    assert.deepEqual(
      [...byName.keys()],
      ['OpenAI', 'DeepSeek', 'Google Gemini', 'LM Studio', 'Azure OpenAI (contoso.openai.azure.com)'],
    );
    assert.deepEqual(result.keysMoved, [byName.get('DeepSeek')]);
    const stored = await secrets.get(`provider:${byName.get('DeepSeek')}`);
    assert.ok(stored?.includes('json-fixture-deepseek-key-0001'), 'the moved key is in secret storage');
    assert.equal((await registry.keyState(byName.get('DeepSeek')!)).origin, 'https://api.deepseek.com');
    for (const name of ['OpenAI', 'Google Gemini', 'LM Studio', 'Azure OpenAI (contoso.openai.azure.com)'])
      assert.equal(await secrets.get(`provider:${byName.get(name)}`), undefined, `${name} has no key`);

    const message = told.join('\n');
    assert.match(
      message,
      /config\.json still holds the API key of DeepSeek, Google Gemini, Azure OpenAI \(contoso\.openai\.azure\.com\) in plain text/,
    );
    assert.match(message, /keeps its own copy for DeepSeek in VS Code's secret storage/);
    assert.match(message, /LM Studio: no models yet; choose them with Switchboard: Edit Provider → Models/);

    // Nowhere else: globalState (the registry, the audit log), settings, the messages, the log.
    const logText = await hostLogText(`import canary check ${Date.now()}`);
    const everywhere = [
      ...globalState.keys().map((key) => [`globalState ${key}`, JSON.stringify(globalState.get(key)) ?? ''] as const),
      ['settings', JSON.stringify(vscode.workspace.getConfiguration('switchboard'))] as const,
      ['audit log', JSON.stringify(registry.auditEntries())] as const,
      ['messages', message] as const,
      ['log', logText] as const,
    ];
    for (const key of PLAIN_KEYS.slice(0, 3))
      for (const [where, text] of everywhere) assert.ok(!text.includes(key), `${where} holds ${key}`);
  });

  it('a Roo Code export: the ticked provider with its prices; a Kilo Code export, closed at the review, adds nothing', async () => {
    const { registry } = await testingApi();
    const roo = vscode.Uri.file(join(scratch, 'roo-code-settings.json'));
    await copyFile(join(FIXTURES, 'roo-code-settings.json'), roo.fsPath);
    const { result, review: reviewed } = await reviewing({ tick: ['company gateway'] }, () =>
      withAnswers([[/^company gateway: .* Move the key/, false]], () => importFile(roo)),
    );
    assert.match(reviewed!.title, /^Import from Another Tool: Roo Code settings \(/);
    assert.deepEqual(candidateLabels(reviewed), [
      'default',
      'openrouter',
      'local',
      'lm studio',
      'company gateway',
      'azure',
      'requesty',
    ]);
    assert.match(
      reviewed!.rows.find((row) => row.label === 'company gateway')!.detail!,
      /^gpt-4\.1 \(\$2\.00 in · \$8\.00 out \/M\) · key: in /,
    );
    assert.ok(result && 'added' in result);
    assert.equal(result.added.length, 1);
    const gateway = registry.get(result.added[0]!)!;
    assert.deepEqual(
      [gateway.name, gateway.template, gateway.baseUrl, gateway.models, gateway.defaultModel],
      [
        'company gateway',
        'custom',
        'https://llm.example.com/v1',
        [{ id: 'gpt-4.1', prices: { input: 2, output: 8 } }],
        'gpt-4.1',
      ],
    );
    assert.equal((await registry.keyState(gateway.id)).hasKey, false, 'not moved: no key');

    const kilo = vscode.Uri.file(join(scratch, 'kilo-code-settings.json'));
    await copyFile(join(FIXTURES, 'roo-code-settings.json'), kilo.fsPath);
    const before = registry.state();
    const closed = await reviewing('close', () => importFile(kilo));
    assert.match(closed.review!.title, /^Import from Another Tool: Kilo Code settings \(/);
    assert.equal(closed.result, undefined);
    assert.deepEqual(registry.state(), before, 'nothing added or changed');
  });

  it("VS Code's chatLanguageModels.json from the user folder: a provider you have is not ticked; imported anyway it gets a fresh id and the one you have, its key and the default stay", async () => {
    const { registry, secrets } = await testingApi();
    const existing = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'OpenAI',
      apiKey: 'sk-proj-existing0123456789abcdef',
    });
    await registry.update(existing, { models: [{ id: 'gpt-4o-mini' }], defaultModel: 'gpt-4o-mini' });
    await registry.setDefault(existing, 'gpt-4o-mini');
    const entryBefore = registry.get(existing);
    const keyBefore = await secrets.get(`provider:${existing}`);
    // The integration sandbox's user folder (test/support/workbench.ts): <root>/user-data/User, beside <root>/workspace.
    const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = join(dirname(workspace), 'user-data', 'User', 'chatLanguageModels.json');
    await copyFile(join(FIXTURES, 'chatLanguageModels.json'), file);
    try {
      const { result, review: reviewed } = await reviewing(
        { tick: ['OpenAI', 'Azure', 'Anthropic direct', 'Gateway', 'Cerebras'] },
        () =>
          withAnswers(
            [
              [/^Import from Another Tool$/, "VS Code's chatLanguageModels.json"],
              [/^Cerebras: .*chatLanguageModels\.json holds its API key in plain text/, 'Move Key'],
            ],
            () => importFile(),
          ),
      );
      assert.deepEqual(candidateLabels(reviewed), ['OpenAI', 'Azure', 'Anthropic direct', 'Gateway', 'Cerebras']);
      assert.deepEqual(reviewed!.preselected, ['Azure', 'Anthropic direct', 'Gateway', 'Cerebras']);
      assert.match(reviewed!.rows[0]!.description!, /you have OpenAI at this address already$/);
      assert.ok(result && 'added' in result);
      assert.equal(result.added[0], 'openai-2', 'a fresh id');
      assert.deepEqual(registry.get(existing), entryBefore, 'the provider you had is untouched');
      assert.equal(await secrets.get(`provider:${existing}`), keyBefore, 'and so is its key');
      assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [existing, 'gpt-4o-mini']);
      const byName = new Map(result.added.map((id) => [registry.get(id)!.name, registry.get(id)!]));
      assert.equal((await registry.keyState(byName.get('Gateway')!.id)).mask, '${env:GATEWAY_KEY}');
      assert.deepEqual(byName.get('Gateway')!.models, [{ id: 'my-model' }, { id: 'my-other-model' }]);
      assert.ok(
        (await secrets.get(`provider:${byName.get('Cerebras')!.id}`))?.includes('vscode-fixture-cerebras-key-0002'),
      );
      assert.equal(
        (await registry.keyState(byName.get('Anthropic direct')!.id)).hasKey,
        false,
        '${input:…} is not readable',
      );
      const logText = await hostLogText(`byok canary check ${Date.now()}`);
      for (const key of PLAIN_KEYS.slice(3)) assert.ok(!logText.includes(key), `the log holds ${key}`);
    } finally {
      await rm(file, { force: true });
    }
  });

  it("a LiteLLM proxy's config.yaml in the workspace folder: model_list entries by provider, prices per token as per million", async () => {
    const { registry } = await testingApi();
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const file = vscode.Uri.joinPath(folder, 'config.yaml');
    await copyFile(join(FIXTURES, 'litellm-config.yaml'), file.fsPath);
    try {
      const { result, review: reviewed } = await reviewing('as shown', () =>
        withAnswers([[/^Import from Another Tool$/, 'LiteLLM config.yaml']], () => importFile()),
      );
      assert.match(reviewed!.title, /^Import from Another Tool: LiteLLM config\.yaml \(config\.yaml\)$/);
      assert.deepEqual(candidateLabels(reviewed), [
        'Azure OpenAI (my-endpoint-europe.openai.azure.com)',
        'Azure OpenAI (my-endpoint-canada.openai.azure.com)',
        'OpenAI',
        'Anthropic',
        'vLLM',
        'deepinfra-llama',
      ]);
      assert.match(
        reviewed!.rows.find((row) => row.label === 'vLLM')!.detail!,
        /^facebook\/opt-125m \(\$0\.20 in · \$0\.60 out \/M\) · no key/,
      );
      assert.ok(result && 'added' in result);
      const entries = result.added.map((id) => registry.get(id)!);
      assert.deepEqual(
        entries.map((entry) => [entry.name, entry.template, entry.models.map((model) => model.id)]),
        [
          ['Azure OpenAI (my-endpoint-europe.openai.azure.com)', 'azure-openai', ['gpt-4o-eu']],
          ['Azure OpenAI (my-endpoint-canada.openai.azure.com)', 'azure-openai', ['gpt-4o-ca']],
          ['OpenAI', 'openai', ['gpt-4.1-mini', 'ft:gpt-4.1-2025-04-14:acme::abc123']],
          ['Anthropic', 'anthropic', ['claude-sonnet-4-20250514']],
          ['vLLM', 'vllm', ['facebook/opt-125m']],
          ['deepinfra-llama', 'custom', ['meta-llama/Llama-3.3-70B-Instruct']],
        ],
      );
      const vllm = entries.find((entry) => entry.baseUrl === 'http://gpu-box.internal:8000/v1');
      assert.deepEqual(vllm?.models, [{ id: 'facebook/opt-125m', prices: { input: 0.2, output: 0.6 } }]);
      const europe = entries.find((entry) => entry.baseUrl === 'https://my-endpoint-europe.openai.azure.com');
      assert.deepEqual([europe?.template, europe?.apiVersion], ['azure-openai', '2024-10-21']);
      assert.equal((await registry.keyState(europe!.id)).mask, '${env:AZURE_API_KEY_EU}');
      assert.ok(
        reviewed!.rows.some((row) => /^\$\(circle-slash\) model_list\[6\]/.test(row.label)),
        'Bedrock is listed as not imported',
      );
    } finally {
      await vscode.workspace.fs.delete(file);
    }
  });

  it('a malformed file: every problem named by its field, nothing reviewed, nothing added; an oversized one is refused before it is read', async () => {
    const { registry, dialogs } = await testingApi();
    const uri = vscode.Uri.file(join(scratch, 'broken-config.yaml'));
    await writeFile(
      uri.fsPath,
      'models:\n  - name: Team\n    provider: openai\n    model: gpt-4o\n    apiBase: not-a-url\n  - name: Other\n    provider: 42\n',
    );
    const asked = dialogs.asked.length;
    let result: ImportFromToolResult | undefined;
    const told = await toldDuring(async () => {
      result = await importFile(uri);
    });
    assert.ok(result && 'errors' in result, told.join('\n'));
    assert.ok(
      result.errors.some((error) => /broken-config\.yaml: models\[0\]\.apiBase: must be an http\(s\) URL/.test(error)),
      result.errors.join('\n'),
    );
    assert.ok(
      result.errors.some((error) => /models\[1\]\.provider/.test(error)),
      result.errors.join('\n'),
    );
    assert.match(
      told.join('\n'),
      /^Nothing was imported: .*broken-config\.yaml: models\[0\]\.apiBase: must be an http\(s\) URL/m,
    );
    assert.ok(!dialogs.asked.slice(asked).some((question) => REVIEW.test(question)), 'no review');
    assert.deepEqual(registry.state().providers, []);

    const large = vscode.Uri.file(join(scratch, 'huge-config.json'));
    await writeFile(large.fsPath, Buffer.alloc(8 * 1024 * 1024 + 1, ' '));
    const tooLarge = await importFile(large);
    assert.ok(tooLarge && 'errors' in tooLarge);
    assert.match(
      tooLarge.errors[0]!,
      /huge-config\.json: 8,388,609 bytes; a file to import may hold at most 8,388,608 characters/,
    );
    assert.deepEqual(registry.state().providers, []);
  });
});
