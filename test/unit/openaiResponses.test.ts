import assert from 'node:assert/strict';
import type { ChatEvent, ChatRequest, Clock, ProviderError, Timeouts } from '../../src/core';
import { OpenAiResponsesProvider } from '../../src/core/adapters/openaiResponses';
import {
  collect,
  collectUntilError,
  joinDeltas,
  testTransport,
  textOf,
  useServers,
  withoutMetadata,
} from '../support/chat';
import { json, sse, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import {
  ADD_CALL,
  ADD_ITEM,
  argsDelta,
  BLOCKING_TOOL_RESPONSE,
  callAdded,
  callDone,
  completed,
  created,
  ENCRYPTED,
  ERROR_FLAT,
  ERROR_NESTED_429,
  ERRORS,
  FAILED,
  frame,
  incomplete,
  INCOMPLETE_MAX_TOKENS,
  JOKE,
  messageAdded,
  partAdded,
  QUOTA_STREAM,
  REASONING_STREAM,
  reasoningAdded,
  reasoningDone,
  snapshot,
  summaryDelta,
  summaryPartAdded,
  TEXT_STREAM,
  textDelta,
  TIME_CALL,
  TOOL_STREAM,
  PARALLEL_STREAM,
  WEATHER_CALL,
} from '../fixtures/openaiResponsesWire';

const KEY = 'sk-proj-TestKey0123456789abcdefghijklmnopqrstuv';
const request: ChatRequest = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello' }] };

interface Options {
  clock?: Clock;
  timeouts?: Timeouts;
  url?: string;
}

/** The adapter as createProvider would build it for type 'openai' (key in the redactor, default timeouts, global fetch). */
function responsesProvider(server: LoopbackServer, options: Options = {}): OpenAiResponsesProvider {
  return new OpenAiResponsesProvider({
    transport: testTransport('OpenAI', { key: KEY, ...options }),
    url: options.url ?? `${server.url}/v1/responses`,
    headers: () => ({ authorization: `Bearer ${KEY}` }),
  });
}

const bodyOf = (server: LoopbackServer, index = 0) =>
  JSON.parse(server.requests[index]!.body) as Record<string, unknown>;
const toolCalls = (events: ChatEvent[]) =>
  events.filter((event): event is Extract<ChatEvent, { type: 'tool-call' }> => event.type === 'tool-call');

describe('OpenAI Responses adapter', () => {
  const serve = useServers();

  describe('streaming', () => {
    it('streams a real text answer: metadata, the deltas of one read as one text event, usage, finish', async () => {
      const server = await serve((_req, res) =>
        sse(res, TEXT_STREAM, {
          headers: {
            'x-request-id': 'req_6f1b4e0c1f5a4d6b9d0e2c3a',
            'x-ratelimit-remaining-requests': '499',
            'x-ratelimit-reset-tokens': '6m0s',
          },
        }),
      );
      const events = await collect(responsesProvider(server).chat(request));
      assert.deepEqual(events[0], {
        type: 'response-metadata',
        metadata: {
          status: 200,
          requestId: 'req_6f1b4e0c1f5a4d6b9d0e2c3a',
          rateLimit: { remainingRequests: 499, resetTokensMs: 360_000 },
        },
      });
      const rest = withoutMetadata(events);
      // 17 deltas written at once: one text event with all of them.
      assert.deepEqual(
        joinDeltas(rest).filter((event) => event.type === 'text'),
        [{ type: 'text', text: JOKE }],
      );
      assert.deepEqual(rest.slice(-2), [
        { type: 'usage', usage: { inputTokens: 11, outputTokens: 18 } },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('reads the stream a byte at a time (CRLF line ends too)', async () => {
      const server = await serve((_req, res) => sse(res, TEXT_STREAM.replaceAll('\n', '\r\n'), { pieceBytes: 1 }));
      const events = await collect(responsesProvider(server).chat(request));
      assert.equal(textOf(events), JOKE);
      assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
    });

    it('streams the reasoning summary as reasoning, then the answer', async () => {
      const server = await serve((_req, res) => sse(res, REASONING_STREAM, { pieceBytes: 97 }));
      const events = withoutMetadata(await collect(responsesProvider(server).chat(request)));
      const reasoning = events.flatMap((event) => (event.type === 'reasoning' ? [event.text] : [])).join('');
      assert.equal(reasoning, '**Preparing simple response**');
      assert.equal(textOf(events), 'Hello! Ready when you are.');
      assert.ok(
        events.findIndex((event) => event.type === 'reasoning') < events.findIndex((event) => event.type === 'text'),
        'reasoning comes before the answer',
      );
      assert.deepEqual(events.slice(-2), [
        { type: 'usage', usage: { inputTokens: 4006, outputTokens: 13 } },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('keeps summary parts apart as paragraphs', async () => {
      const stream = [
        created(),
        reasoningAdded(),
        summaryPartAdded(0),
        summaryDelta('**Reading the question**'),
        summaryPartAdded(1),
        summaryDelta('**Answering**', 1),
        reasoningDone(['**Reading the question**', '**Answering**']),
        completed(null),
      ].join('');
      const server = await serve((_req, res) => sse(res, stream));
      const events = withoutMetadata(await collect(responsesProvider(server).chat(request)));
      assert.deepEqual(joinDeltas(events), [
        { type: 'reasoning', text: '**Reading the question**\n\n**Answering**' },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('joins arguments split over nine deltas into one call with the call_id, and finishes with tool_calls', async () => {
      const server = await serve((_req, res) => sse(res, TOOL_STREAM, { pieceBytes: 13 }));
      assert.deepEqual(withoutMetadata(await collect(responsesProvider(server).chat(request))), [
        // Once, although arguments.done, output_item.done and the completed output all describe it.
        { type: 'tool-call', id: ADD_CALL, name: 'add', arguments: { a: 3, b: 5 } },
        { type: 'usage', usage: { inputTokens: 58, outputTokens: 18 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });

    it('hands a call over as soon as its arguments are done, before the response completes', async () => {
      const server = await serve(async (_req, res) => {
        await sse(res, TOOL_STREAM.slice(0, TOOL_STREAM.indexOf('event: response.output_item.done')), { hang: true });
      });
      const controller = new AbortController();
      const seen: ChatEvent[] = [];
      for await (const event of responsesProvider(server).chat(request, { signal: controller.signal })) {
        seen.push(event);
        if (event.type === 'tool-call') break;
      }
      assert.deepEqual(seen.at(-1), { type: 'tool-call', id: ADD_CALL, name: 'add', arguments: { a: 3, b: 5 } });
      await server.socketsClosed();
    });

    it('reads parallel calls as separate calls, in order', async () => {
      const server = await serve((_req, res) => sse(res, PARALLEL_STREAM));
      const events = withoutMetadata(await collect(responsesProvider(server).chat(request)));
      assert.deepEqual(toolCalls(events), [
        { type: 'tool-call', id: WEATHER_CALL, name: 'get_weather', arguments: { location: 'Tokyo' } },
        { type: 'tool-call', id: TIME_CALL, name: 'get_time', arguments: { location: 'Tokyo' } },
      ]);
      assert.deepEqual(events.at(-1), { type: 'finish', reason: 'tool_calls' });
    });

    it('a call whose done events never come is still handed over at the end; one with no arguments gets {}', async () => {
      const stream = [
        created(),
        callAdded('fc_1', 'call_1', 'read_file'),
        argsDelta('fc_1', '{"path":', 'x'),
        argsDelta('fc_1', '"a.txt"}', 'y'),
        callAdded('fc_2', 'call_2', 'list_files', 1),
        completed({ input_tokens: 5, output_tokens: 7 }),
      ].join('');
      const server = await serve((_req, res) => sse(res, stream));
      assert.deepEqual(withoutMetadata(await collect(responsesProvider(server).chat(request))), [
        { type: 'tool-call', id: 'call_1', name: 'read_file', arguments: { path: 'a.txt' } },
        { type: 'tool-call', id: 'call_2', name: 'list_files', arguments: {} },
        { type: 'usage', usage: { inputTokens: 5, outputTokens: 7 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });

    it('maps usage: input includes cached tokens, output includes reasoning tokens', async () => {
      const usage = {
        input_tokens: 2006,
        input_tokens_details: { cache_write_tokens: 300, cached_tokens: 1920 },
        output_tokens: 1043,
        output_tokens_details: { reasoning_tokens: 896 },
        total_tokens: 3049,
      };
      const server = await serve((_req, res) =>
        sse(res, [created(), messageAdded(), partAdded(), textDelta('Hi'), completed(usage)].join('')),
      );
      const events = await collect(responsesProvider(server).chat(request));
      assert.deepEqual(
        events.filter((event) => event.type === 'usage'),
        [
          {
            type: 'usage',
            usage: {
              inputTokens: 2006,
              outputTokens: 1043,
              cachedInputTokens: 1920,
              cacheWriteInputTokens: 300,
              reasoningTokens: 896,
            },
          },
        ],
      );
    });

    it('response.incomplete: max_output_tokens → length (with its usage), content_filter → content_filter', async () => {
      const server = await serve((_req, res, n) =>
        sse(
          res,
          n === 0
            ? [created(), reasoningAdded('rs_1'), INCOMPLETE_MAX_TOKENS].join('')
            : [created(), messageAdded(), textDelta('Partial'), incomplete('content_filter')].join(''),
        ),
      );
      assert.deepEqual(withoutMetadata(await collect(responsesProvider(server).chat(request))), [
        { type: 'usage', usage: { inputTokens: 268, outputTokens: 192, reasoningTokens: 192 } },
        { type: 'finish', reason: 'length' },
      ]);
      const filtered = withoutMetadata(await collect(responsesProvider(server).chat(request)));
      assert.deepEqual(filtered, [
        { type: 'text', text: 'Partial' },
        { type: 'finish', reason: 'content_filter' },
      ]);
    });

    it('skips events it does not know, and a [DONE] some proxies append', async () => {
      const stream = TEXT_STREAM.replace(
        'event: response.output_item.added',
        `${frame({ type: 'response.web_search_call.in_progress', item_id: 'ws_1', output_index: 0, sequence_number: 2, delta: { x: 1 } })}event: response.output_item.added`,
      );
      const server = await serve((_req, res) => sse(res, `${stream}data: [DONE]\n\n`));
      const events = await collect(responsesProvider(server).chat(request));
      assert.equal(textOf(events), JOKE);
      assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
    });

    it('a refusal streams as text', async () => {
      const stream = [
        created(),
        messageAdded(),
        frame({
          type: 'response.refusal.delta',
          content_index: 0,
          delta: "I'm sorry, I can't help with that.",
          item_id: 'msg_1',
          output_index: 0,
          sequence_number: 4,
        }),
        completed(null),
      ].join('');
      const server = await serve((_req, res) => sse(res, stream));
      assert.equal(
        textOf(await collect(responsesProvider(server).chat(request))),
        "I'm sorry, I can't help with that.",
      );
    });
  });

  describe('request body', () => {
    it('maps the conversation: instructions, input items, flat tools, limits, store: false, the key', async () => {
      const server = await serve((_req, res) => sse(res, TEXT_STREAM));
      await collect(
        responsesProvider(server).chat({
          model: 'gpt-4.1',
          messages: [
            { role: 'system', content: 'Be terse.' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is 3 + 5? And this?' },
                { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo' },
              ],
            },
            {
              role: 'assistant',
              content: 'Let me add.',
              toolCalls: [{ id: ADD_CALL, name: 'add', arguments: { a: 3, b: 5 } }],
            },
            { role: 'tool', toolCallId: ADD_CALL, toolName: 'add', content: '8' },
            { role: 'assistant', content: 'It is 8.' },
            { role: 'system', content: 'Answer in English.' },
            { role: 'user', content: 'Is 8 prime?' },
          ],
          maxTokens: 512,
          temperature: 0.2,
          tools: [
            {
              name: 'add',
              description: 'Add two numbers together.',
              parameters: {
                type: 'object',
                properties: { a: { type: 'number' }, b: { type: 'number' } },
                required: ['a', 'b'],
              },
            },
            { name: 'list_files', parameters: { type: 'object', properties: {} } },
          ],
        }),
      );
      const [sent] = server.requests;
      assert.equal(sent?.method, 'POST');
      assert.equal(sent?.path, '/v1/responses');
      assert.equal(sent?.headers.authorization, `Bearer ${KEY}`);
      assert.equal(sent?.headers.accept, 'text/event-stream');
      assert.equal(sent?.headers['content-type'], 'application/json');
      assert.deepEqual(bodyOf(server), {
        model: 'gpt-4.1',
        instructions: 'Be terse.\n\nAnswer in English.',
        input: [
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is 3 + 5? And this?' },
              { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo', detail: 'auto' },
            ],
          },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me add.' }] },
          { type: 'function_call', call_id: ADD_CALL, name: 'add', arguments: '{"a":3,"b":5}' },
          { type: 'function_call_output', call_id: ADD_CALL, output: '8' },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'It is 8.' }] },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Is 8 prime?' }] },
        ],
        stream: true,
        store: false,
        max_output_tokens: 512,
        temperature: 0.2,
        tools: [
          {
            type: 'function',
            name: 'add',
            description: 'Add two numbers together.',
            parameters: {
              type: 'object',
              properties: { a: { type: 'number' }, b: { type: 'number' } },
              required: ['a', 'b'],
            },
            strict: false,
          },
          { type: 'function', name: 'list_files', parameters: { type: 'object', properties: {} }, strict: false },
        ],
      });
    });

    it('a streamed call goes back as function_call + function_call_output, with no item ids', async () => {
      const server = await serve((_req, res) => sse(res, TOOL_STREAM));
      const [call] = toolCalls(await collect(responsesProvider(server).chat(request)));
      assert.ok(call);
      await collect(
        responsesProvider(server).chat({
          model: 'gpt-4.1',
          messages: [
            { role: 'user', content: 'Is 3 + 5 a prime number? Use the add function to calculate the sum.' },
            {
              role: 'assistant',
              content: '',
              toolCalls: [{ id: call.id!, name: call.name, arguments: call.arguments }],
            },
            { role: 'tool', toolCallId: call.id, toolName: call.name, content: '8' },
          ],
        }),
      );
      const input = bodyOf(server, 1).input as Array<Record<string, unknown>>;
      assert.deepEqual(input.slice(1), [
        { type: 'function_call', call_id: 'call_7VaiUXZYuuuwWwviCrckxq6t', name: 'add', arguments: '{"a":3,"b":5}' },
        { type: 'function_call_output', call_id: 'call_7VaiUXZYuuuwWwviCrckxq6t', output: '8' },
      ]);
      assert.ok(!JSON.stringify(input).includes(ADD_ITEM), 'the fc_ item id never goes back (store: false)');
    });

    it('arguments that were not JSON go back as the text they arrived as', async () => {
      const server = await serve((_req, res) => sse(res, TEXT_STREAM));
      await collect(
        responsesProvider(server).chat({
          model: 'gpt-4.1',
          messages: [
            { role: 'assistant', content: '', toolCalls: [{ id: 'call_x', name: 'run', arguments: '{"cmd": "ls' }] },
          ],
        }),
      );
      assert.deepEqual(bodyOf(server).input, [
        { type: 'function_call', call_id: 'call_x', name: 'run', arguments: '{"cmd": "ls' },
      ]);
    });

    it('reasoning effort: reasoning {effort, summary: auto} and the encrypted reasoning include', async () => {
      const server = await serve((_req, res) => sse(res, REASONING_STREAM));
      await collect(responsesProvider(server).chat({ ...request, providerOptions: { reasoningEffort: 'low' } }));
      const body = bodyOf(server);
      assert.deepEqual(body.reasoning, { effort: 'low', summary: 'auto' });
      assert.deepEqual(body.include, ['reasoning.encrypted_content']);
    });

    it('without options: no instructions, reasoning, include, tools, limits or temperature', async () => {
      const server = await serve((_req, res) => sse(res, TEXT_STREAM));
      await collect(responsesProvider(server).chat(request));
      assert.deepEqual(bodyOf(server), {
        model: 'gpt-4.1',
        input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }],
        stream: true,
        store: false,
      });
    });

    it('extraBody is merged last and wins', async () => {
      const server = await serve((_req, res) => sse(res, TEXT_STREAM));
      await collect(
        responsesProvider(server).chat({
          ...request,
          providerOptions: {
            reasoningEffort: 'high',
            extraBody: { store: true, include: [], service_tier: 'flex', reasoning: { effort: 'high' } },
          },
        }),
      );
      const body = bodyOf(server);
      assert.equal(body.store, true);
      assert.deepEqual(body.include, []);
      assert.equal(body.service_tier, 'flex');
      assert.deepEqual(body.reasoning, { effort: 'high' });
    });

    it('an unverified organisation: asks once more without the summary, and remembers', async () => {
      const server = await serve((_req, res, n) =>
        n === 0 ? json(res, 400, ERRORS.orgNotVerified) : sse(res, REASONING_STREAM),
      );
      const provider = responsesProvider(server);
      const withEffort: ChatRequest = { ...request, providerOptions: { reasoningEffort: 'medium' } };
      assert.equal(textOf(await collect(provider.chat(withEffort))), 'Hello! Ready when you are.');
      await collect(provider.chat(withEffort));
      assert.equal(server.requests.length, 3);
      assert.deepEqual(bodyOf(server, 0).reasoning, { effort: 'medium', summary: 'auto' });
      assert.deepEqual(bodyOf(server, 1).reasoning, { effort: 'medium' });
      assert.deepEqual(bodyOf(server, 2).reasoning, { effort: 'medium' });
    });

    it('carries encrypted reasoning with the first call and sends it back before the calls (no ids)', async () => {
      const stream = [
        created(),
        reasoningAdded(),
        reasoningDone(['**Checking the weather**']),
        callAdded('fc_a', WEATHER_CALL, 'get_weather', 1),
        argsDelta('fc_a', '{"location":"Tokyo"}', 'x', 1),
        callDone('fc_a', WEATHER_CALL, 'get_weather', '{"location":"Tokyo"}', 1),
        callAdded('fc_b', TIME_CALL, 'get_time', 2),
        callDone('fc_b', TIME_CALL, 'get_time', '{"location":"Tokyo"}', 2),
        completed(null),
      ].join('');
      const server = await serve((_req, res, n) => sse(res, n === 0 ? stream : TEXT_STREAM));
      const calls = toolCalls(
        await collect(responsesProvider(server).chat({ ...request, providerOptions: { reasoningEffort: 'medium' } })),
      );
      const echoed = [
        {
          type: 'reasoning',
          summary: [{ type: 'summary_text', text: '**Checking the weather**' }],
          encrypted_content: ENCRYPTED,
        },
      ];
      assert.deepEqual(
        calls.map((call) => call.providerMetadata),
        [{ openaiReasoning: echoed }, undefined],
      );
      await collect(
        responsesProvider(server).chat({
          model: 'gpt-5',
          messages: [
            { role: 'user', content: 'Weather and time in Tokyo?' },
            {
              role: 'assistant',
              content: '',
              toolCalls: calls.map((call) => ({
                id: call.id!,
                name: call.name,
                arguments: call.arguments,
                providerMetadata: call.providerMetadata,
              })),
            },
            { role: 'tool', toolCallId: WEATHER_CALL, content: '18C' },
            { role: 'tool', toolCallId: TIME_CALL, content: '09:00' },
          ],
        }),
      );
      assert.deepEqual((bodyOf(server, 1).input as unknown[]).slice(1), [
        ...echoed,
        { type: 'function_call', call_id: WEATHER_CALL, name: 'get_weather', arguments: '{"location":"Tokyo"}' },
        { type: 'function_call', call_id: TIME_CALL, name: 'get_time', arguments: '{"location":"Tokyo"}' },
        { type: 'function_call_output', call_id: WEATHER_CALL, output: '18C' },
        { type: 'function_call_output', call_id: TIME_CALL, output: '09:00' },
      ]);
    });
  });

  describe('non-streaming', () => {
    it('yields the same events from a whole response', async () => {
      const server = await serve((_req, res) =>
        json(res, 200, BLOCKING_TOOL_RESPONSE, { 'x-request-id': 'req_blocking' }),
      );
      const events = await collect(responsesProvider(server).chat({ ...request, stream: false }));
      assert.deepEqual(events, [
        { type: 'response-metadata', metadata: { status: 200, requestId: 'req_blocking' } },
        { type: 'tool-call', id: 'call_CJSaa2u51JG996575oVljuNq', name: 'add', arguments: { a: 3, b: 5 } },
        { type: 'usage', usage: { inputTokens: 58, outputTokens: 18 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
      assert.equal(bodyOf(server).stream, false);
      assert.equal(server.requests[0]?.headers.accept, 'application/json');
    });

    it('reads reasoning summaries, text and an incomplete status', async () => {
      const server = await serve((_req, res) =>
        json(
          res,
          200,
          snapshot('incomplete', {
            incomplete_details: { reason: 'max_output_tokens' },
            output: [
              {
                id: 'rs_68b65c4f87348190b80440b13861a94c08cd5796c3342f15',
                summary: [{ type: 'summary_text', text: 'Defining "cell".' }],
                type: 'reasoning',
                status: null,
              },
              {
                id: 'msg_68b65c5082e48190a83636c52ee5de6508cd5796c3342f15',
                content: [
                  { annotations: [], text: '“Cell” can mean different things', type: 'output_text', logprobs: [] },
                ],
                role: 'assistant',
                status: 'incomplete',
                type: 'message',
              },
            ],
            usage: {
              input_tokens: 10,
              input_tokens_details: { cached_tokens: 0 },
              output_tokens: 200,
              output_tokens_details: { reasoning_tokens: 128 },
              total_tokens: 210,
            },
          }),
        ),
      );
      assert.deepEqual(withoutMetadata(await collect(responsesProvider(server).chat({ ...request, stream: false }))), [
        { type: 'reasoning', text: 'Defining "cell".' },
        { type: 'text', text: '“Cell” can mean different things' },
        { type: 'usage', usage: { inputTokens: 10, outputTokens: 200, reasoningTokens: 128 } },
        { type: 'finish', reason: 'length' },
      ]);
    });

    it('a failed response is thrown as its error', async () => {
      const server = await serve((_req, res) =>
        json(
          res,
          200,
          snapshot('failed', { error: { code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-4.1.' } }),
        ),
      );
      const { error } = await collectUntilError(responsesProvider(server).chat({ ...request, stream: false }));
      assert.equal(error.kind, 'rate_limited');
    });
  });

  describe('errors', () => {
    async function failWith(
      status: number,
      body: unknown,
      headers: Record<string, string> = {},
    ): Promise<ProviderError> {
      const server = await serve((_req, res) => json(res, status, body, headers));
      return (await collectUntilError(responsesProvider(server).chat(request))).error;
    }

    it('classifies HTTP errors (same envelope as Chat Completions)', async () => {
      const cases: Array<[number, unknown, ProviderError['kind'], string | undefined]> = [
        [400, ERRORS.mutuallyExclusive, 'bad_request', 'mutually_exclusive_parameters'],
        [400, ERRORS.temperature, 'bad_request', 'invalid_request_error'],
        [400, ERRORS.itemNotFound, 'bad_request', 'invalid_request_error'],
        [401, ERRORS.invalidKey, 'invalid_credentials', 'invalid_api_key'],
      ];
      for (const [status, body, kind, code] of cases) {
        const error = await failWith(status, body);
        assert.deepEqual([error.kind, error.code, error.status], [kind, code, status], error.message);
        assert.match(error.message, /\bOpenAI\b/);
      }
    });

    it('keeps the request id and Retry-After of a 429; the key never shows', async () => {
      const error = await failWith(
        429,
        {
          error: {
            message: `Rate limit reached for gpt-4.1 (key ${KEY})`,
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
        { 'retry-after-ms': '1500', 'x-request-id': 'req_429' },
      );
      assert.deepEqual([error.kind, error.retryAfterMs, error.requestId], ['rate_limited', 1500, 'req_429']);
      assert.ok(!`${error.message} ${error.providerMessage}`.includes(KEY));
    });

    it('response.failed mid-answer: yields the text that arrived, then throws', async () => {
      const stream = [created(1), textDelta('Hello', 'x', 'msg_123', 0, 3), FAILED].join('');
      const server = await serve((_req, res) => sse(res, stream));
      const { events, error } = await collectUntilError(responsesProvider(server).chat(request));
      assert.equal(textOf(events), 'Hello');
      assert.deepEqual(
        [error.kind, error.code, error.providerMessage],
        ['server_error', 'server_error', 'The model failed to generate a response.'],
      );
      assert.match(error.message, /during the response/);
    });

    it('the documented flat error event', async () => {
      const stream = [created(1), textDelta('Hello', 'x', 'msg_123', 0, 3), frame(ERROR_FLAT)].join('');
      const server = await serve((_req, res) => sse(res, stream));
      const { events, error } = await collectUntilError(responsesProvider(server).chat(request));
      assert.equal(textOf(events), 'Hello');
      assert.deepEqual(
        [error.kind, error.code, error.providerMessage],
        ['server_error', 'ERR_SOMETHING', 'Something went wrong'],
      );
    });

    it('the nested error event OpenAI actually sends: out of quota, then response.failed', async () => {
      const server = await serve((_req, res) => sse(res, QUOTA_STREAM));
      const { events, error } = await collectUntilError(responsesProvider(server).chat(request));
      assert.deepEqual(withoutMetadata(events), []);
      assert.equal(error.kind, 'quota_exceeded');
      assert.equal(error.code, 'insufficient_quota');
    });

    it('a nested 429 error event keeps its code and message', async () => {
      const server = await serve((_req, res) => sse(res, [created(), frame(ERROR_NESTED_429)].join('')));
      const { error } = await collectUntilError(responsesProvider(server).chat(request));
      assert.deepEqual([error.code, error.providerMessage], ['too_many_requests', 'Too Many Requests']);
    });

    it('an error event that is not JSON', async () => {
      const server = await serve((_req, res) => sse(res, `${created()}event: error\ndata: upstream connect error\n\n`));
      const { error } = await collectUntilError(responsesProvider(server).chat(request));
      assert.equal(error.providerMessage, 'upstream connect error');
    });

    it('a stream that ends without response.completed is a network error (clean end or cut)', async () => {
      const stream = [created(), messageAdded(), partAdded(), textDelta('Cut')].join('');
      const server = await serve((_req, res, n) => sse(res, stream, { cut: n === 1 }));
      for (let attempt = 0; attempt < 2; attempt++) {
        const { events, error } = await collectUntilError(responsesProvider(server).chat(request));
        assert.equal(textOf(events), 'Cut');
        assert.equal(error.kind, 'network');
      }
    });

    it('a payload that is not JSON is a server error naming the stream', async () => {
      const server = await serve((_req, res) =>
        sse(res, `${created()}data: {"type":"response.output_text.delta","delta":\n\n`),
      );
      const { error } = await collectUntilError(responsesProvider(server).chat(request));
      assert.equal(error.kind, 'server_error');
      assert.match(error.message, /not JSON/);
    });
  });

  describe('timeouts and cancellation', () => {
    it('idle timeout after the stream began; the connection is released and no timer is left', async () => {
      const clock = new ManualClock();
      const server = await serve((_req, res) =>
        sse(res, [created(), messageAdded(), textDelta('Wait')].join(''), { hang: true }),
      );
      const events: ChatEvent[] = [];
      const done = (async () => {
        try {
          for await (const event of responsesProvider(server, { clock, timeouts: { idleMs: 5_000 } }).chat(request))
            events.push(event);
        } catch (error) {
          return error as ProviderError;
        }
        return undefined;
      })();
      for (let i = 0; i < 400 && textOf(events) !== 'Wait'; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(textOf(events), 'Wait');
      clock.advance(4_999);
      assert.equal(server.openSockets(), 1, 'not yet');
      clock.advance(1);
      const error = await done;
      assert.equal(error?.kind, 'timeout');
      assert.match(error.message, /OpenAI stopped sending within 5 s/);
      assert.equal(clock.pending(), 0);
      await server.socketsClosed();
    });

    it('cancelling mid-stream releases the connection', async () => {
      const server = await serve((_req, res) =>
        sse(res, [created(), messageAdded(), textDelta('One')].join(''), { hang: true }),
      );
      const controller = new AbortController();
      const { error } = await collectUntilError(
        (async function* () {
          for await (const event of responsesProvider(server).chat(request, { signal: controller.signal })) {
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
    it('GETs the sibling /models with the key and returns the ids', async () => {
      const server = await serve((_req, res) =>
        json(res, 200, {
          object: 'list',
          data: [
            { id: 'gpt-4.1', object: 'model', created: 1744316542, owned_by: 'system' },
            { id: 'o3', object: 'model', created: 1744225308, owned_by: 'system' },
          ],
        }),
      );
      assert.deepEqual(await responsesProvider(server).listModels(), [{ id: 'gpt-4.1' }, { id: 'o3' }]);
      const [sent] = server.requests;
      assert.deepEqual([sent?.method, sent?.path, sent?.headers.authorization], ['GET', '/v1/models', `Bearer ${KEY}`]);
    });

    it('keeps the query (Azure api-version); a URL that is not …/responses has no model list', async () => {
      const server = await serve((_req, res) => json(res, 200, { data: [{ id: 'my-deployment' }] }));
      await responsesProvider(server, { url: `${server.url}/openai/v1/responses?api-version=preview` }).listModels();
      assert.equal(server.requests[0]?.path, '/openai/v1/models?api-version=preview');
      assert.deepEqual(await responsesProvider(server, { url: `${server.url}/v1/custom` }).listModels(), []);
      assert.equal(server.requests.length, 1);
    });

    it('a rejected key is thrown classified', async () => {
      const server = await serve((_req, res) => json(res, 401, ERRORS.invalidKey));
      await assert.rejects(
        responsesProvider(server).listModels(),
        (error: ProviderError) => error.kind === 'invalid_credentials',
      );
    });
  });
});
