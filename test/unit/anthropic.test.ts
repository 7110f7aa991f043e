import assert from 'node:assert/strict';
import { type ProviderError, type ChatEvent, type ChatRequest, type Provider } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collect, collectUntilError, joinDeltas, textOf, useServers, withoutMetadata } from '../support/chat';
import { json, sse, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import {
  BASIC_TEXT_STREAM,
  blockDelta,
  blockStart,
  blockStop,
  ERRORS,
  frame,
  messageDelta,
  messageStart,
  messageStop,
  THINKING_STREAM,
  TOOL_USE_STREAM,
} from '../fixtures/anthropicWire';

const KEY = 'sk-ant-api03-TestKey0123456789abcdefghijklmnopqrstuv';
const request: ChatRequest = {
  model: 'claude-opus-4-6',
  messages: [{ role: 'user', content: 'Hello' }],
  maxTokens: 256,
};

describe('Anthropic Messages adapter', () => {
  const serve = useServers();
  const provider = (server: LoopbackServer, options: Partial<Parameters<typeof createProvider>[0]> = {}): Provider =>
    createProvider({ type: 'anthropic', baseUrl: server.url, apiKey: KEY, ...options });

  describe('streaming', () => {
    it("streams the docs' basic text stream: text, usage, finish", async () => {
      const server = await serve((_req, res) =>
        sse(res, BASIC_TEXT_STREAM, {
          headers: { 'request-id': 'req_018EeWyXxfu5pfWkrYcMdjWG', 'anthropic-ratelimit-requests-remaining': '49' },
        }),
      );
      const events = await collect(provider(server).chat(request));
      assert.deepEqual(events[0], {
        type: 'response-metadata',
        metadata: { status: 200, requestId: 'req_018EeWyXxfu5pfWkrYcMdjWG', rateLimit: { remainingRequests: 49 } },
      });
      assert.deepEqual(joinDeltas(withoutMetadata(events)), [
        { type: 'text', text: 'Hello!' },
        { type: 'usage', usage: { inputTokens: 25, outputTokens: 15 } },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('sends the key, version, required max_tokens and a top-level system prompt', async () => {
      const server = await serve((_req, res) => sse(res, BASIC_TEXT_STREAM));
      await collect(
        provider(server).chat({
          model: 'claude-opus-4-6',
          messages: [
            { role: 'system', content: 'Be terse.' },
            { role: 'user', content: 'Hello' },
          ],
          temperature: 0.3,
          tools: [
            {
              name: 'get_weather',
              description: 'Get the current weather in a given location',
              parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
            },
          ],
        }),
      );
      const [sent] = server.requests;
      assert.equal(sent?.path, '/v1/messages');
      assert.equal(sent?.headers['x-api-key'], KEY);
      assert.equal(sent?.headers['anthropic-version'], '2023-06-01');
      assert.equal(sent?.headers.authorization, undefined);
      assert.deepEqual(JSON.parse(sent.body), {
        model: 'claude-opus-4-6',
        system: 'Be terse.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
        max_tokens: 8192,
        stream: true,
        temperature: 0.3,
        tools: [
          {
            name: 'get_weather',
            description: 'Get the current weather in a given location',
            input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
          },
        ],
      });
    });

    it('a base URL pasted with /v1 is not doubled', async () => {
      const server = await serve((_req, res) => sse(res, BASIC_TEXT_STREAM));
      await collect(createProvider({ type: 'anthropic', baseUrl: `${server.url}/v1/`, apiKey: KEY }).chat(request));
      assert.equal(server.requests[0]?.path, '/v1/messages');
    });

    it('reads the stream a byte at a time', async () => {
      const server = await serve((_req, res) =>
        sse(res, BASIC_TEXT_STREAM.replaceAll('\n', '\r\n'), { pieceBytes: 1 }),
      );
      assert.equal(textOf(await collect(provider(server).chat(request))), 'Hello!');
    });

    it("assembles the docs' tool_use JSON pieces into arguments and finishes with tool_calls", async () => {
      const server = await serve((_req, res) => sse(res, TOOL_USE_STREAM, { pieceBytes: 11 }));
      assert.deepEqual(withoutMetadata(await collect(provider(server).chat(request))), [
        { type: 'text', text: 'Okay' },
        {
          type: 'tool-call',
          id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
          name: 'get_weather',
          arguments: { location: 'San Francisco, CA' },
        },
        { type: 'usage', usage: { inputTokens: 472, outputTokens: 89 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });

    it('a tool with no arguments (only empty JSON pieces) gets {}', async () => {
      const stream = [
        messageStart(),
        blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'list_files', input: {} }),
        blockDelta(0, { type: 'input_json_delta', partial_json: '' }),
        blockStop(0),
        messageDelta('tool_use'),
        messageStop(),
      ].join('');
      const server = await serve((_req, res) => sse(res, stream));
      const calls = (await collect(provider(server).chat(request))).filter((event) => event.type === 'tool-call');
      assert.deepEqual(calls, [{ type: 'tool-call', id: 'toolu_1', name: 'list_files', arguments: {} }]);
    });

    it('streams thinking as reasoning; a stream with no usage at all still finishes', async () => {
      const server = await serve((_req, res) => sse(res, THINKING_STREAM));
      assert.deepEqual(withoutMetadata(await collect(provider(server).chat(request))), [
        {
          type: 'reasoning',
          text: 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147',
        },
        { type: 'text', text: 'The greatest common divisor of 1071 and 462 is **21**.' },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('sends the thinking budget (with room for the answer) and no temperature', async () => {
      const server = await serve((_req, res) => sse(res, THINKING_STREAM));
      await collect(
        provider(server).chat({
          ...request,
          maxTokens: 2000,
          temperature: 0.5,
          providerOptions: { thinkingBudget: 16000 },
        }),
      );
      const body = JSON.parse(server.requests[0]!.body) as Record<string, unknown>;
      assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 16000 });
      assert.equal(body.max_tokens, 17024);
      assert.equal(body.temperature, undefined);
    });

    it('hands back the signed thinking with the tool call, and sends it before tool_use on the next turn', async () => {
      const stream = [
        messageStart(),
        blockStart(0, { type: 'thinking', thinking: '', signature: '' }),
        blockDelta(0, { type: 'thinking_delta', thinking: 'Need the weather.' }),
        blockDelta(0, { type: 'signature_delta', signature: 'EqQBCgIYAhIM' }),
        blockStop(0),
        blockStart(1, { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' }),
        blockStop(1),
        blockStart(2, { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: {} }),
        blockDelta(2, { type: 'input_json_delta', partial_json: '{"location":"Paris"}' }),
        blockStop(2),
        messageDelta('tool_use'),
        messageStop(),
      ].join('');
      const server = await serve((_req, res) => sse(res, stream));
      const events = await collect(provider(server).chat({ ...request, providerOptions: { thinkingBudget: 2048 } }));
      const call = events.find(
        (event): event is Extract<ChatEvent, { type: 'tool-call' }> => event.type === 'tool-call',
      );
      assert.deepEqual(call?.providerMetadata, {
        anthropicThinking: [
          { type: 'thinking', thinking: 'Need the weather.', signature: 'EqQBCgIYAhIM' },
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
        ],
      });

      await collect(
        provider(server).chat({
          model: 'claude-opus-4-6',
          messages: [
            { role: 'user', content: 'Weather in Paris?' },
            {
              role: 'assistant',
              content: '',
              toolCalls: [
                { id: call.id!, name: call.name, arguments: call.arguments, providerMetadata: call.providerMetadata },
              ],
            },
            { role: 'tool', toolCallId: 'toolu_9', toolName: 'get_weather', content: '18C' },
            { role: 'user', content: 'And tomorrow?' },
          ],
        }),
      );
      assert.deepEqual((JSON.parse(server.requests[1]!.body) as { messages: unknown }).messages, [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Need the weather.', signature: 'EqQBCgIYAhIM' },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
            { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { location: 'Paris' } },
          ],
        },
        // The tool result and the next question are one user turn: the API wants turns to alternate.
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_9', content: '18C' },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ]);
    });

    it('sends images as base64 blocks', async () => {
      const server = await serve((_req, res) => sse(res, BASIC_TEXT_STREAM));
      await collect(
        provider(server).chat({
          model: 'm',
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is this?' },
                { type: 'image', mimeType: 'image/jpeg', data: '/9j/4AAQ' },
              ],
            },
          ],
        }),
      );
      assert.deepEqual(
        (JSON.parse(server.requests[0]!.body) as { messages: Array<{ content: unknown }> }).messages[0]?.content,
        [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
        ],
      );
    });

    it('counts cache reads and writes in the input; cumulative message_delta usage wins per field', async () => {
      const stream = [
        messageStart({
          input_tokens: 2679,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 3,
        }),
        blockStart(0, { type: 'text', text: '' }),
        blockDelta(0, { type: 'text_delta', text: 'Hi' }),
        blockStop(0),
        messageDelta('end_turn', { output_tokens: 200 }),
        messageDelta('end_turn', {
          input_tokens: 10682,
          cache_creation_input_tokens: 2051,
          cache_read_input_tokens: 4000,
          output_tokens: 510,
          server_tool_use: { web_search_requests: 1 },
        }),
        messageStop(),
      ].join('');
      const server = await serve((_req, res) => sse(res, stream));
      const usage = (await collect(provider(server).chat(request))).filter((event) => event.type === 'usage');
      assert.deepEqual(usage, [
        {
          type: 'usage',
          usage: { inputTokens: 16733, outputTokens: 510, cachedInputTokens: 4000, cacheWriteInputTokens: 2051 },
        },
      ]);
    });

    it('maps stop reasons: max_tokens → length, refusal → content_filter, stop_sequence → stop', async () => {
      const server = await serve((_req, res, n) => {
        const reason = ['max_tokens', 'refusal', 'stop_sequence', 'model_context_window_exceeded'][n]!;
        return sse(
          res,
          [
            messageStart(),
            blockStart(0, { type: 'text', text: 'x' }),
            blockStop(0),
            messageDelta(reason),
            messageStop(),
          ].join(''),
        );
      });
      const finishes: unknown[] = [];
      for (let i = 0; i < 4; i++) finishes.push((await collect(provider(server).chat(request))).at(-1));
      assert.deepEqual(finishes, [
        { type: 'finish', reason: 'length' },
        { type: 'finish', reason: 'content_filter' },
        { type: 'finish', reason: 'stop' },
        { type: 'finish', reason: 'length' },
      ]);
    });

    it('skips event types it does not know', async () => {
      const stream = BASIC_TEXT_STREAM.replace(
        'event: ping',
        'event: future_event\ndata: {"type": "future_event", "x": 1}\n\nevent: ping',
      );
      const server = await serve((_req, res) => sse(res, stream));
      assert.equal(textOf(await collect(provider(server).chat(request))), 'Hello!');
    });
  });

  describe('non-streaming', () => {
    it('yields the same events from a message', async () => {
      const server = await serve((_req, res) =>
        json(res, 200, {
          id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Short.', signature: 'sig' },
            { type: 'text', text: 'Hi! My name is Claude.' },
          ],
          model: 'claude-opus-4-6',
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: {
            cache_creation_input_tokens: 2051,
            cache_read_input_tokens: 2051,
            input_tokens: 2095,
            output_tokens: 503,
            output_tokens_details: { thinking_tokens: 120 },
          },
        }),
      );
      assert.deepEqual(withoutMetadata(await collect(provider(server).chat({ ...request, stream: false }))), [
        { type: 'reasoning', text: 'Short.' },
        { type: 'text', text: 'Hi! My name is Claude.' },
        {
          type: 'usage',
          usage: {
            inputTokens: 6197,
            outputTokens: 503,
            cachedInputTokens: 2051,
            cacheWriteInputTokens: 2051,
            reasoningTokens: 120,
          },
        },
        { type: 'finish', reason: 'stop' },
      ]);
      assert.equal((JSON.parse(server.requests[0]!.body) as { stream: boolean }).stream, false);
    });

    it('reads tool_use blocks', async () => {
      const server = await serve((_req, res) =>
        json(res, 200, {
          type: 'message',
          content: [
            {
              type: 'tool_use',
              id: 'toolu_01D7FLrfh4GYq7yT1ULFeyMV',
              name: 'get_stock_price',
              input: { ticker: '^GSPC' },
            },
          ],
          stop_reason: 'tool_use',
          usage: { input_tokens: 10, output_tokens: 5 },
        }),
      );
      assert.deepEqual(withoutMetadata(await collect(provider(server).chat({ ...request, stream: false }))), [
        {
          type: 'tool-call',
          id: 'toolu_01D7FLrfh4GYq7yT1ULFeyMV',
          name: 'get_stock_price',
          arguments: { ticker: '^GSPC' },
        },
        { type: 'usage', usage: { inputTokens: 10, outputTokens: 5 } },
        { type: 'finish', reason: 'tool_calls' },
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
      return (await collectUntilError(provider(server).chat(request))).error;
    }

    it('classifies every documented error with its real body', async () => {
      const cases: Array<[number, unknown, ProviderError['kind']]> = [
        [400, ERRORS.creditTooLow, 'quota_exceeded'],
        [401, ERRORS.invalidKey, 'invalid_credentials'],
        [403, ERRORS.permission, 'invalid_credentials'],
        [404, ERRORS.modelNotFound, 'model_not_found'],
        [413, ERRORS.tooLarge, 'bad_request'],
        [429, ERRORS.rateLimit, 'rate_limited'],
        [500, ERRORS.apiError, 'server_error'],
        [529, ERRORS.overloaded, 'overloaded'],
      ];
      for (const [status, body, kind] of cases) {
        const error = await failWith(status, body);
        assert.equal(error.kind, kind, `${status}: ${error.message}`);
        assert.match(error.message, /\bAnthropic\b/, 'the message names the provider');
      }
    });

    it('keeps the request id and Retry-After of a 429', async () => {
      const error = await failWith(429, ERRORS.rateLimit, {
        'retry-after': '20',
        'request-id': 'req_011CcR9mkMvXdaiWP4739PSN',
      });
      assert.deepEqual(
        [error.kind, error.retryAfterMs, error.requestId, error.code],
        ['rate_limited', 20_000, 'req_011CcR9mkMvXdaiWP4739PSN', 'rate_limit_error'],
      );
    });

    it('an error event mid-stream yields what arrived, then throws', async () => {
      const stream = [
        messageStart(),
        blockStart(0, { type: 'text', text: '' }),
        blockDelta(0, { type: 'text_delta', text: 'Partial' }),
        frame(ERRORS.streamOverloaded),
      ].join('');
      const server = await serve((_req, res) => sse(res, stream));
      const { events, error } = await collectUntilError(provider(server).chat(request));
      assert.equal(textOf(events), 'Partial');
      assert.equal(error.kind, 'overloaded');
    });

    it('a stream without message_stop is a network error', async () => {
      const server = await serve((_req, res, n) =>
        sse(
          res,
          [
            messageStart(),
            blockStart(0, { type: 'text', text: '' }),
            blockDelta(0, { type: 'text_delta', text: 'Cut' }),
          ].join(''),
          { cut: n === 1 },
        ),
      );
      for (let attempt = 0; attempt < 2; attempt++) {
        const { events, error } = await collectUntilError(provider(server).chat(request));
        assert.equal(textOf(events), 'Cut');
        assert.equal(error.kind, 'network');
      }
    });

    it('the key never appears in an error message', async () => {
      const error = await failWith(401, {
        type: 'error',
        error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` },
      });
      assert.ok(!`${error.message} ${error.providerMessage}`.includes(KEY));
    });
  });

  describe('timeouts and cancellation', () => {
    it('idle timeout after the stream began; the connection is released', async () => {
      const clock = new ManualClock();
      const server = await serve((_req, res) =>
        sse(
          res,
          [
            messageStart(),
            blockStart(0, { type: 'text', text: '' }),
            blockDelta(0, { type: 'text_delta', text: 'Wait' }),
          ].join(''),
          { hang: true },
        ),
      );
      const events: ChatEvent[] = [];
      const done = (async () => {
        try {
          for await (const event of provider(server, { clock, timeouts: { idleMs: 5_000 } }).chat(request))
            events.push(event);
        } catch (error) {
          return error as ProviderError;
        }
        return undefined;
      })();
      for (let i = 0; i < 400 && textOf(events) !== 'Wait'; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      clock.advance(5_000);
      assert.equal((await done)?.kind, 'timeout');
      await server.socketsClosed();
    });

    it('cancelling mid-stream releases the connection', async () => {
      const server = await serve((_req, res) =>
        sse(
          res,
          [
            messageStart(),
            blockStart(0, { type: 'text', text: '' }),
            blockDelta(0, { type: 'text_delta', text: 'One' }),
          ].join(''),
          { hang: true },
        ),
      );
      const controller = new AbortController();
      const { error } = await collectUntilError(
        (async function* () {
          for await (const event of provider(server).chat(request, { signal: controller.signal })) {
            if (event.type === 'text') controller.abort();
            yield event;
          }
        })(),
      );
      assert.equal(error.kind, 'cancelled');
      await server.socketsClosed(500);
    });
  });

  describe('listModels', () => {
    it('follows pages with after_id and reads context and output limits', async () => {
      const server = await serve((req, res) => {
        const url = new URL(req.path, 'http://x');
        if (url.searchParams.get('after_id') === null) {
          return json(res, 200, {
            data: [
              {
                type: 'model',
                id: 'claude-opus-4-6',
                display_name: 'Claude Opus 4.6',
                created_at: '2026-02-04T00:00:00Z',
                max_input_tokens: 200000,
                max_tokens: 128000,
              },
            ],
            has_more: true,
            first_id: 'claude-opus-4-6',
            last_id: 'claude-opus-4-6',
          });
        }
        assert.equal(url.searchParams.get('after_id'), 'claude-opus-4-6');
        return json(res, 200, {
          data: [
            {
              type: 'model',
              id: 'claude-haiku-4-5',
              display_name: 'Claude Haiku 4.5',
              created_at: '2025-10-01T00:00:00Z',
              max_input_tokens: 0,
            },
          ],
          has_more: false,
          first_id: 'claude-haiku-4-5',
          last_id: 'claude-haiku-4-5',
        });
      });
      assert.deepEqual(await provider(server).listModels(), [
        {
          id: 'claude-opus-4-6',
          name: 'Claude Opus 4.6',
          contextWindow: 200000,
          maxOutputTokens: 128000,
          sources: { name: 'provider', contextWindow: 'provider', maxOutputTokens: 'provider' },
        },
        // 0 means unknown, not a zero-token window.
        { id: 'claude-haiku-4-5', name: 'Claude Haiku 4.5', sources: { name: 'provider' } },
      ]);
      assert.equal(server.requests[0]?.headers['x-api-key'], KEY);
      assert.equal(server.requests.length, 2);
    });
  });
});
