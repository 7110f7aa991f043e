import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redactor, type ForeignCandidate, type ForeignImport, type ForeignKey } from '../../src/core';
import { candidateInput, MAX_FOREIGN_FILE_CHARS, readForeignConfig } from '../../src/core/registry/foreign';
import { AuditLog } from '../../src/core/registry/audit';
import { KeyStore } from '../../src/core/registry/keys';
import { MAX_FILE_DEPTH, MAX_IMPORT_PROVIDERS } from '../../src/core/registry/portable';
import { Registry } from '../../src/core/registry/registry';
import { RegistryStore } from '../../src/core/registry/store';
import { MemoryKeyValueStore, MemorySecretStore } from '../support/memoryStores';

const fixtures = join(resolve(__dirname, '..', '..', '..'), 'test', 'fixtures', 'foreign');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

const NONE: ForeignKey = { kind: 'none' };
const env = (name: string): ForeignKey => ({ kind: 'env', name });
const plain = (value: string): ForeignKey => ({ kind: 'plain', value });

type Fields = Pick<ForeignCandidate, 'name' | 'template' | 'baseUrl'> & Partial<ForeignCandidate>;
const from =
  (source: string) =>
  (fields: Fields): ForeignCandidate => ({ source, models: [], key: NONE, warnings: [], ...fields });

async function read(fileName: string, text: string): Promise<ForeignImport> {
  const result = await readForeignConfig(fileName, text);
  if (!result.ok) assert.fail(`refused: ${result.errors.join('\n')}`);
  return result.value;
}

async function errorsOf(fileName: string, text: string): Promise<string[]> {
  const result = await readForeignConfig(fileName, text);
  assert.equal(result.ok, false, 'the file should be refused');
  return result.ok ? [] : result.errors;
}

const SET_KEY = 'set the key with "Switchboard: Set API Key"';
const custom = (path: string, name: string) =>
  `${path}: "${name}" is not a provider Switchboard knows; imported as a custom OpenAI-compatible endpoint`;
const secret = (name: string) =>
  `\${{ secrets.${name} }} becomes \${env:${name}}: Continue read it from its .env file; Switchboard reads the environment VS Code starts with`;
const noHeaders = (path: string) => `${path}: headers are not imported; add them in Switchboard if needed`;

