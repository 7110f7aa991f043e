// Model facts read from the providers' own lists, each list spoken by a loopback server in its documented shape.
import assert from 'node:assert/strict';
import { perMillion, shiftDecimal } from '../../src/core/adapters/listings';
import { OllamaProvider } from '../../src/core/adapters/ollama';
import { ProviderError, type ModelInfo } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { testTransport, useServers } from '../support/chat';
import { json, type LoopbackServer } from '../support/loopback';
import { showCurrent, tagsEntry } from '../fixtures/ollamaWire';

const KEY = 'sk-listing-test-0123456789abcdef';
const serve = useServers();

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'condition not reached');
}

/**
 * An OpenRouter model as GET /api/v1/models lists it (openrouter.ai/docs/api-reference/list-available-models:
 * `pricing` in US dollars per token, as strings). CONSTRUCTED from that documented shape.
 */
const openRouterModel = (id: string, pricing: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  canonical_slug: id,
  name: `Model ${id}`,
  created: 1747930371,
  description: 'A model.',
  context_length: 200000,
  architecture: { modality: 'text+image->text', input_modalities: ['text', 'image'], output_modalities: ['text'] },
  pricing,
  top_provider: { context_length: 200000, max_completion_tokens: 64000, is_moderated: false },
  per_request_limits: null,
  supported_parameters: ['tools', 'reasoning', 'max_tokens'],
  ...extra,
});

