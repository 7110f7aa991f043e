import assert from 'node:assert/strict';
import { ProviderError, type ChatEvent, type ChatRequest, type Provider } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collect, collectUntilError, joinDeltas, textOf, useServers, withoutMetadata } from '../support/chat';
import { dataEvents, json, sse, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import {
  ERRORS,
  finishChunk,
  OPENAI_STREAM_ERROR,
  OPENAI_USAGE,
  openAiChunk,
  OPENROUTER_STREAM_ERROR,
  roleDelta,
  textDelta,
  toolCallStream,
  usageChunk,
} from '../fixtures/openaiWire';

const KEY = 'sk-proj-TestKey0123456789abcdefghijklmnop';
const request: ChatRequest = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hi' }], maxTokens: 64 };

const serve = useServers();

function provider(server: LoopbackServer, options: Partial<Parameters<typeof createProvider>[0]> = {}): Provider {
  return createProvider({ type: 'openai', baseUrl: `${server.url}/v1`, apiKey: KEY, ...options });
}

const text = textOf;

const helloStream = dataEvents([
  roleDelta(),
  textDelta('Hello'),
  textDelta(', wörld 👋'),
  finishChunk('stop'),
  usageChunk(OPENAI_USAGE),
  '[DONE]',
]);

describe('OpenAI Chat Completions adapter', () => {
  describe('streaming', () => {
    it('streams text, then usage, then the finish reason, from the real wire format', async () => {
      const server = await serve((_req, res) =>
        sse(res, helloStream, {
          headers: {
            'x-request-id': 'req_123',
            'x-ratelimit-remaining-requests': '4999',
            'x-ratelimit-reset-requests': '12ms',
          },
        }),
      );
      const events = await collect(provider(server).chat(request));
      assert.deepEqual(events[0], {
        type: 'response-metadata',
        metadata: { status: 200, requestId: 'req_123', rateLimit: { remainingRequests: 4999, resetRequestsMs: 12 } },
      });
      assert.deepEqual(joinDeltas(withoutMetadata(events)), [
        { type: 'text', text: 'Hello, wörld 👋' },
        { type: 'usage', usage: { inputTokens: 67, outputTokens: 31 } },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('sends the model, messages, key and asks for usage in the stream', async () => {
      const server = await serve((_req, res) => sse(res, helloStream));
      await collect(
        provider(server).chat({
          ...request,
          temperature: 0.2,
          tools: [
            {
              name: 'get_weather',
              description: 'Weather for a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
            },
          ],
          providerOptions: { reasoningEffort: 'low', extraBody: { seed: 7 } },
        }),
      );
      const [sent] = server.requests;
      assert.equal(sent?.method, 'POST');
      assert.equal(sent?.path, '/v1/chat/completions');
      assert.equal(sent?.headers.authorization, `Bearer ${KEY}`);
      assert.equal(sent?.headers.accept, 'text/event-stream');
      assert.deepEqual(JSON.parse(sent.body), {
        model: 'gpt-4.1',
        messages: [{ role: 'user', content: 'Say hi' }],
        stream: true,
        stream_options: { include_usage: true },
        // OpenAI's reasoning models refuse max_tokens.
        max_completion_tokens: 64,
        temperature: 0.2,
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Weather for a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
            },
          },
        ],
        reasoning_effort: 'low',
        seed: 7,
      });
    });

    it('sends max_tokens to OpenAI-compatible servers, and no Authorization without a key', async () => {
      const server = await serve((_req, res) => sse(res, helloStream));
      await collect(createProvider({ type: 'openai-compatible', baseUrl: `${server.url}/v1/` }).chat(request));
      const body = JSON.parse(server.requests[0]!.body) as Record<string, unknown>;
      assert.equal(body.max_tokens, 64);
      assert.equal(body.max_completion_tokens, undefined);
      assert.equal(server.requests[0]!.headers.authorization, undefined);
      assert.equal(server.requests[0]!.path, '/v1/chat/completions');
    });

    it('turns tool results, tool calls and images into OpenAI messages', async () => {
      const server = await serve((_req, res) => sse(res, helloStream));
      await collect(
        provider(server).chat({
          model: 'gpt-4.1',
          messages: [
            { role: 'system', content: 'Be terse.' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is this?' },
                { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
              ],
            },
            {
              role: 'assistant',
              content: '',
              toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }],
            },
            { role: 'tool', toolCallId: 'call_1', toolName: 'get_weather', content: '18C, sunny' },
          ],
        }),
      );
      assert.deepEqual((JSON.parse(server.requests[0]!.body) as { messages: unknown }).messages, [
        { role: 'system', content: 'Be terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C, sunny' },
      ]);
    });

    it('reads the same events whatever the framing: a byte at a time, CRLF, comments, blank deltas', async () => {
      const framed = [
        ': OPENROUTER PROCESSING\r\n\r\n',
        `data: ${JSON.stringify(roleDelta())}\r\n\r\n`,
        ': keep-alive\r\n\r\n',
        `data: ${JSON.stringify(textDelta('Hello'))}\r\n\r\n`,
        `data: ${JSON.stringify(openAiChunk({ delta: {} }))}\r\n\r\n`,
        `data: ${JSON.stringify(textDelta(', wörld 👋'))}\r\n\r\n`,
        `data: ${JSON.stringify(finishChunk('stop'))}\n\n`,
        `data: ${JSON.stringify(usageChunk(OPENAI_USAGE))}\n\n`,
        'data: [DONE]\n\n',
      ].join('');
      const server = await serve((_req, res) => sse(res, framed, { pieceBytes: 1 }));
      const events = withoutMetadata(await collect(provider(server).chat(request)));
      assert.equal(text(events), 'Hello, wörld 👋');
      assert.deepEqual(events.slice(-2), [
        { type: 'usage', usage: { inputTokens: 67, outputTokens: 31 } },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('joins tool-call arguments split across chunks and finishes with tool_calls', async () => {
      const server = await serve((_req, res) => sse(res, dataEvents([...toolCallStream, '[DONE]']), { pieceBytes: 7 }));
      const events = withoutMetadata(await collect(provider(server).chat(request)));
      assert.deepEqual(events, [
        {
          type: 'tool-call',
          id: 'call_PieqNSej6kM9hgYbcQdbZSaC',
          name: 'get_weather',
          arguments: { location: 'Tokyo' },
        },
        { type: 'usage', usage: { inputTokens: 67, outputTokens: 31 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });

    it('keeps parallel tool calls apart: indexes from 1, missing indexes, and index 0 reused with new ids', async () => {
      const call = (index: number | undefined, id: string | null, name: string | null, args: string) =>
        openAiChunk({
          delta: {
            tool_calls: [
              { ...(index === undefined ? {} : { index }), id, type: 'function', function: { name, arguments: args } },
            ],
          },
        });
      const server = await serve((_req, res, n) => {
        const transcripts = [
          // Indexes starting at 1.
          [call(1, 'call_a', 'first', '{"n":'), call(1, null, null, '1}'), call(2, 'call_b', 'second', '{}')],
          // No index at all: fragments continue the last call.
          [call(undefined, 'call_a', 'first', '{"n"'), call(undefined, null, null, ':1}')],
          // Ollama-style: every call at index 0, told apart by id and name.
          [call(0, 'call_a', 'first', '{"n":1}'), call(0, 'call_b', 'second', '{"n":2}')],
          // A server that repeats a fresh id on every argument fragment (no name): still one call.
          [call(0, 'call_a', 'first', '{"n"'), call(0, 'call_x', null, ':1}')],
        ];
        return sse(res, dataEvents([...transcripts[n]!, finishChunk('stop'), '[DONE]']));
      });
      const calls = async () =>
        withoutMetadata(await collect(provider(server).chat(request))).filter(
          (event) => event.type === 'tool-call' || event.type === 'finish',
        );
      assert.deepEqual(await calls(), [
        { type: 'tool-call', id: 'call_a', name: 'first', arguments: { n: 1 } },
        { type: 'tool-call', id: 'call_b', name: 'second', arguments: {} },
        // The server said `stop`; a turn with tool calls finishes with tool_calls all the same.
        { type: 'finish', reason: 'tool_calls' },
      ]);
      assert.deepEqual(await calls(), [
        { type: 'tool-call', id: 'call_a', name: 'first', arguments: { n: 1 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
      assert.deepEqual(await calls(), [
        { type: 'tool-call', id: 'call_a', name: 'first', arguments: { n: 1 } },
        { type: 'tool-call', id: 'call_b', name: 'second', arguments: { n: 2 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
      assert.deepEqual(await calls(), [
        { type: 'tool-call', id: 'call_a', name: 'first', arguments: { n: 1 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });

    it('maps length and content_filter finishes', async () => {
      const server = await serve((_req, res, n) =>
        sse(res, dataEvents([textDelta('x'), finishChunk(n === 0 ? 'length' : 'content_filter'), '[DONE]'])),
      );
      assert.deepEqual((await collect(provider(server).chat(request))).at(-1), { type: 'finish', reason: 'length' });
      assert.deepEqual((await collect(provider(server).chat(request))).at(-1), {
        type: 'finish',
        reason: 'content_filter',
      });
    });
  });

  describe('usage, as each provider reports it', () => {
    async function usageFor(chunks: unknown[]): Promise<ChatEvent[]> {
      const server = await serve((_req, res) => sse(res, dataEvents([...chunks, '[DONE]'])));
      return (await collect(provider(server).chat(request))).filter((event) => event.type === 'usage');
    }

    it('OpenAI: cached prompt tokens are part of the input; reasoning is part of the output', async () => {
      const usage = await usageFor([
        textDelta('x'),
        finishChunk('stop'),
        usageChunk({
          prompt_tokens: 2006,
          completion_tokens: 300,
          total_tokens: 2306,
          prompt_tokens_details: { cached_tokens: 1920 },
          completion_tokens_details: { reasoning_tokens: 256 },
        }),
      ]);
      assert.deepEqual(usage, [
        {
          type: 'usage',
          usage: { inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920, reasoningTokens: 256 },
        },
      ]);
    });

    it('DeepSeek: reasoning_content streams as reasoning; prompt_cache_hit_tokens count as cached', async () => {
      const deepseek = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
        id: '0e9642e9-9af6-4eb1-9c13-8c90d6b13ef3',
        object: 'chat.completion.chunk',
        created: 1764042665,
        model: 'deepseek-reasoner',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
        ...extra,
      });
      const server = await serve((_req, res) =>
        sse(
          res,
          ': keep-alive\n\n' +
            dataEvents([
              deepseek({ role: 'assistant', content: null, reasoning_content: '' }),
              deepseek({ content: null, reasoning_content: '好的' }),
              deepseek({ content: 'Hello!', reasoning_content: null }),
              {
                ...deepseek({ content: '' }),
                choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }],
                usage: {
                  prompt_tokens: 6,
                  completion_tokens: 92,
                  total_tokens: 98,
                  prompt_tokens_details: { cached_tokens: 0 },
                  completion_tokens_details: { reasoning_tokens: 81 },
                  prompt_cache_hit_tokens: 0,
                  prompt_cache_miss_tokens: 6,
                },
              },
              '[DONE]',
            ]),
        ),
      );
      assert.deepEqual(withoutMetadata(await collect(provider(server).chat(request))), [
        { type: 'reasoning', text: '好的' },
        { type: 'text', text: 'Hello!' },
        { type: 'usage', usage: { inputTokens: 6, outputTokens: 92, reasoningTokens: 81 } },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('xAI: reasoning tokens left out of completion_tokens are added to the output (total − prompt)', async () => {
      const usage = await usageFor([
        textDelta('x'),
        usageChunk({
          prompt_tokens: 10120,
          completion_tokens: 1499,
          total_tokens: 14428,
          prompt_tokens_details: { cached_tokens: 128 },
          completion_tokens_details: { reasoning_tokens: 2809 },
        }),
      ]);
      assert.deepEqual(usage, [
        {
          type: 'usage',
          usage: { inputTokens: 10120, outputTokens: 4308, cachedInputTokens: 128, reasoningTokens: 2809 },
        },
      ]);
    });

    it('OpenRouter: the reported cost and cache writes are kept; reasoning deltas stream as reasoning', async () => {
      const server = await serve((_req, res) =>
        sse(
          res,
          dataEvents([
            openAiChunk({ delta: { role: 'assistant', content: '', reasoning: 'Thinking…' } }),
            textDelta('Hi'),
            finishChunk('stop'),
            {
              object: 'chat.completion.chunk',
              usage: {
                completion_tokens: 2,
                completion_tokens_details: { reasoning_tokens: 0 },
                cost: 0.95,
                cost_details: { upstream_inference_cost: 19 },
                prompt_tokens: 194,
                prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 100, audio_tokens: 0 },
                total_tokens: 196,
              },
            },
            '[DONE]',
          ]),
        ),
      );
      assert.deepEqual(withoutMetadata(await collect(provider(server).chat(request))), [
        { type: 'reasoning', text: 'Thinking…' },
        { type: 'text', text: 'Hi' },
        { type: 'usage', usage: { inputTokens: 194, outputTokens: 2, cacheWriteInputTokens: 100, costUsd: 0.95 } },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('Groq: usage in x_groq on the finish chunk', async () => {
      const usage = await usageFor([
        textDelta('x'),
        {
          ...finishChunk('stop'),
          x_groq: {
            id: 'req_01jadadp0femyae9kav1gpkhe8',
            usage: {
              queue_time: 0.06,
              prompt_tokens: 18,
              prompt_time: 0.0002,
              completion_tokens: 439,
              completion_time: 0.79,
              total_tokens: 457,
              total_time: 0.79,
            },
          },
        },
      ]);
      assert.deepEqual(usage, [{ type: 'usage', usage: { inputTokens: 18, outputTokens: 439 } }]);
    });

    it('cumulative usage repeated on every chunk: the last value wins, never a sum', async () => {
      const withUsage = (content: string, completion: number) => ({
        ...textDelta(content),
        usage: { prompt_tokens: 38, completion_tokens: completion, total_tokens: 38 + completion },
      });
      const usage = await usageFor([withUsage('Coca', 1), withUsage('-Cola', 2), withUsage('!', 3)]);
      assert.deepEqual(usage, [{ type: 'usage', usage: { inputTokens: 38, outputTokens: 3 } }]);
    });
  });

  describe('non-streaming', () => {
    it('yields the same events from one JSON body, leading blank lines and all', async () => {
      const server = await serve((_req, res) =>
        json(
          res,
          200,
          '\n\n' +
            JSON.stringify({
              id: 'chatcmpl-BcQ8ko2nz9B7CRvV0uVbcowidHpQU',
              object: 'chat.completion',
              model: 'gpt-4o-2024-08-06',
              choices: [
                {
                  finish_reason: 'tool_calls',
                  index: 0,
                  logprobs: null,
                  message: {
                    content: null,
                    refusal: null,
                    role: 'assistant',
                    annotations: [],
                    tool_calls: [
                      {
                        id: 'call_qOfTGgDrItLORNfC6VwUbyLL',
                        function: { arguments: '{"location":"Shanghai"}', name: 'get_weather' },
                        type: 'function',
                      },
                    ],
                  },
                },
              ],
              usage: {
                completion_tokens: 14,
                prompt_tokens: 91,
                total_tokens: 105,
                prompt_tokens_details: { cached_tokens: 0 },
              },
            }),
        ),
      );
      const events = withoutMetadata(await collect(provider(server).chat({ ...request, stream: false })));
      assert.deepEqual(events, [
        {
          type: 'tool-call',
          id: 'call_qOfTGgDrItLORNfC6VwUbyLL',
          name: 'get_weather',
          arguments: { location: 'Shanghai' },
        },
        { type: 'usage', usage: { inputTokens: 91, outputTokens: 14 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
      const body = JSON.parse(server.requests[0]!.body) as Record<string, unknown>;
      assert.equal(body.stream, false);
      assert.equal(body.stream_options, undefined);
    });

    it("a LiteLLM proxy's x-litellm-response-cost header on a whole answer is the reported cost; a malformed one is ignored", async () => {
      const answer = {
        id: 'chatcmpl-litellm',
        object: 'chat.completion',
        model: 'gpt-4o',
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi' } }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      };
      let header = '0.000123';
      const server = await serve((_req, res) => json(res, 200, answer, { 'x-litellm-response-cost': header }));
      const usageOf = async () =>
        (await collect(provider(server).chat({ ...request, stream: false }))).find((event) => event.type === 'usage');
      assert.deepEqual(await usageOf(), {
        type: 'usage',
        usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.000123 },
      });
      for (header of ['-1', 'NaN', '1e999', 'abc', ''])
        assert.deepEqual(await usageOf(), { type: 'usage', usage: { inputTokens: 10, outputTokens: 2 } }, header);
    });

    it('reads reasoning and text from a DeepSeek reasoner answer', async () => {
      const server = await serve((_req, res) =>
        json(res, 200, {
          id: '931809f8-3d1c-44d9-b124-367d05e0f123',
          object: 'chat.completion',
          model: 'deepseek-reasoner',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: 'Hello! How can I assist you today?',
                reasoning_content: 'Okay, the user wrote "hello".',
              },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: {
            prompt_tokens: 6,
            completion_tokens: 92,
            total_tokens: 98,
            prompt_tokens_details: { cached_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 81 },
            prompt_cache_hit_tokens: 0,
            prompt_cache_miss_tokens: 6,
          },
        }),
      );
      assert.deepEqual(withoutMetadata(await collect(provider(server).chat({ ...request, stream: false }))), [
        { type: 'reasoning', text: 'Okay, the user wrote "hello".' },
        { type: 'text', text: 'Hello! How can I assist you today?' },
        { type: 'usage', usage: { inputTokens: 6, outputTokens: 92, reasoningTokens: 81 } },
        { type: 'finish', reason: 'stop' },
      ]);
    });
  });

  describe('errors', () => {
    async function failWith(
      status: number,
      body: unknown,
      headers: Record<string, string> = {},
    ): Promise<ProviderError> {
      const server = await serve((_req, res) => json(res, status, body, headers));
      const { events, error } = await collectUntilError(provider(server).chat(request));
      assert.deepEqual(events, [], 'no event before an HTTP error');
      return error;
    }

    it('a bad key is invalid_credentials, and the message never holds the key', async () => {
      const echoed = { error: { ...ERRORS.openaiInvalidKey.error, message: `Incorrect API key provided: ${KEY}.` } };
      const error = await failWith(401, echoed, { 'x-request-id': 'req_abc' });
      assert.equal(error.kind, 'invalid_credentials');
      assert.equal(error.status, 401);
      assert.equal(error.code, 'invalid_api_key');
      assert.equal(error.requestId, 'req_abc');
      assert.ok(!error.message.includes(KEY) && !error.providerMessage?.includes(KEY), error.message);
      assert.match(error.message, /^OpenAI rejected the API key \(401\): Incorrect API key provided: \[REDACTED\]/);
    });

    it('a key of any shape is redacted when a server echoes it', async () => {
      const odd = 'opaque-self-hosted-token-42';
      const server = await serve((_req, res) => json(res, 401, { error: { message: `token ${odd} is not valid` } }));
      const { error } = await collectUntilError(
        createProvider({ type: 'openai-compatible', baseUrl: server.url, apiKey: odd }).chat(request),
      );
      assert.ok(!`${error.message} ${error.providerMessage}`.includes(odd), error.message);
    });

    it('429 insufficient_quota is quota_exceeded; a rate limit is rate_limited with its Retry-After', async () => {
      assert.equal((await failWith(429, ERRORS.openaiInsufficientQuota)).kind, 'quota_exceeded');
      const limited = await failWith(429, ERRORS.openaiRateLimit, { 'retry-after': '20' });
      assert.equal(limited.kind, 'rate_limited');
      assert.equal(limited.retryAfterMs, 20_000);
      assert.equal(
        (await failWith(429, ERRORS.openaiRateLimit, { 'retry-after-ms': '644', 'retry-after': '1' })).retryAfterMs,
        644,
      );
    });

    it('a request larger than a per-minute limit is a bad_request (no retry can fix it)', async () => {
      const openai = await failWith(429, ERRORS.openaiRequestTooLarge);
      assert.deepEqual([openai.kind, openai.code], ['bad_request', 'request_too_large']);
      const groq = await failWith(413, ERRORS.groqRequestTooLarge);
      assert.deepEqual([groq.kind, groq.code], ['bad_request', 'request_too_large']);
    });

    it('model_not_found, context_length_exceeded, overloaded, timeout and server errors', async () => {
      assert.equal((await failWith(404, ERRORS.openaiModelNotFound)).kind, 'model_not_found');
      const context = await failWith(400, ERRORS.openaiContextLength);
      assert.deepEqual([context.kind, context.code], ['bad_request', 'context_length_exceeded']);
      const deepseekContext = await failWith(400, ERRORS.deepseekContextLength);
      assert.deepEqual([deepseekContext.kind, deepseekContext.code], ['bad_request', 'context_length_exceeded']);
      assert.equal(
        (
          await failWith(503, {
            error: { message: 'The engine is currently overloaded, please try again later', type: 'server_error' },
          })
        ).kind,
        'overloaded',
      );
      assert.equal((await failWith(504, 'upstream request timeout')).kind, 'timeout');
      assert.equal((await failWith(500, ERRORS.openaiServerError)).kind, 'server_error');
    });

    it("compatible providers' own shapes: DeepSeek 402, xAI's 400 bad key, OpenRouter credits, Mistral 401", async () => {
      assert.equal((await failWith(402, ERRORS.deepseekInsufficientBalance)).kind, 'quota_exceeded');
      assert.equal((await failWith(400, ERRORS.xaiInvalidKey)).kind, 'invalid_credentials');
      assert.equal((await failWith(402, ERRORS.openrouterCredits)).kind, 'quota_exceeded');
      const mistral = await failWith(401, ERRORS.mistralUnauthorized);
      assert.deepEqual([mistral.kind, mistral.providerMessage], ['invalid_credentials', 'Unauthorized']);
    });

    it('an HTML page from a proxy becomes a readable server_error', async () => {
      const error = await failWith(
        502,
        '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
      );
      assert.equal(error.kind, 'server_error');
      assert.equal(error.message, 'OpenAI (or a proxy in front of it) returned an HTML error page (502)');
    });

    it('an error chunk mid-stream yields what arrived, then throws', async () => {
      const server = await serve((_req, res) =>
        sse(res, dataEvents([roleDelta(), textDelta('The'), textDelta(' question'), OPENAI_STREAM_ERROR])),
      );
      const { events, error } = await collectUntilError(provider(server).chat(request));
      assert.equal(text(events), 'The question');
      assert.equal(error.kind, 'server_error');
      assert.match(error.message, /during the response/);
    });

    it('OpenRouter\'s finish_reason "error" event is an error, not a finish', async () => {
      const server = await serve((_req, res) => sse(res, dataEvents([textDelta('Partial'), OPENROUTER_STREAM_ERROR])));
      const { events, error } = await collectUntilError(provider(server).chat(request));
      assert.equal(text(events), 'Partial');
      assert.equal(error.kind, 'server_error');
      assert.equal(error.providerMessage, 'Provider disconnected unexpectedly');
      assert.ok(!events.some((event) => event.type === 'finish'));
    });

    it('a stream that ends without [DONE], or is cut, is a network error', async () => {
      const server = await serve((_req, res, n) =>
        sse(res, dataEvents([textDelta('Half an ans'), finishChunk('stop')]), { cut: n === 1 }),
      );
      for (let attempt = 0; attempt < 2; attempt++) {
        const { events, error } = await collectUntilError(provider(server).chat(request));
        assert.equal(text(events), 'Half an ans');
        assert.equal(error.kind, 'network', `attempt ${attempt}: ${error.message}`);
      }
    });

    it('nothing listening is a network error that says so', async () => {
      const server = await serve(() => undefined);
      const url = server.url;
      await server.close();
      const { error } = await collectUntilError(
        createProvider({ type: 'openai', baseUrl: url, apiKey: KEY }).chat(request),
      );
      assert.equal(error.kind, 'network');
      assert.equal(error.code, 'ECONNREFUSED');
      assert.match(error.message, /refused the connection/);
    });

    it('retries once without stream_options when a server refuses the field, and remembers', async () => {
      const server = await serve((req, res) => {
        const body = JSON.parse(req.body) as Record<string, unknown>;
        if (body.stream_options) return json(res, 400, ERRORS.vllmStreamOptions);
        return sse(res, helloStream);
      });
      const vllm = createProvider({ type: 'openai-compatible', baseUrl: server.url, name: 'vLLM' });
      assert.equal(text(await collect(vllm.chat(request))), 'Hello, wörld 👋');
      assert.equal(text(await collect(vllm.chat(request))), 'Hello, wörld 👋');
      const sentOptions = server.requests.map(
        (req) => (JSON.parse(req.body) as Record<string, unknown>).stream_options !== undefined,
      );
      assert.deepEqual(sentOptions, [true, false, false]);
    });

    it('other 400s are not retried', async () => {
      const server = await serve((_req, res) => json(res, 400, ERRORS.openaiMaxTokensUnsupported));
      const { error } = await collectUntilError(provider(server).chat(request));
      assert.deepEqual([error.kind, error.code], ['bad_request', 'unsupported_parameter']);
      assert.equal(server.requests.length, 1);
    });
  });

  describe('timeouts and cancellation', () => {
    async function until(condition: () => boolean): Promise<void> {
      for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.ok(condition(), 'condition not reached');
    }

    it('no response headers within firstByteMs is a timeout, and the connection is released', async () => {
      const clock = new ManualClock();
      const server = await serve(() => undefined);
      const chat = collectUntilError(provider(server, { clock, timeouts: { firstByteMs: 30_000 } }).chat(request));
      await until(() => server.requests.length === 1);
      clock.advance(29_999);
      assert.equal(server.openSockets(), 1);
      clock.advance(1);
      const { error } = await chat;
      assert.equal(error.kind, 'timeout');
      assert.match(error.message, /did not start answering within 30 s/);
      await server.socketsClosed();
      assert.equal(clock.pending(), 0);
    });

    it('a stream that stalls for idleMs after it began is a timeout, after what arrived', async () => {
      const clock = new ManualClock();
      const server = await serve((_req, res) =>
        sse(res, dataEvents([roleDelta(), textDelta('Still ')]), { hang: true }),
      );
      const events: ChatEvent[] = [];
      const done = (async () => {
        try {
          for await (const event of provider(server, { clock, timeouts: { idleMs: 10_000 } }).chat(request))
            events.push(event);
        } catch (error) {
          return error as ProviderError;
        }
        return undefined;
      })();
      await until(() => text(events) === 'Still ');
      clock.advance(10_000);
      const error = await done;
      assert.equal(error?.kind, 'timeout');
      assert.match(error?.message ?? '', /stopped sending within 10 s/);
      await server.socketsClosed();
    });

    it('aborting mid-stream ends with cancelled and closes the connection at once', async () => {
      const server = await serve((_req, res) => sse(res, dataEvents([roleDelta(), textDelta('One ')]), { hang: true }));
      const controller = new AbortController();
      const events: ChatEvent[] = [];
      const done = (async () => {
        try {
          for await (const event of provider(server).chat(request, { signal: controller.signal })) {
            events.push(event);
            if (event.type === 'text') controller.abort();
          }
        } catch (error) {
          return error as ProviderError;
        }
        return undefined;
      })();
      const error = await done;
      assert.equal(error?.kind, 'cancelled');
      assert.equal(text(events), 'One ');
      await server.socketsClosed(500);
    });

    it('a consumer that stops reading early releases the connection too', async () => {
      const server = await serve((_req, res) =>
        sse(res, dataEvents([roleDelta(), textDelta('One '), textDelta('two ')]), { hang: true }),
      );
      for await (const event of provider(server).chat(request)) {
        if (event.type === 'text') break;
      }
      await server.socketsClosed(500);
    });

    it('an already-aborted signal sends nothing', async () => {
      const server = await serve((_req, res) => sse(res, helloStream));
      const controller = new AbortController();
      controller.abort();
      const { error } = await collectUntilError(provider(server).chat(request, { signal: controller.signal }));
      assert.equal(error.kind, 'cancelled');
      assert.equal(server.requests.length, 0);
    });
  });

  describe('listModels', () => {
    it('reads OpenAI-style lists with the context windows servers add', async () => {
      const server = await serve((req, res) => {
        assert.equal(req.headers.authorization, `Bearer ${KEY}`);
        json(res, 200, {
          object: 'list',
          data: [
            { id: 'gpt-4o', object: 'model', created: 1, owned_by: 'openai' },
            {
              id: 'anthropic/claude-sonnet-4',
              name: 'Anthropic: Claude Sonnet 4',
              context_length: 200000,
              top_provider: { max_completion_tokens: 64000 },
            },
            { id: 'llama-3.1-8b-instant', context_window: 131072 },
          ],
        });
      });
      const models = await provider(server).listModels();
      assert.equal(server.requests[0]?.path, '/v1/models');
      assert.deepEqual(models, [
        { id: 'gpt-4o', sources: {} },
        {
          id: 'anthropic/claude-sonnet-4',
          name: 'Anthropic: Claude Sonnet 4',
          contextWindow: 200000,
          maxOutputTokens: 64000,
          sources: { name: 'provider', contextWindow: 'provider', maxOutputTokens: 'provider' },
        },
        { id: 'llama-3.1-8b-instant', contextWindow: 131072, sources: { contextWindow: 'provider' } },
      ]);
    });

    it("leaves out of OpenAI's own list the models that cannot chat; an OpenAI-compatible list is kept whole", async () => {
      // /v1/models as an OpenAI account answers it (object "model", owned_by system/openai), 2025 ids.
      const chat = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'o3-mini', 'chatgpt-4o-latest', 'gpt-4o-audio-preview'];
      const more = ['gpt-4o-search-preview', 'gpt-3.5-turbo', 'codex-mini-latest'];
      const cannot = [
        'text-embedding-3-small',
        'text-embedding-3-large',
        'text-embedding-ada-002',
        'tts-1',
        'tts-1-hd',
        'gpt-4o-mini-tts',
        'whisper-1',
        'gpt-4o-transcribe',
        'gpt-4o-mini-transcribe',
        'dall-e-2',
        'dall-e-3',
        'gpt-image-1',
        'omni-moderation-latest',
        'text-moderation-latest',
        'gpt-4o-realtime-preview',
        'gpt-4o-mini-realtime-preview',
        'babbage-002',
        'davinci-002',
        'gpt-3.5-turbo-instruct',
        'sora-2',
      ];
      const ids = [...chat, ...cannot, ...more];
      const server = await serve((_req, res) =>
        json(res, 200, {
          object: 'list',
          data: ids.map((id, index) => ({
            id,
            object: 'model',
            created: 1698785189 + index,
            owned_by: id.startsWith('gpt-4o') ? 'system' : 'openai',
          })),
        }),
      );
      const listed = (await provider(server).listModels()).map((model) => model.id);
      assert.deepEqual(listed, [...chat, ...more]);
      const compatible = await provider(server, { type: 'openai-compatible' }).listModels();
      assert.equal(compatible.length, ids.length, "another server's list is its own business");
    });

    it("reads Together's bare array", async () => {
      const server = await serve((_req, res) =>
        json(res, 200, [
          { id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', display_name: 'Llama 3.3 70B', context_length: 131072 },
        ]),
      );
      assert.deepEqual(await provider(server).listModels(), [
        {
          id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
          name: 'Llama 3.3 70B',
          contextWindow: 131072,
          sources: { name: 'provider', contextWindow: 'provider' },
        },
      ]);
    });

    it('classifies a failed list like any other error', async () => {
      const server = await serve((_req, res) => json(res, 400, ERRORS.xaiInvalidKey));
      await assert.rejects(
        provider(server).listModels(),
        (error: unknown) => error instanceof ProviderError && error.kind === 'invalid_credentials',
      );
    });
  });
});