describe('import from another tool', () => {
  describe('Continue config.yaml', () => {
    const candidate = from('Continue config.yaml');

    it('reads every chat model, merging those of one provider; embeddings, hub blocks and Bedrock are skipped', async () => {
      assert.deepEqual(await read('config.yaml', fixture('continue-config.yaml')), {
        format: 'continue-yaml',
        source: 'Continue config.yaml',
        candidates: [
          candidate({
            name: 'OpenAI',
            template: 'openai',
            baseUrl: 'https://api.openai.com/v1',
            models: [{ id: 'gpt-4o' }, { id: 'o3' }],
            key: env('OPENAI_API_KEY'),
            warnings: [secret('OPENAI_API_KEY')],
          }),
          candidate({
            name: 'Anthropic',
            template: 'anthropic',
            baseUrl: 'https://api.anthropic.com',
            models: [{ id: 'claude-sonnet-4-20250514' }],
            key: env('ANTHROPIC_API_KEY'),
            warnings: [secret('ANTHROPIC_API_KEY')],
          }),
          candidate({
            name: 'Mistral',
            template: 'mistral',
            baseUrl: 'https://api.mistral.ai/v1',
            models: [{ id: 'codestral-latest' }],
          }),
          candidate({
            name: 'Ollama',
            template: 'ollama',
            baseUrl: 'http://localhost:11434',
            models: [{ id: 'qwen2.5-coder:7b' }],
          }),
          candidate({
            name: 'Team vLLM',
            template: 'custom',
            baseUrl: 'https://llm.internal.example.com/v1',
            models: [{ id: 'Qwen/Qwen2.5-Coder-32B-Instruct' }],
            key: env('TEAM_LLM_KEY'),
            warnings: [secret('TEAM_LLM_KEY'), noHeaders('models[6].requestOptions.headers')],
          }),
          candidate({
            name: 'Azure OpenAI (contoso.openai.azure.com)',
            template: 'azure-openai',
            baseUrl: 'https://contoso.openai.azure.com',
            apiVersion: '2024-10-21',
            models: [{ id: 'gpt-4o-prod' }],
            key: env('AZURE_OPENAI_KEY'),
            warnings: [secret('AZURE_OPENAI_KEY')],
          }),
          candidate({
            name: 'Local llama.cpp',
            template: 'custom',
            baseUrl: 'http://localhost:8080/v1',
            models: [{ id: 'qwen2.5-coder' }],
            warnings: [custom('models[10].provider', 'llama.cpp')],
          }),
        ],
        skipped: [
          'models[5]: used for embed in Continue, not chat',
          'models[8]: a Continue Hub block (anthropic/claude-3.5-sonnet); its settings are on the hub, not in this file',
          'models[9].provider: Amazon Bedrock is not a provider Switchboard can call',
        ],
      });
    });

    it('names every bad field, and gives no candidates from a file with any', async () => {
      const text = [
        'name: broken',
        'models:',
        '  - name: no model',
        '    provider: openai',
        '  - name: bad base',
        '    provider: openai',
        '    model: gpt-4o',
        '    apiBase: localhost:1234',
        '  - name: roles',
        '    provider: ollama',
        '    model: llama3',
        '    roles: chat',
        '  - name: good',
        '    provider: anthropic',
        '    model: claude-sonnet-4-20250514',
      ].join('\n');
      assert.deepEqual(await errorsOf('config.yaml', text), [
        'config.yaml: models[0].model: required',
        'config.yaml: models[1].apiBase: must be an http(s) URL',
        'config.yaml: models[2].roles: Invalid input: expected array, received string',
      ]);
      assert.deepEqual(await errorsOf('config.yaml', 'name: x\nmodels: {}\n'), [
        'config.yaml: models: Invalid input: expected array, received object',
      ]);
    });

    it('locates a YAML syntax error without quoting the line', async () => {
      const errors = await errorsOf('config.yaml', 'models:\n  - name: a\n   provider: b: c\n');
      assert.deepEqual(errors, ['config.yaml (line 3, column 1): not valid YAML: Sequence item without - indicator']);
    });
  });

  describe('Continue config.json', () => {
    const candidate = from('Continue config.json');

    it('reads the models list (comments and trailing commas allowed); a placeholder key is no key', async () => {
      assert.deepEqual(await read('config.json', fixture('continue-config.json')), {
        format: 'continue-json',
        source: 'Continue config.json',
        candidates: [
          candidate({
            name: 'OpenAI',
            template: 'openai',
            baseUrl: 'https://api.openai.com/v1',
            models: [{ id: 'gpt-4o' }],
            warnings: [`models[0].apiKey: a placeholder, not a key; ${SET_KEY}`],
          }),
          // An OpenAI-compatible entry at a known provider's host becomes that provider.
          candidate({
            name: 'DeepSeek',
            template: 'deepseek',
            baseUrl: 'https://api.deepseek.com',
            models: [{ id: 'deepseek-chat' }],
            key: plain('json-fixture-deepseek-key-0001'),
          }),
          candidate({
            name: 'Google Gemini',
            template: 'gemini',
            baseUrl: 'https://generativelanguage.googleapis.com',
            models: [{ id: 'gemini-2.5-pro' }],
            key: plain('json-fixture-gemini-key-0002'),
          }),
          candidate({
            name: 'LM Studio',
            template: 'lmstudio',
            baseUrl: 'http://127.0.0.1:1234/v1',
            warnings: ["models[3].model: AUTODETECT; choose models from the provider's list after import"],
          }),
          candidate({
            name: 'Azure OpenAI (contoso.openai.azure.com)',
            template: 'azure-openai',
            baseUrl: 'https://contoso.openai.azure.com',
            apiVersion: '2024-10-21',
            models: [{ id: 'gpt-4o-july' }],
            key: plain('json-fixture-azure-key-0003'),
          }),
        ],
        skipped: [
          'models[5].provider: "kindo" is not a provider Switchboard knows, and the entry has no apiBase to reach it as an OpenAI-compatible endpoint',
        ],
      });
    });

    it('names bad fields and locates syntax errors', async () => {
      const text = JSON.stringify({
        models: [
          { title: 'a', provider: 'openai', model: 4 },
          { title: 'b', model: 'm' },
          { title: 'c', provider: 'openai', model: 'm', apiBase: 'ftp://example.com' },
        ],
      });
      assert.deepEqual(await errorsOf('config.json', text), [
        'config.json: models[0].model: Invalid input: expected string, received number',
        'config.json: models[1].provider: required',
        'config.json: models[2].apiBase: must be an http(s) URL',
      ]);
      assert.deepEqual(
        await errorsOf('config.json', '{\n  "models": [\n    { "title": "a" "provider": "b" }\n  ]\n}'),
        ["config.json (line 3, column 20): not valid JSON: Expected ',' or '}' after property value"],
      );
    });

    it('turns a provider Continue knows but Switchboard does not into a custom endpoint, with a warning', async () => {
      const { candidates } = await read(
        'config.json',
        JSON.stringify({
          models: [{ title: 'Msty', provider: 'msty', model: 'llama3', apiBase: 'http://localhost:10000/v1' }],
        }),
      );
      assert.deepEqual(candidates, [
        candidate({
          name: 'Msty',
          template: 'custom',
          baseUrl: 'http://localhost:10000/v1',
          models: [{ id: 'llama3' }],
          warnings: [custom('models[0].provider', 'msty')],
        }),
      ]);
    });
  });

  describe('Roo Code and Kilo Code settings exports', () => {
    const candidate = from('Roo Code settings');

    it('reads every provider profile, with the plain keys the export holds', async () => {
      assert.deepEqual(await read('roo-code-settings.json', fixture('roo-code-settings.json')), {
        format: 'roo-code',
        source: 'Roo Code settings',
        candidates: [
          candidate({
            name: 'default',
            template: 'anthropic',
            baseUrl: 'https://api.anthropic.com',
            models: [{ id: 'claude-sonnet-4-20250514' }],
            key: plain('roo-fixture-anthropic-key-0001'),
          }),
          candidate({
            name: 'openrouter',
            template: 'openrouter',
            baseUrl: 'https://openrouter.ai/api/v1',
            models: [{ id: 'anthropic/claude-sonnet-4' }],
            key: plain('roo-fixture-openrouter-key-0002'),
          }),
          candidate({
            name: 'local',
            template: 'ollama',
            baseUrl: 'http://localhost:11434',
            models: [{ id: 'qwen2.5-coder:32b' }],
          }),
          candidate({
            name: 'lm studio',
            template: 'lmstudio',
            baseUrl: 'http://127.0.0.1:1234/v1',
            models: [{ id: 'qwen2.5-coder-7b-instruct' }],
          }),
          candidate({
            name: 'company gateway',
            template: 'custom',
            baseUrl: 'https://llm.example.com/v1',
            models: [{ id: 'gpt-4.1', prices: { input: 2, output: 8 } }],
            key: plain('roo-fixture-gateway-key-0003'),
            warnings: [noHeaders('providerProfiles.apiConfigs["company gateway"].openAiHeaders')],
          }),
          candidate({
            name: 'azure',
            template: 'azure-openai',
            baseUrl: 'https://contoso.openai.azure.com',
            apiVersion: '2024-10-21',
            models: [{ id: 'gpt-4o-prod' }],
            key: plain('roo-fixture-azure-key-0004'),
          }),
          candidate({
            name: 'requesty',
            template: 'custom',
            baseUrl: 'https://router.requesty.ai/v1',
            models: [{ id: 'anthropic/claude-sonnet-4' }],
            key: plain('roo-fixture-requesty-key-0007'),
            warnings: [custom('providerProfiles.apiConfigs.requesty.apiProvider', 'requesty')],
          }),
        ],
        skipped: [
          'providerProfiles.apiConfigs.bedrock.apiProvider: Amazon Bedrock is not a provider Switchboard can call',
        ],
      });
    });

    it("tells Kilo Code's export by its name", async () => {
      const result = await read('kilo-code-settings.json', fixture('roo-code-settings.json'));
      assert.equal(result.format, 'kilo-code');
      assert.equal(result.source, 'Kilo Code settings');
      assert.deepEqual(
        result.candidates.map((entry) => entry.source),
        Array<string>(7).fill('Kilo Code settings'),
      );
    });

    it('names bad fields', async () => {
      assert.deepEqual(
        await errorsOf('roo.json', JSON.stringify({ providerProfiles: { currentApiConfigName: 'x' } })),
        ['roo.json: providerProfiles.apiConfigs: Invalid input: expected record, received undefined'],
      );
      const text = JSON.stringify({
        providerProfiles: {
          apiConfigs: {
            a: { apiProvider: 'openai', openAiBaseUrl: 'not a url', openAiModelId: 'm' },
            b: { apiProvider: 'anthropic', apiModelId: 7 },
            c: { apiProvider: 'openai', openAiBaseUrl: 'http://x/v1', openAiCustomModelInfo: { inputPrice: 'two' } },
          },
        },
      });
      assert.deepEqual(await errorsOf('roo.json', text), [
        'roo.json: providerProfiles.apiConfigs.a.openAiBaseUrl: must be an http(s) URL',
        'roo.json: providerProfiles.apiConfigs.b.apiModelId: must be a string',
        'roo.json: providerProfiles.apiConfigs.c.openAiCustomModelInfo: prices must be numbers (US dollars per million tokens)',
      ]);
    });
  });

  describe("VS Code's chatLanguageModels.json", () => {
    const candidate = from('VS Code chatLanguageModels.json');
    const vsKey = (path: string) =>
      `${path}: not in the file (VS Code keeps the keys it asks for in its own secret storage); set it with "Switchboard: Set API Key"`;

    it('reads each group; endpoint URLs give base URLs and API types; models at one endpoint merge', async () => {
      assert.deepEqual(await read('chatLanguageModels.json', fixture('chatLanguageModels.json')), {
        format: 'vscode-byok',
        source: 'VS Code chatLanguageModels.json',
        candidates: [
          candidate({
            name: 'OpenAI',
            template: 'openai',
            baseUrl: 'https://api.openai.com/v1',
            warnings: [vsKey('[0].apiKey')],
          }),
          candidate({
            name: 'Azure',
            template: 'azure-openai',
            baseUrl: 'https://contoso.openai.azure.com',
            models: [{ id: 'gpt-5-prod' }],
            warnings: [vsKey('[1].apiKey')],
          }),
          // A Messages API endpoint is Anthropic's API, whatever the vendor says.
          candidate({
            name: 'Anthropic direct',
            template: 'anthropic',
            baseUrl: 'https://api.anthropic.com',
            models: [{ id: 'claude-sonnet-4-6' }],
            warnings: [
              `[2].apiKey: the key is kept in VS Code's secret storage, where Switchboard cannot read it; ${SET_KEY.replace('set the key', 'set it')}`,
            ],
          }),
          candidate({
            name: 'Gateway',
            template: 'custom',
            baseUrl: 'https://gateway.example.com/v1',
            models: [{ id: 'my-model' }, { id: 'my-other-model' }],
            key: env('GATEWAY_KEY'),
            warnings: [noHeaders('[3].models[0].requestHeaders')],
          }),
          candidate({
            name: 'Cerebras',
            template: 'custom',
            baseUrl: 'https://api.cerebras.ai/v1',
            models: [{ id: 'llama-3.3-70b' }],
            key: plain('vscode-fixture-cerebras-key-0002'),
            warnings: [custom('[4].vendor', 'cerebras')],
          }),
        ],
        skipped: [],
      });
    });

    it('names bad fields', async () => {
      const text = JSON.stringify([
        { name: 'no vendor' },
        { name: 'x', vendor: 'customendpoint', models: [{ name: 'no id', url: 'https://x.example.com/v1' }] },
        { name: 'y', vendor: 'customendpoint', models: [{ id: 'm', url: 'example.com/v1/chat/completions' }] },
      ]);
      assert.deepEqual(await errorsOf('chatLanguageModels.json', text), [
        'chatLanguageModels.json: [0].vendor: Invalid input: expected string, received undefined',
        'chatLanguageModels.json: [1].models[0].id: Invalid input: expected string, received undefined',
        'chatLanguageModels.json: [2].models[0].url: must be an http(s) URL',
      ]);
    });
  });

  describe('LiteLLM proxy config.yaml', () => {
    const candidate = from('LiteLLM config.yaml');

    it('turns each deployment into the provider behind it, with its prices per million tokens', async () => {
      assert.deepEqual(await read('config.yaml', fixture('litellm-config.yaml')), {
        format: 'litellm',
        source: 'LiteLLM config.yaml',
        candidates: [
          candidate({
            name: 'Azure OpenAI (my-endpoint-europe.openai.azure.com)',
            template: 'azure-openai',
            baseUrl: 'https://my-endpoint-europe.openai.azure.com',
            apiVersion: '2024-10-21',
            models: [{ id: 'gpt-4o-eu' }],
            key: env('AZURE_API_KEY_EU'),
          }),
          candidate({
            name: 'Azure OpenAI (my-endpoint-canada.openai.azure.com)',
            template: 'azure-openai',
            baseUrl: 'https://my-endpoint-canada.openai.azure.com',
            apiVersion: '2024-10-21',
            models: [{ id: 'gpt-4o-ca' }],
            key: env('AZURE_API_KEY_CA'),
          }),
          candidate({
            name: 'OpenAI',
            template: 'openai',
            baseUrl: 'https://api.openai.com/v1',
            models: [
              { id: 'gpt-4.1-mini' },
              { id: 'ft:gpt-4.1-2025-04-14:acme::abc123', prices: { input: 3, output: 12 } },
            ],
            key: env('OPENAI_API_KEY'),
          }),
          candidate({
            name: 'Anthropic',
            template: 'anthropic',
            baseUrl: 'https://api.anthropic.com',
            models: [{ id: 'claude-sonnet-4-20250514' }],
            key: env('ANTHROPIC_API_KEY'),
          }),
          candidate({
            name: 'vLLM',
            template: 'vllm',
            baseUrl: 'http://gpu-box.internal:8000/v1',
            models: [{ id: 'facebook/opt-125m', prices: { input: 0.2, output: 0.6 } }],
          }),
          candidate({
            name: 'deepinfra-llama',
            template: 'custom',
            baseUrl: 'https://api.deepinfra.com/v1/openai',
            models: [{ id: 'meta-llama/Llama-3.3-70B-Instruct' }],
            key: env('DEEPINFRA_API_KEY'),
            warnings: [custom('model_list[7].litellm_params.model', 'deepinfra')],
          }),
        ],
        skipped: ['model_list[6].litellm_params.model: Amazon Bedrock is not a provider Switchboard can call'],
      });
    });

    it('names bad fields', async () => {
      const text = [
        'model_list:',
        '  - model_name: a',
        '  - model_name: b',
        '    litellm_params:',
        '      model: openai/gpt-4o',
        '      input_cost_per_token: -0.1',
        '  - model_name: c',
        '    litellm_params:',
        '      model: hosted_vllm/m',
        '      api_base: gpu-box:8000',
      ].join('\n');
      assert.deepEqual(await errorsOf('litellm.yaml', text), [
        'litellm.yaml: model_list[0].litellm_params: Invalid input: expected object, received undefined',
        'litellm.yaml: model_list[1].litellm_params.input_cost_per_token: Too small: expected number to be >=0',
        'litellm.yaml: model_list[2].litellm_params.api_base: must be an http(s) URL',
      ]);
    });

    it('says when a base URL comes from the environment; Azure without one is skipped', async () => {
      const text = [
        'model_list:',
        '  - model_name: a',
        '    litellm_params:',
        '      model: azure/gpt-4o',
        '      api_base: os.environ/AZURE_API_BASE',
        '      api_key: os.environ/AZURE_API_KEY',
        '  - model_name: b',
        '    litellm_params:',
        '      model: groq/llama-3.3-70b-versatile',
        '      api_base: os.environ/GROQ_BASE',
      ].join('\n');
      assert.deepEqual(await read('config.yaml', text), {
        format: 'litellm',
        source: 'LiteLLM config.yaml',
        candidates: [
          candidate({
            name: 'Groq',
            template: 'groq',
            baseUrl: 'https://api.groq.com/openai/v1',
            models: [{ id: 'llama-3.3-70b-versatile' }],
            warnings: [
              'model_list[1].litellm_params.api_base: comes from the environment variable GROQ_BASE, which Switchboard does not read for a base URL; set the base URL after import',
            ],
          }),
        ],
        skipped: ['model_list[0]: Azure OpenAI needs a base URL, and this entry has none Switchboard can use'],
      });
    });
  });

  describe('keys', () => {
    it('turns each tool’s environment reference into ${env:NAME}; a VS Code input or Continue block input is no key', async () => {
      const continueYaml = await read(
        'config.yaml',
        [
          'models:',
          '  - { name: a, provider: openai, model: m1, apiKey: "${{ secrets.OPENAI_KEY }}" }',
          '  - { name: b, provider: groq, model: m2, apiKey: "${{ inputs.GROQ_KEY }}" }',
          '  - { name: c, provider: mistral, model: m3, apiKey: "${env:MISTRAL_KEY}" }',
        ].join('\n'),
      );
      assert.deepEqual(
        continueYaml.candidates.map(({ key, warnings }) => ({ key, warnings })),
        [
          { key: env('OPENAI_KEY'), warnings: [secret('OPENAI_KEY')] },
          { key: NONE, warnings: [`models[1].apiKey: a variable this file does not define; ${SET_KEY}`] },
          { key: env('MISTRAL_KEY'), warnings: [] },
        ],
      );
      const litellm = await read(
        'config.yaml',
        'model_list:\n  - model_name: a\n    litellm_params: { model: xai/grok-4, api_key: os.environ/XAI_API_KEY }\n',
      );
      assert.deepEqual(litellm.candidates[0]!.key, env('XAI_API_KEY'));
      const vscode = await read(
        'chatLanguageModels.json',
        JSON.stringify([
          { name: 'a', vendor: 'groq', apiKey: '${env:GROQ_API_KEY}' },
          { name: 'b', vendor: 'xai', apiKey: '${input:xai}' },
        ]),
      );
      assert.deepEqual(
        vscode.candidates.map(({ key }) => key),
        [env('GROQ_API_KEY'), NONE],
      );
      const roo = await read(
        'roo.json',
        JSON.stringify({
          providerProfiles: { apiConfigs: { a: { apiProvider: 'groq', groqApiKey: '${env:GROQ_KEY}' } } },
        }),
      );
      assert.deepEqual(roo.candidates[0]!.key, env('GROQ_KEY'));
    });

    // Canary: one unique key of no shape a pattern knows, as the key, pasted into a URL and next to
    // broken fields, in every format; no message may hold it.
    const KEY = 'Q7zX9kV2pL4mW8rT6yN3bJ5hF1dS0gC';
    const assertNowhere = (messages: string[]) => {
      for (const message of messages) {
        assert.ok(!message.includes(KEY), `a message holds the key: ${message}`);
        assert.ok(!message.includes(KEY.slice(8, 20)), `a message holds part of the key: ${message}`);
      }
    };
    const messagesOf = (value: ForeignImport) => [...value.skipped, ...value.candidates.flatMap((c) => c.warnings)];
    const files: Array<[string, string, string]> = [
      [
        'config.yaml',
        `models:\n  - { name: a, provider: openai, model: m, apiKey: ${KEY} }\n  - { name: b, provider: openai, model: m, apiBase: "https://llm.example.com/v1?api_key=${KEY}", apiKey: ${KEY} }\n`,
        `models:\n  - { name: a, provider: openai, model: 5, apiKey: ${KEY} }\n  - name: b\n    apiKey: ${KEY}\n     provider: x\n`,
      ],
      [
        'config.json',
        JSON.stringify({
          models: [
            { title: 'a', provider: 'openai', model: 'm', apiKey: KEY },
            { title: 'b', provider: 'vllm', model: 'm', apiBase: `http://localhost:8000/v1?key=${KEY}`, apiKey: KEY },
          ],
        }),
        `{ "models": [ { "title": "a", "apiKey": ${KEY} } ] }`,
      ],
      [
        'roo-code-settings.json',
        JSON.stringify({
          providerProfiles: {
            apiConfigs: {
              a: {
                apiProvider: 'openai',
                openAiBaseUrl: 'https://llm.example.com/v1',
                openAiApiKey: KEY,
                openAiModelId: 'm',
              },
              b: {
                apiProvider: 'gemini',
                geminiApiKey: KEY,
                googleGeminiBaseUrl: `https://generativelanguage.googleapis.com/v1beta?key=${KEY}`,
              },
              c: { apiProvider: 'bedrock', awsSecretKey: KEY },
            },
          },
        }),
        JSON.stringify({
          providerProfiles: { apiConfigs: { a: { apiProvider: 'openai', openAiApiKey: KEY, openAiBaseUrl: KEY } } },
        }),
      ],
      [
        'chatLanguageModels.json',
        JSON.stringify([
          {
            name: 'a',
            vendor: 'customendpoint',
            apiKey: KEY,
            models: [{ id: 'm', url: `https://x.example.com/v1/chat/completions` }],
          },
          {
            name: 'b',
            vendor: 'customendpoint',
            apiKey: KEY,
            models: [{ id: 'm', url: `https://${KEY}@y.example.com/v1/chat/completions` }],
          },
        ]),
        JSON.stringify([{ name: 'a', vendor: 'customendpoint', apiKey: KEY, models: [{ id: KEY.length, url: KEY }] }]),
      ],
      [
        'litellm.yaml',
        `model_list:\n  - model_name: a\n    litellm_params: { model: openai/m, api_key: ${KEY} }\n  - model_name: b\n    litellm_params: { model: hosted_vllm/m, api_base: "http://gpu:8000/v1?token=${KEY}", api_key: ${KEY} }\n`,
        `model_list:\n  - model_name: a\n    litellm_params: { model: openai/m, api_key: ${KEY}, api_base: "${KEY}" }\n`,
      ],
    ];
    for (const [fileName, good, bad] of files) {
      it(`${fileName}: a plain key is returned as one, and no warning or error holds it`, async () => {
        const result = await read(fileName, good);
        assert.ok(result.candidates.length > 0);
        for (const candidate of result.candidates)
          if (candidate.key.kind !== 'none') assert.deepEqual(candidate.key, plain(KEY));
        assert.ok(result.candidates.some((candidate) => candidate.key.kind === 'plain'));
        assertNowhere(messagesOf(result));
        assert.ok(
          messagesOf(result).some((message) => /looks like it holds a key/.test(message)),
          'the URL with the key in it should be named',
        );
        assertNowhere(await errorsOf(fileName, bad));
      });
    }

    it('a key pasted into a base URL is not taken: the provider’s own URL is used, or the entry is skipped', async () => {
      const result = await read(
        'config.json',
        JSON.stringify({
          models: [
            {
              title: 'g',
              provider: 'gemini',
              model: 'gemini-2.5-pro',
              apiBase: `https://generativelanguage.googleapis.com/v1beta?key=${KEY}`,
            },
            { title: 'c', provider: 'vllm', model: 'm', apiBase: `http://user:${KEY}@gpu:8000/v1` },
            { title: 'd', provider: 'msty', model: 'm', apiBase: `http://msty:10000/v1?api_key=${KEY}` },
          ],
        }),
      );
      assert.deepEqual(result.candidates, [
        from('Continue config.json')({
          name: 'Google Gemini',
          template: 'gemini',
          baseUrl: 'https://generativelanguage.googleapis.com',
          models: [{ id: 'gemini-2.5-pro' }],
          warnings: [
            `models[0].apiBase: looks like it holds a key, so it was not taken; Google Gemini's own base URL is used; keys belong in "Switchboard: Set API Key"`,
          ],
        }),
        from('Continue config.json')({
          name: 'vLLM',
          template: 'vllm',
          baseUrl: 'http://127.0.0.1:8000/v1',
          models: [{ id: 'm' }],
          warnings: [
            `models[1].apiBase: looks like it holds a key, so it was not taken; vLLM's own base URL is used; keys belong in "Switchboard: Set API Key"`,
          ],
        }),
      ]);
      assert.deepEqual(result.skipped, [
        'models[2]: Custom OpenAI-compatible needs a base URL; models[2].apiBase: looks like it holds a key, so it was not taken; keys belong in "Switchboard: Set API Key"',
      ]);
    });
  });

  describe('merging', () => {
    it('merges entries with the same template and base URL: models once, prices filled in, the first key kept', async () => {
      const text = [
        'model_list:',
        '  - model_name: a',
        '    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_A }',
        '  - model_name: b',
        '    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_B, input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001 }',
        '  - model_name: c',
        '    litellm_params: { model: "openai/o3", api_base: "https://api.openai.com/v1/" }',
      ].join('\n');
      assert.deepEqual((await read('config.yaml', text)).candidates, [
        from('LiteLLM config.yaml')({
          name: 'OpenAI',
          template: 'openai',
          baseUrl: 'https://api.openai.com/v1',
          models: [{ id: 'gpt-4o', prices: { input: 2.5, output: 10 } }, { id: 'o3' }],
          key: env('OPENAI_A'),
          warnings: [
            'model_list[1]: a different key for the same endpoint as an earlier entry; the earlier one is kept',
          ],
        }),
      ]);
    });
  });

  describe('every candidate is an input the registry takes', () => {
    for (const [name, fileName] of [
      ['continue-config.yaml', 'config.yaml'],
      ['continue-config.json', 'config.json'],
      ['roo-code-settings.json', 'roo-code-settings.json'],
      ['chatLanguageModels.json', 'chatLanguageModels.json'],
      ['litellm-config.yaml', 'config.yaml'],
    ] as const) {
      it(name, async () => {
        const { candidates } = await read(fileName, fixture(name));
        const kv = new MemoryKeyValueStore();
        const registry = new Registry({
          store: new RegistryStore(kv, () => undefined),
          keys: new KeyStore(new MemorySecretStore(), new Redactor(), () => Promise.resolve(undefined), kv),
          audit: new AuditLog(kv),
          fetch: globalThis.fetch,
        });
        for (const candidate of candidates) {
          const { provider, models } = candidateInput(candidate);
          const added = await registry.add(provider);
          const entry = await registry.update(added.id, { models });
          assert.equal(entry.baseUrl, candidate.baseUrl);
          assert.equal(entry.template, candidate.template);
          assert.equal(entry.apiVersion, candidate.apiVersion);
          assert.deepEqual(entry.models, candidate.models);
          const key = await registry.keyState(added.id);
          if (candidate.key.kind === 'env')
            assert.deepEqual([key.reference, key.mask], [true, `\${env:${candidate.key.name}}`]);
          else assert.equal(key.hasKey, candidate.key.kind === 'plain');
        }
        assert.equal(registry.state().providers.length, candidates.length);
      });
    }
  });

  describe('hostile files', () => {
    it(`refuses JSON nested more than ${MAX_FILE_DEPTH} levels deep`, async () => {
      const deep = `${'['.repeat(MAX_FILE_DEPTH + 1)}${']'.repeat(MAX_FILE_DEPTH + 1)}`;
      const result = await readForeignConfig('chatLanguageModels.json', deep);
      assert.deepEqual(result, {
        ok: false,
        limit: 'too-deep',
        errors: [
          `chatLanguageModels.json (line 1, column ${MAX_FILE_DEPTH + 1}): nested more than 64 levels deep; a tool's settings are never this deep`,
        ],
      });
      // At the limit a file is read (and refused for what it holds, not for its depth).
      const atLimit = await readForeignConfig('x.json', `${'['.repeat(MAX_FILE_DEPTH)}${']'.repeat(MAX_FILE_DEPTH)}`);
      assert.equal(atLimit.ok ? undefined : atLimit.limit, undefined);
    });

    it('refuses YAML flow collections nested 100,000 deep before parsing them (the parser would exhaust memory)', async () => {
      const deep = `models: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
      const started = Date.now();
      const result = await readForeignConfig('config.yaml', deep);
      assert.deepEqual(result, {
        ok: false,
        limit: 'too-deep',
        errors: [
          `config.yaml (line 1, column ${9 + MAX_FILE_DEPTH}): nested more than 64 levels deep; a tool's settings are never this deep`,
        ],
      });
      assert.ok(Date.now() - started < 5_000);
    });

    it('refuses YAML blocks nested too deep, after parsing', async () => {
      const lines = Array.from({ length: MAX_FILE_DEPTH + 2 }, (_, depth) => `${' '.repeat(depth)}k:`);
      const result = await readForeignConfig('config.yaml', `${lines.join('\n')} 1\n`);
      assert.equal(result.ok ? undefined : result.limit, 'too-deep');
    });

    it(`refuses a list of more than ${MAX_IMPORT_PROVIDERS.toLocaleString('en-US')} entries, naming it`, async () => {
      const many = JSON.stringify({ models: Array<number>(MAX_IMPORT_PROVIDERS + 1).fill(0) });
      assert.deepEqual(await readForeignConfig('config.json', many), {
        ok: false,
        limit: 'too-many-providers',
        errors: ['config.json: models: 100,001 entries; a file may hold at most 100,000'],
      });
    });

    it('refuses a file larger than the limit before reading it', async () => {
      const result = await readForeignConfig('config.yaml', ' '.repeat(MAX_FOREIGN_FILE_CHARS + 1));
      assert.deepEqual(result, {
        ok: false,
        limit: 'too-large',
        errors: ['config.yaml: 8,388,609 characters; a file to import may hold at most 8,388,608'],
      });
    });

    it('refuses YAML whose aliases expand without bound', async () => {
      const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let level = 1; level <= 8; level++) {
        const previous = String.fromCharCode(96 + level);
        const name = String.fromCharCode(97 + level);
        lines.push(`${name}: &${name} [${Array<string>(10).fill(`*${previous}`).join(', ')}]`);
      }
      lines.push('models: []');
      assert.deepEqual(await errorsOf('config.yaml', lines.join('\n')), [
        'config.yaml: not valid YAML: too many aliases',
      ]);
    });
  });

  describe('files it does not read', () => {
    it('says what it expected, and sends a Switchboard export to its own import', async () => {
      assert.deepEqual(await errorsOf('settings.json', '{ "editor.fontSize": 14 }'), [
        "settings.json: not a file this import reads; expected Continue's config.yaml or config.json, a Roo Code or Kilo Code settings export, VS Code's chatLanguageModels.json or a LiteLLM proxy config.yaml",
      ]);
      assert.deepEqual(
        await errorsOf(
          'providers.json',
          JSON.stringify({ format: 'switchboard.providers', version: 1, providers: [] }),
        ),
        ['providers.json: a Switchboard export; read it with "Switchboard: Import Providers"'],
      );
    });
  });
});