describe('model facts from the providers’ own lists', () => {
  describe('per-token prices as per-million prices', () => {
    it('moves the decimal point instead of multiplying: no float error', () => {
      const cases: Array<[string | number, number]> = [
        ['0.0000025', 2.5],
        ['0.00000015', 0.15],
        ['0.000000075', 0.075],
        ['0.00000219', 2.19],
        ['0.000003', 3],
        ['0.0000003', 0.3],
        ['0.00000375', 3.75],
        ['0', 0],
        ['1.5e-7', 0.15],
        ['3E-6', 3],
        [0.00000015, 0.15],
        [1.65e-5, 16.5],
        [3.3e-6, 3.3],
      ];
      for (const [raw, expected] of cases) assert.equal(perMillion(raw), expected, String(raw));
      // What multiplying would have given.
      assert.equal(Number('0.00000219') * 1e6, 2.1900000000000004);
      assert.equal(3.3e-6 * 1e6, 3.3000000000000003);
      assert.equal(shiftDecimal('0.001', 0), 0.001);
    });

    it('refuses anything that is not a plain non-negative decimal', () => {
      for (const raw of [
        '-0.000001',
        ' 0.000001',
        '0.000001 ',
        '1,5',
        '',
        '.5',
        '5.',
        '0x10',
        'NaN',
        'Infinity',
        '1e999',
        '+1',
      ])
        assert.equal(perMillion(raw), undefined, JSON.stringify(raw));
      assert.equal(perMillion(-1e-6), undefined);
    });
  });

  describe('OpenRouter: the prices in its own list', () => {
    const list = {
      data: [
        openRouterModel('anthropic/claude-sonnet-4', {
          prompt: '0.000003',
          completion: '0.000015',
          request: '0',
          image: '0.0048',
          web_search: '0',
          internal_reasoning: '0',
          input_cache_read: '0.0000003',
          input_cache_write: '0.00000375',
        }),
        openRouterModel('deepseek/deepseek-r1', {
          prompt: '0.00000055',
          completion: '0.00000219',
          request: '0.0004',
          internal_reasoning: '0.0000025',
        }),
        openRouterModel('meta-llama/llama-3.3-8b-instruct:free', { prompt: '0', completion: '0' }),
        // The router's own entry: prices vary with the model it picks.
        openRouterModel('openrouter/auto', { prompt: '-1', completion: '-1' }, { context_length: 2000000 }),
        // Every bad value on its own: dropped, the good ones and the model kept.
        openRouterModel(
          'broken/fields',
          { prompt: '0.0000004', completion: 'NaN', input_cache_read: '1e999', input_cache_write: -0.000001 },
          { name: 42, context_length: 'lots', top_provider: { max_completion_tokens: 1.5 } },
        ),
        { name: 'an entry without an id is left out' },
      ],
    };

    it('reads prompt, completion, cache, reasoning and request prices; a bad field is dropped alone', async () => {
      const server = await serve((_req, res) => json(res, 200, list));
      const provider = createProvider({
        type: 'openai-compatible',
        baseUrl: `${server.url}/api/v1`,
        apiKey: KEY,
        modelListing: 'openrouter',
      });
      const models = await provider.listModels();
      const limits = { contextWindow: 200000, maxOutputTokens: 64000 };
      const sourced = { name: 'provider', contextWindow: 'provider', maxOutputTokens: 'provider', prices: 'provider' };
      assert.deepEqual(models, [
        {
          id: 'anthropic/claude-sonnet-4',
          name: 'Model anthropic/claude-sonnet-4',
          ...limits,
          // "0" for reasoning and per request: no price of their own (reasoning is billed as output).
          prices: { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
          sources: sourced,
        },
        {
          id: 'deepseek/deepseek-r1',
          name: 'Model deepseek/deepseek-r1',
          ...limits,
          prices: { input: 0.55, output: 2.19, reasoning: 2.5, perRequest: 0.0004 },
          sources: sourced,
        },
        {
          id: 'meta-llama/llama-3.3-8b-instruct:free',
          name: 'Model meta-llama/llama-3.3-8b-instruct:free',
          ...limits,
          prices: { input: 0, output: 0 },
          sources: sourced,
        },
        {
          id: 'openrouter/auto',
          name: 'Model openrouter/auto',
          contextWindow: 2000000,
          maxOutputTokens: 64000,
          sources: { name: 'provider', contextWindow: 'provider', maxOutputTokens: 'provider' },
        },
        { id: 'broken/fields', prices: { input: 0.4 }, sources: { prices: 'provider' } },
      ]);
      // Everything came in the one list.
      assert.deepEqual(
        server.requests.map((req) => [req.method, req.path, req.headers.authorization]),
        [['GET', '/api/v1/models', `Bearer ${KEY}`]],
      );
    });

    it('a server not known to list prices that way is not read for them', async () => {
      const server = await serve((_req, res) => json(res, 200, { data: [list.data[0]] }));
      const [model] = await createProvider({ type: 'openai-compatible', baseUrl: server.url }).listModels();
      assert.equal(model?.prices, undefined);
      assert.equal(model?.sources?.prices, undefined);
      assert.equal(model?.contextWindow, 200000);
    });
  });

  describe('LiteLLM proxy: /model/info beside /models', () => {
    /** GET /v1/models on a LiteLLM proxy: OpenAI's shape, model groups only. */
    const models = {
      data: ['gpt-4o', 'claude-sonnet', 'local-llama'].map((id) => ({
        id,
        object: 'model',
        created: 1677610602,
        owned_by: 'openai',
      })),
      object: 'list',
    };
    /**
     * GET /model/info (docs.litellm.ai/docs/proxy/model_management, "Get Model Information"): one entry
     * per deployment, `model_info` from the config and LiteLLM's cost map. CONSTRUCTED from that shape.
     */
    const modelInfo = {
      data: [
        {
          model_name: 'gpt-4o',
          litellm_params: { model: 'openai/gpt-4o' },
          model_info: {
            id: 'e5f0…',
            db_model: false,
            mode: 'chat',
            max_tokens: 16384,
            max_input_tokens: 128000,
            max_output_tokens: 16384,
            input_cost_per_token: 2.5e-6,
            output_cost_per_token: 1e-5,
            cache_read_input_token_cost: 1.25e-6,
            cache_creation_input_token_cost: null,
            supports_function_calling: true,
          },
        },
        // Two deployments behind one name that disagree: the smallest limits, the highest prices.
        {
          model_name: 'claude-sonnet',
          litellm_params: { model: 'anthropic/claude-sonnet-4-20250514' },
          model_info: {
            max_input_tokens: 200000,
            max_output_tokens: 64000,
            input_cost_per_token: 3e-6,
            output_cost_per_token: 1.5e-5,
            cache_read_input_token_cost: 3e-7,
            cache_creation_input_token_cost: 3.75e-6,
          },
        },
        {
          model_name: 'claude-sonnet',
          litellm_params: { model: 'bedrock/anthropic.claude-sonnet-4' },
          model_info: {
            max_input_tokens: 200000,
            max_output_tokens: 8192,
            input_cost_per_token: 3.3e-6,
            output_cost_per_token: 1.65e-5,
            cache_read_input_token_cost: 'free',
          },
        },
        // A self-hosted model LiteLLM has no prices for.
        {
          model_name: 'local-llama',
          litellm_params: { model: 'openai/llama3' },
          model_info: { input_cost_per_token: null, max_input_tokens: -1, max_output_tokens: 1.5 },
        },
        { litellm_params: {}, model_info: { input_cost_per_token: 1 } },
      ],
    };

    it('reads prices and limits by model name, one more request, the key sent to both', async () => {
      const server = await serve((req, res) =>
        req.path === '/models' ? json(res, 200, models) : json(res, 200, modelInfo),
      );
      const listed = await createProvider({
        type: 'openai-compatible',
        baseUrl: server.url,
        apiKey: KEY,
        modelListing: 'litellm',
      }).listModels();
      assert.deepEqual(listed, [
        {
          id: 'gpt-4o',
          contextWindow: 128000,
          maxOutputTokens: 16384,
          prices: { input: 2.5, output: 10, cachedInput: 1.25 },
          sources: { contextWindow: 'provider', maxOutputTokens: 'provider', prices: 'provider' },
        },
        {
          id: 'claude-sonnet',
          contextWindow: 200000,
          maxOutputTokens: 8192,
          prices: { input: 3.3, output: 16.5, cachedInput: 0.3, cacheWrite: 3.75 },
          sources: { contextWindow: 'provider', maxOutputTokens: 'provider', prices: 'provider' },
        },
        { id: 'local-llama', sources: {} },
      ]);
      assert.deepEqual(
        server.requests.map((req) => [req.method, req.path, req.headers.authorization]),
        [
          ['GET', '/models', `Bearer ${KEY}`],
          ['GET', '/model/info', `Bearer ${KEY}`],
        ],
      );
    });

    it('under a base URL that ends in /v1, /v1/model/info', async () => {
      const server = await serve((req, res) =>
        req.path === '/v1/models' ? json(res, 200, models) : json(res, 200, modelInfo),
      );
      const listed = await createProvider({
        type: 'openai-compatible',
        baseUrl: `${server.url}/v1/`,
        modelListing: 'litellm',
      }).listModels();
      assert.equal(listed[0]?.prices?.input, 2.5);
      assert.deepEqual(
        server.requests.map((req) => req.path),
        ['/v1/models', '/v1/model/info'],
      );
    });

    it('a /model/info that fails, or says nothing readable, leaves the plain list', async () => {
      for (const answer of [
        (res: Parameters<Parameters<typeof serve>[0]>[1]) =>
          json(res, 401, { error: { message: 'Authentication Error, not allowed', type: 'auth_error', code: '401' } }),
        (res: Parameters<Parameters<typeof serve>[0]>[1]) => json(res, 200, { data: 'nothing' }),
        (res: Parameters<Parameters<typeof serve>[0]>[1]) => json(res, 200, '<html>not json'),
      ]) {
        const server = await serve((req, res) => (req.path === '/models' ? json(res, 200, models) : answer(res)));
        const listed = await createProvider({
          type: 'openai-compatible',
          baseUrl: server.url,
          modelListing: 'litellm',
        }).listModels();
        assert.deepEqual(
          listed,
          models.data.map((model) => ({ id: model.id, sources: {} })),
        );
      }
    });
  });

  describe('LM Studio: /api/v0/models beside /v1/models', () => {
    /** GET /v1/models on LM Studio: ids only (no limits). */
    const v1 = {
      data: [
        'qwen2-vl-7b-instruct',
        'meta-llama-3.1-8b-instruct',
        'gemma-3-4b-it',
        'text-embedding-nomic-embed-text-v1.5',
      ].map((id) => ({ id, object: 'model', owned_by: 'organization_owner' })),
      object: 'list',
    };
    /**
     * GET /api/v0/models (lmstudio.ai/docs/developer/rest/endpoints): the documented entries, one of them
     * loaded with the `loaded_context_length` LM Studio adds for a loaded model (as LM Studio 0.3.16 sends
     * it), and one loaded by a version that does not say.
     */
    const v0 = {
      object: 'list',
      data: [
        {
          id: 'qwen2-vl-7b-instruct',
          object: 'model',
          type: 'vlm',
          publisher: 'mlx-community',
          arch: 'qwen2_vl',
          compatibility_type: 'mlx',
          quantization: '4bit',
          state: 'not-loaded',
          max_context_length: 32768,
        },
        {
          id: 'meta-llama-3.1-8b-instruct',
          object: 'model',
          type: 'llm',
          publisher: 'lmstudio-community',
          arch: 'llama',
          compatibility_type: 'gguf',
          quantization: 'Q4_K_M',
          state: 'loaded',
          max_context_length: 131072,
          loaded_context_length: 4096,
        },
        {
          id: 'gemma-3-4b-it',
          object: 'model',
          type: 'vlm',
          state: 'loaded',
          max_context_length: 131072,
        },
        {
          id: 'text-embedding-nomic-embed-text-v1.5',
          object: 'model',
          type: 'embeddings',
          publisher: 'nomic-ai',
          arch: 'nomic-bert',
          compatibility_type: 'gguf',
          quantization: 'Q4_0',
          state: 'not-loaded',
          max_context_length: 'unknown',
        },
      ],
    };

    it('a loaded model: the context it was loaded with, below its maximum; the others their maximum', async () => {
      const server = await serve((req, res) => (req.path === '/v1/models' ? json(res, 200, v1) : json(res, 200, v0)));
      const listed = await createProvider({
        type: 'openai-compatible',
        baseUrl: `${server.url}/v1`,
        modelListing: 'lmstudio',
      }).listModels();
      assert.deepEqual(listed, [
        {
          id: 'qwen2-vl-7b-instruct',
          contextWindow: 32768,
          loaded: false,
          sources: { contextWindow: 'provider' },
        },
        {
          id: 'meta-llama-3.1-8b-instruct',
          contextWindow: 4096,
          maxContextWindow: 131072,
          loaded: true,
          sources: { contextWindow: 'provider' },
        },
        { id: 'gemma-3-4b-it', contextWindow: 131072, loaded: true, sources: { contextWindow: 'provider' } },
        { id: 'text-embedding-nomic-embed-text-v1.5', loaded: false, sources: {} },
      ]);
      assert.deepEqual(
        server.requests.map((req) => req.path),
        ['/v1/models', '/api/v0/models'],
      );
    });

    it('an LM Studio before 0.3.6 (no /api/v0): the plain list', async () => {
      const server = await serve((req, res) =>
        req.path === '/v1/models'
          ? json(res, 200, v1)
          : json(res, 404, { error: `Unexpected endpoint or method. (GET ${req.path})` }),
      );
      const listed = await createProvider({
        type: 'openai-compatible',
        baseUrl: `${server.url}/v1`,
        modelListing: 'lmstudio',
      }).listModels();
      assert.deepEqual(
        listed,
        v1.data.map((model) => ({ id: model.id, sources: {} })),
      );
    });

    it('cancelling while /api/v0/models is asked cancels the list', async () => {
      // The list's connection is closed after it, so that the socket still open afterwards is the one asked.
      const server = await serve((req, res) =>
        req.path === '/v1/models' ? json(res, 200, v1, { connection: 'close' }) : undefined,
      );
      const controller = new AbortController();
      const listing = createProvider({
        type: 'openai-compatible',
        baseUrl: `${server.url}/v1`,
        modelListing: 'lmstudio',
      }).listModels({ signal: controller.signal });
      await until(() => server.requests.length === 2);
      controller.abort();
      await assert.rejects(listing, (error: unknown) => error instanceof ProviderError && error.kind === 'cancelled');
      await server.socketsClosed(500);
    });
  });

  describe('Ollama: /api/ps for the models loaded now, num_ctx from /api/show', () => {
    /** GET /api/ps (docs.ollama.com/api/ps): one model loaded with far less than it was trained for. */
    const psEntry = (name: string, contextLength: unknown) => ({
      name,
      model: name,
      size: 6591830464,
      digest: 'a2af6cc3eb7fa8be8504abaf9b04e88f17a119ec3f04a3addf55f92841195f5a',
      details: {
        parent_model: '',
        format: 'gguf',
        family: 'qwen3',
        parameter_size: '8.2B',
        quantization_level: 'Q4_K_M',
      },
      expires_at: '2025-10-17T16:47:07.93355-07:00',
      size_vram: 5333539264,
      context_length: contextLength,
    });
    const shows: Record<string, unknown> = {
      'qwen3:8b': showCurrent('qwen3', 40960, ['completion', 'tools', 'thinking']),
      'llama3.2:latest': showCurrent('llama', 131072, ['completion', 'tools']),
      // A Modelfile that sets num_ctx: the context the model loads with.
      'gemma3:4b': {
        ...showCurrent('gemma3', 131072, ['completion', 'vision']),
        parameters: 'num_ctx 8192\ntemperature 1',
      },
      // One that asks for more than the model takes: Ollama loads it with its trained context.
      'tiny:1b': { ...showCurrent('llama', 2048, ['completion']), parameters: 'num_ctx                        999999' },
      'odd:1b': showCurrent('llama', 8192, ['completion']),
    };

    function ollama(server: LoopbackServer): OllamaProvider {
      return new OllamaProvider({ transport: testTransport('Ollama'), baseUrl: server.url, headers: () => ({}) });
    }

    function server(ps: (res: Parameters<Parameters<typeof serve>[0]>[1]) => void) {
      return serve((req, res) => {
        if (req.path === '/api/tags')
          return json(res, 200, { models: Object.keys(shows).map((name) => tagsEntry(name)) });
        if (req.path === '/api/ps') return ps(res);
        const { model } = JSON.parse(req.body) as { model: string };
        // Ollama reads a name without a tag as :latest.
        const show = shows[model] ?? shows[`${model}:latest`];
        return show ? json(res, 200, show) : json(res, 404, { error: `model '${model}' not found` });
      });
    }

    const expected: ModelInfo[] = [
      {
        id: 'qwen3:8b',
        contextWindow: 4096,
        maxContextWindow: 40960,
        loaded: true,
        capabilities: { tools: true, vision: false, reasoning: true },
        sources: { contextWindow: 'provider', capabilities: 'provider' },
      },
      {
        id: 'llama3.2:latest',
        contextWindow: 32768,
        maxContextWindow: 131072,
        loaded: true,
        capabilities: { tools: true, vision: false, reasoning: false },
        sources: { contextWindow: 'provider', capabilities: 'provider' },
      },
      {
        id: 'gemma3:4b',
        contextWindow: 8192,
        maxContextWindow: 131072,
        capabilities: { tools: false, vision: true, reasoning: false },
        sources: { contextWindow: 'provider', capabilities: 'provider' },
      },
      {
        id: 'tiny:1b',
        contextWindow: 2048,
        capabilities: { tools: false, vision: false, reasoning: false },
        sources: { contextWindow: 'provider', capabilities: 'provider' },
      },
      // Loaded, with a context_length that is not a count: loaded, the context from /api/show.
      {
        id: 'odd:1b',
        contextWindow: 8192,
        loaded: true,
        capabilities: { tools: false, vision: false, reasoning: false },
        sources: { contextWindow: 'provider', capabilities: 'provider' },
      },
    ];

    it('a loaded model fits prompts to the context it runs with; others to num_ctx, else their trained context', async () => {
      const running = await server((res) =>
        json(res, 200, {
          models: [psEntry('qwen3:8b', 4096), psEntry('llama3.2', 32768), psEntry('odd:1b', -1), { size: 1 }],
        }),
      );
      assert.deepEqual(await ollama(running).listModels(), expected);
      assert.deepEqual(
        running.requests.slice(0, 2).map((req) => [req.method, req.path]),
        [
          ['GET', '/api/tags'],
          ['GET', '/api/ps'],
        ],
      );
      assert.equal(running.requests.length, 2 + Object.keys(shows).length);
    });

    it('describeModel reads /api/ps too: "llama3.2" is the llama3.2:latest that is loaded', async () => {
      const running = await server((res) => json(res, 200, { models: [psEntry('llama3.2:latest', 32768)] }));
      assert.deepEqual(await ollama(running).describeModel('llama3.2'), { ...expected[1], id: 'llama3.2' });
    });

    it('a server without /api/ps (or Ollama Cloud) lists as before: nothing marked loaded', async () => {
      const older = await server((res) => json(res, 404, { error: '404 page not found' }));
      const models = await ollama(older).listModels();
      assert.deepEqual(
        models.map((model) => [model.id, model.contextWindow, model.maxContextWindow, model.loaded]),
        [
          ['qwen3:8b', 40960, undefined, undefined],
          ['llama3.2:latest', 131072, undefined, undefined],
          ['gemma3:4b', 8192, 131072, undefined],
          ['tiny:1b', 2048, undefined, undefined],
          ['odd:1b', 8192, undefined, undefined],
        ],
      );
    });
  });
});
