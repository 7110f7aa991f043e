import assert from 'node:assert/strict';
import {
  ProviderError,
  type ChatEvent,
  type ChatRequest,
  type Clock,
  type Timeouts,
  type ToolCall,
} from '../../src/core';
import { GeminiProvider } from '../../src/core/adapters/gemini';
import { collect, collectUntilError, joinDeltas, testTransport, useServers } from '../support/chat';
import { dataEvents, json, sse, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import {
  BLOCKED_PROMPT_CHUNK,
  BLOCKED_PROMPT_RESPONSE,
  FLASH_25_THOUGHTS_THEN_CALL,
  GEMINI_ERRORS,
  geminiChunk,
  geminiUsage,
  HELLO_KITTY_CHUNK,
  LISTED_MODELS,
  MALFORMED_CALL_CHUNK,
  PARALLEL_SIGNATURE,
  parallelCalls,
  PRO_31_CALL_THEN_EMPTY_STOP,
  PRO_31_SIGNATURE,
  SPARSE_GEMMA_MODEL,
  sseBody,
  THINKING_MODEL,
} from '../fixtures/geminiWire';

const KEY = 'AIzaSyTestKey-0123456789abcdefghijklmnop';
const request: ChatRequest = {
  model: 'gemini-3-flash-preview',
  messages: [{ role: 'user', content: 'Who is Hello Kitty?' }],
};

const serve = useServers();

/** The provider as createProvider builds one: the key registered with the redactor, resolved per request. */
function provider(server: LoopbackServer, options: { clock?: Clock; timeouts?: Timeouts } = {}): GeminiProvider {
  const transport = testTransport('Google Gemini', { key: KEY, ...options });
  return new GeminiProvider({
    transport,
    baseUrl: `${server.url}/`,
    apiVersion: 'v1beta',
    headers: () => ({ 'x-goog-api-key': KEY }),
  });
}

const withoutMetadata = (events: ChatEvent[]) => events.filter((event) => event.type !== 'response-metadata');
const text = (events: ChatEvent[]) => events.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join('');
const bodyOf = (server: LoopbackServer, index = 0) =>
  JSON.parse(server.requests[index]!.body) as Record<string, unknown>;

const helloStream = dataEvents([
  HELLO_KITTY_CHUNK,
  geminiChunk([{ text: '日本三丽鸥公司创作的卡通形象。' }], { usage: geminiUsage(5, 21, 597) }),
  geminiChunk([{ text: '' }], { finishReason: 'STOP', usage: geminiUsage(5, 21, 597) }),
]);

// Adjacent deltas joined (see joinDeltas): how many reads they arrive in is the network's business.
const flashEvents: ChatEvent[] = [
  {
    type: 'reasoning',
    text:
      "**Calculating Yesterday's Date**\n\nI've successfully retrieved today's date, 2025-11-11. My current focus is to determine yesterday's date, which I've now calculated as 2025-11-10. This is a crucial step towards providing the requested weather information, and I'm on track to deliver a complete and accurate response.\n\n\n" +
      "**Refining Date Parameters**\n\nI've determined yesterday's date, 2025-11-10, crucial for getting the weather. I'm building on that success. My task now is to integrate this date into the 'get_weather' tool with \"shanghai\" as the location. This will allow me to finally provide the requested information, which I will then report back.\n\n\n",
  },
  { type: 'text', text: 'Yesterday was 2025-11-10.\n' },
  { type: 'tool-call', name: 'get_weather', arguments: { city: 'shanghai', date: '2025-11-10' } },
  // 43 answer tokens + 102 thought tokens, from the last chunk only.
  { type: 'usage', usage: { inputTokens: 391, outputTokens: 145, reasoningTokens: 102 } },
  { type: 'finish', reason: 'tool_calls' },
];

describe('Gemini adapter', () => {
  describe('streaming', () => {
    it('streams text, then usage, then the finish, from the real wire format; the key only in its header', async () => {
      const server = await serve((_req, res) => sse(res, helloStream));
      const clock = new ManualClock();
      const events = await collect(provider(server, { clock }).chat(request));
      assert.equal(clock.pending(), 0, 'a finished request leaves no timer behind');
      assert.deepEqual(joinDeltas(events), [
        { type: 'response-metadata', metadata: { status: 200 } },
        { type: 'text', text: '**凯蒂猫（Hello Kitty）** 是日本三丽鸥公司创作的卡通形象。' },
        { type: 'usage', usage: { inputTokens: 5, outputTokens: 618, reasoningTokens: 597 } },
        { type: 'finish', reason: 'stop' },
      ]);
      const [sent] = server.requests;
      assert.equal(sent?.method, 'POST');
      assert.equal(sent?.path, '/v1beta/models/gemini-3-flash-preview:streamGenerateContent?alt=sse');
      assert.equal(sent?.headers['x-goog-api-key'], KEY);
      assert.equal(sent?.headers.accept, 'text/event-stream');
      assert.ok(!sent.path.includes(KEY) && !/[?&]key=/.test(sent.path), sent.path);
    });

    it('thought parts are reasoning; a function call without an id ends the turn with tool_calls', async () => {
      const server = await serve((_req, res) => sse(res, sseBody(FLASH_25_THOUGHTS_THEN_CALL)));
      assert.deepEqual(joinDeltas(withoutMetadata(await collect(provider(server).chat(request)))), flashEvents);
    });

    it('reads the same events a byte at a time, and with CRLF line endings', async () => {
      const server = await serve((_req, res, n) =>
        sse(res, sseBody(FLASH_25_THOUGHTS_THEN_CALL, n === 0 ? '\n' : '\r\n'), { pieceBytes: 1 }),
      );
      assert.deepEqual(joinDeltas(withoutMetadata(await collect(provider(server).chat(request)))), flashEvents);
      assert.deepEqual(joinDeltas(withoutMetadata(await collect(provider(server).chat(request)))), flashEvents);
    });

    it('a call with an id carries its thought signature; STOP on a chunk with only an empty text part', async () => {
      const server = await serve((_req, res) => sse(res, sseBody(PRO_31_CALL_THEN_EMPTY_STOP)));
      assert.deepEqual(withoutMetadata(await collect(provider(server).chat(request))), [
        {
          type: 'tool-call',
          id: 'flveizpn',
          name: 'bash',
          arguments: { command: 'ls -R' },
          providerMetadata: { thoughtSignature: PRO_31_SIGNATURE },
        },
        { type: 'usage', usage: { inputTokens: 1964, outputTokens: 103, reasoningTokens: 87 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });

    it('echoes the signature and the id back on the function call in the next request', async () => {
      const server = await serve((_req, res, n) =>
        sse(res, n === 0 ? sseBody(PRO_31_CALL_THEN_EMPTY_STOP) : helloStream),
      );
      const gemini = provider(server);
      const first: ChatRequest = { ...request, messages: [{ role: 'user', content: 'List the files' }] };
      const calls: ToolCall[] = (await collect(gemini.chat(first))).flatMap((event) =>
        event.type === 'tool-call'
          ? [
              {
                id: event.id ?? 'local-1',
                name: event.name,
                arguments: event.arguments,
                providerMetadata: event.providerMetadata,
              },
            ]
          : [],
      );
      await collect(
        gemini.chat({
          ...first,
          messages: [
            ...first.messages,
            { role: 'assistant', content: '', toolCalls: calls },
            { role: 'tool', toolCallId: 'flveizpn', toolName: 'bash', content: 'a.txt\nb.txt' },
          ],
        }),
      );
      assert.deepEqual(bodyOf(server, 1).contents, [
        { role: 'user', parts: [{ text: 'List the files' }] },
        {
          role: 'model',
          parts: [
            {
              functionCall: { name: 'bash', args: { command: 'ls -R' }, id: 'flveizpn' },
              thoughtSignature: PRO_31_SIGNATURE,
            },
          ],
        },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'bash', id: 'flveizpn', response: { content: 'a.txt\nb.txt' } } }],
        },
      ]);
    });

    it('parallel calls are one event each, the signature only on the first', async () => {
      const server = await serve((_req, res) => sse(res, dataEvents(parallelCalls)));
      assert.deepEqual(withoutMetadata(await collect(provider(server).chat(request))), [
        {
          type: 'tool-call',
          id: 'k3v9x1aa',
          name: 'get_weather',
          arguments: { city: 'Paris' },
          providerMetadata: { thoughtSignature: PARALLEL_SIGNATURE },
        },
        { type: 'tool-call', id: 'p0q7w2bb', name: 'get_weather', arguments: { city: 'London' } },
        { type: 'usage', usage: { inputTokens: 120, outputTokens: 84, reasoningTokens: 60 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });

    it('usageMetadata is cumulative: the last one wins; cached and tool-use prompt tokens are counted', async () => {
      const usage = (candidates: number) => ({
        ...geminiUsage(2006, candidates, 256),
        cachedContentTokenCount: 1920,
        toolUsePromptTokenCount: 40,
      });
      const server = await serve((_req, res) =>
        sse(
          res,
          dataEvents([
            geminiChunk([{ text: 'a' }], { usage: usage(10) }),
            geminiChunk([{ text: 'b' }], { usage: usage(25) }),
            geminiChunk([{ text: 'c' }], { finishReason: 'STOP', usage: usage(44) }),
          ]),
        ),
      );
      const usageEvents = (await collect(provider(server).chat(request))).filter((event) => event.type === 'usage');
      assert.deepEqual(usageEvents, [
        {
          type: 'usage',
          usage: { inputTokens: 2046, outputTokens: 300, cachedInputTokens: 1920, reasoningTokens: 256 },
        },
      ]);
    });

    it('MAX_TOKENS is length; SAFETY, RECITATION and PROHIBITED_CONTENT are content_filter', async () => {
      const reasons = ['MAX_TOKENS', 'SAFETY', 'RECITATION', 'PROHIBITED_CONTENT'];
      // A filtered candidate comes without content (Vertex FinishReason docs).
      const server = await serve((_req, res, n) =>
        sse(
          res,
          dataEvents([
            geminiChunk([{ text: 'Once upon' }]),
            geminiChunk(n === 0 ? [{ text: ' a' }] : null, {
              finishReason: reasons[n]!,
              usage: geminiUsage(7, 2, undefined),
            }),
          ]),
        ),
      );
      const endings: ChatEvent[][] = [];
      for (let i = 0; i < reasons.length; i++) endings.push((await collect(provider(server).chat(request))).slice(-2));
      assert.deepEqual(endings, [
        [
          { type: 'usage', usage: { inputTokens: 7, outputTokens: 2 } },
          { type: 'finish', reason: 'length' },
        ],
        ...reasons.slice(1).map(() => [
          { type: 'usage', usage: { inputTokens: 7, outputTokens: 2 } },
          { type: 'finish', reason: 'content_filter' },
        ]),
      ]);
    });

    it('MALFORMED_FUNCTION_CALL is a server_error (a retry can succeed), after what arrived', async () => {
      const server = await serve((_req, res) =>
        sse(res, dataEvents([geminiChunk([{ text: 'Checking the weather.' }]), MALFORMED_CALL_CHUNK])),
      );
      const { events, error } = await collectUntilError(provider(server).chat(request));
      assert.equal(text(events), 'Checking the weather.');
      assert.deepEqual([error.kind, error.code], ['server_error', 'MALFORMED_FUNCTION_CALL']);
      assert.match(error.providerMessage ?? '', /^Malformed function call/);
      assert.ok(!events.some((event) => event.type === 'finish'));
    });

    it('a blocked prompt is a content_filter error, streamed or not, after the usage it reported', async () => {
      const server = await serve((_req, res, n) =>
        n === 0 ? sse(res, dataEvents([BLOCKED_PROMPT_CHUNK])) : json(res, 200, BLOCKED_PROMPT_RESPONSE),
      );
      const streamed = await collectUntilError(provider(server).chat(request));
      // The prompt was read before it was refused: its tokens are reported (and billed).
      assert.deepEqual(withoutMetadata(streamed.events), [
        { type: 'usage', usage: { inputTokens: 8, outputTokens: 0 } },
      ]);
      assert.deepEqual([streamed.error.kind, streamed.error.code], ['content_filter', 'SAFETY']);
      assert.match(streamed.error.message, /blocked the prompt \(SAFETY\)/);
      const whole = await collectUntilError(provider(server).chat({ ...request, stream: false }));
      assert.deepEqual([whole.error.kind, whole.error.code], ['content_filter', 'OTHER']);
    });

    it('an error object inside the stream is classified, after what arrived', async () => {
      const server = await serve((_req, res, n) =>
        sse(
          res,
          dataEvents([
            geminiChunk([{ text: 'The answer' }]),
            n === 0 ? GEMINI_ERRORS.internal : GEMINI_ERRORS.overloaded,
          ]),
        ),
      );
      const internal = await collectUntilError(provider(server).chat(request));
      assert.equal(text(internal.events), 'The answer');
      assert.equal(internal.error.kind, 'server_error');
      assert.match(internal.error.message, /during the response/);
      assert.equal((await collectUntilError(provider(server).chat(request))).error.kind, 'overloaded');
    });

    it('a stream that ends without a finish reason, or is cut, is a network error', async () => {
      const server = await serve((_req, res, n) =>
        sse(res, dataEvents([geminiChunk([{ text: 'Half an ans' }], { usage: geminiUsage(5, 3, undefined) })]), {
          cut: n === 1,
        }),
      );
      for (let attempt = 0; attempt < 2; attempt++) {
        const { events, error } = await collectUntilError(provider(server).chat(request));
        assert.equal(text(events), 'Half an ans');
        assert.equal(error.kind, 'network', `attempt ${attempt}: ${error.message}`);
        assert.ok(!events.some((event) => event.type === 'finish' || event.type === 'usage'));
      }
    });
  });

  describe('request body', () => {
    it('maps system messages, roles, images, function calls and their results to contents', async () => {
      const server = await serve((_req, res) => sse(res, helloStream));
      await collect(
        provider(server).chat({
          model: 'gemini-2.5-flash',
          messages: [
            { role: 'system', content: 'You are a coding agent.' },
            { role: 'system', content: [{ type: 'text', text: 'Be terse.' }] },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is in this picture?' },
                { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
              ],
            },
            {
              role: 'assistant',
              content: 'Let me look.',
              toolCalls: [
                {
                  id: 'flveizpn',
                  name: 'bash',
                  arguments: { command: 'ls -R' },
                  providerMetadata: { thoughtSignature: PRO_31_SIGNATURE },
                },
                { id: 'call_2', name: 'read', arguments: { path: 'a.txt' } },
              ],
            },
            { role: 'tool', toolCallId: 'flveizpn', toolName: 'bash', content: '{"stdout":"a.txt","exitCode":0}' },
            // No toolName: borrowed from the call it answers.
            { role: 'tool', toolCallId: 'call_2', content: 'plain text, not JSON' },
            { role: 'user', content: 'Thanks' },
            { role: 'assistant', content: '' },
            { role: 'assistant', content: 'You are welcome.' },
          ],
        }),
      );
      const body = bodyOf(server);
      assert.deepEqual(body.systemInstruction, { parts: [{ text: 'You are a coding agent.' }, { text: 'Be terse.' }] });
      assert.deepEqual(body.contents, [
        {
          role: 'user',
          parts: [
            { text: 'What is in this picture?' },
            { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'model',
          parts: [
            { text: 'Let me look.' },
            {
              functionCall: { name: 'bash', args: { command: 'ls -R' }, id: 'flveizpn' },
              thoughtSignature: PRO_31_SIGNATURE,
            },
            { functionCall: { name: 'read', args: { path: 'a.txt' }, id: 'call_2' } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'bash', id: 'flveizpn', response: { stdout: 'a.txt', exitCode: 0 } } },
            { functionResponse: { name: 'read', id: 'call_2', response: { content: 'plain text, not JSON' } } },
            { text: 'Thanks' },
          ],
        },
        { role: 'model', parts: [{ text: 'You are welcome.' }] },
      ]);
      assert.deepEqual(Object.keys(body), ['systemInstruction', 'contents']);
    });

    it('sends tools, generation config with thought summaries, and extra body fields last; takes listed model ids', async () => {
      const server = await serve((_req, res) => sse(res, helloStream));
      const parameters = {
        type: 'object',
        required: ['city'],
        properties: { city: { type: 'string' } },
        additionalProperties: false,
      };
      await collect(
        provider(server).chat({
          ...request,
          model: 'models/gemini-2.5-flash',
          maxTokens: 2048,
          temperature: 0,
          tools: [
            { name: 'get_weather', description: 'Get weather', parameters },
            { name: 'now', parameters: { type: 'object', properties: {} } },
          ],
          providerOptions: {
            thinkingBudget: 1024,
            extraBody: { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] },
          },
        }),
      );
      assert.equal(server.requests[0]!.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
      assert.deepEqual(bodyOf(server), {
        contents: [{ role: 'user', parts: [{ text: 'Who is Hello Kitty?' }] }],
        tools: [
          {
            functionDeclarations: [
              { name: 'get_weather', description: 'Get weather', parametersJsonSchema: parameters },
              { name: 'now', parametersJsonSchema: { type: 'object', properties: {} } },
            ],
          },
        ],
        generationConfig: {
          maxOutputTokens: 2048,
          temperature: 0,
          thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
        },
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      });
    });

    it('a thinking budget of 0 turns thinking off without asking for thoughts; no budget sends no thinkingConfig', async () => {
      const server = await serve((_req, res) => sse(res, helloStream));
      await collect(provider(server).chat({ ...request, providerOptions: { thinkingBudget: 0 } }));
      await collect(provider(server).chat({ ...request, maxTokens: 64 }));
      assert.deepEqual(bodyOf(server, 0).generationConfig, { thinkingConfig: { thinkingBudget: 0 } });
      assert.deepEqual(bodyOf(server, 1).generationConfig, { maxOutputTokens: 64 });
    });
  });

  describe('non-streaming', () => {
    it('uses generateContent and yields the same events', async () => {
      // The non-streaming answer is one response object of the streamed shape (docs.rs gproxy-protocol).
      const whole = {
        candidates: [
          {
            content: {
              parts: [
                { text: '**Planning**\n\nThe user wants the files.', thought: true },
                { text: 'Listing them.' },
                {
                  functionCall: { name: 'bash', args: { command: 'ls -R' }, id: 'flveizpn' },
                  thoughtSignature: PRO_31_SIGNATURE,
                },
              ],
              role: 'model',
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: geminiUsage(1964, 16, 87),
        modelVersion: 'gemini-3.1-pro-preview',
        responseId: '3XX0aaTKIOSpvdIPoYGLsAM',
      };
      const server = await serve((_req, res) => json(res, 200, whole));
      const events = await collect(
        provider(server).chat({ ...request, model: 'gemini-3.1-pro-preview', stream: false }),
      );
      assert.equal(server.requests[0]!.path, '/v1beta/models/gemini-3.1-pro-preview:generateContent');
      assert.equal(server.requests[0]!.headers.accept, 'application/json');
      assert.deepEqual(events, [
        { type: 'response-metadata', metadata: { status: 200 } },
        { type: 'reasoning', text: '**Planning**\n\nThe user wants the files.' },
        { type: 'text', text: 'Listing them.' },
        {
          type: 'tool-call',
          id: 'flveizpn',
          name: 'bash',
          arguments: { command: 'ls -R' },
          providerMetadata: { thoughtSignature: PRO_31_SIGNATURE },
        },
        { type: 'usage', usage: { inputTokens: 1964, outputTokens: 103, reasoningTokens: 87 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });
  });

  describe('errors', () => {
    async function failWith(status: number, body: unknown): Promise<ProviderError> {
      const server = await serve((_req, res) => json(res, status, body));
      const { events, error } = await collectUntilError(provider(server).chat(request));
      assert.deepEqual(events, [], 'no event before an HTTP error');
      return error;
    }

    it('400 API_KEY_INVALID is invalid_credentials, and the message never holds the key', async () => {
      const error = await failWith(400, GEMINI_ERRORS.apiKeyInvalid);
      assert.deepEqual([error.kind, error.status, error.code], ['invalid_credentials', 400, 'API_KEY_INVALID']);
      assert.equal(
        error.message,
        'Google Gemini rejected the API key (400): API key not valid. Please pass a valid API key.',
      );
      assert.ok(!`${error.message} ${error.providerMessage}`.includes(KEY));
    });

    it('403 PERMISSION_DENIED (no key) is invalid_credentials', async () => {
      const error = await failWith(403, GEMINI_ERRORS.permissionDenied);
      assert.deepEqual([error.kind, error.code], ['invalid_credentials', 'PERMISSION_DENIED']);
    });

    it('404 for an unknown model is model_not_found', async () => {
      assert.equal((await failWith(404, GEMINI_ERRORS.modelNotFound)).kind, 'model_not_found');
    });

    it('429 per minute is rate_limited with its RetryInfo delay; per day is quota_exceeded', async () => {
      const limited = await failWith(429, GEMINI_ERRORS.perMinuteRateLimit);
      assert.deepEqual([limited.kind, limited.retryAfterMs], ['rate_limited', 33_000]);
      assert.equal((await failWith(429, GEMINI_ERRORS.perDayQuota)).kind, 'quota_exceeded');
    });

    it('503 UNAVAILABLE is overloaded; 500 INTERNAL is server_error', async () => {
      assert.equal((await failWith(503, GEMINI_ERRORS.overloaded)).kind, 'overloaded');
      assert.equal((await failWith(500, GEMINI_ERRORS.internal)).kind, 'server_error');
    });

    it('reads an error body wrapped in a JSON array', async () => {
      assert.equal((await failWith(400, [GEMINI_ERRORS.apiKeyInvalid])).kind, 'invalid_credentials');
      assert.equal((await failWith(429, [GEMINI_ERRORS.perDayQuota])).kind, 'quota_exceeded');
    });
  });

  describe('timeouts and cancellation', () => {
    async function until(condition: () => boolean): Promise<void> {
      for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.ok(condition(), 'condition not reached');
    }

    it('aborting mid-stream ends with cancelled and closes the connection at once', async () => {
      const server = await serve((_req, res) => sse(res, dataEvents([HELLO_KITTY_CHUNK]), { hang: true }));
      const controller = new AbortController();
      const events: ChatEvent[] = [];
      const { error } = await collectUntilError(
        (async function* () {
          for await (const event of provider(server).chat(request, { signal: controller.signal })) {
            events.push(event);
            if (event.type === 'text') controller.abort();
            yield event;
          }
        })(),
      );
      assert.equal(error.kind, 'cancelled');
      assert.equal(text(events), '**凯蒂猫（Hello Kitty）** 是');
      await server.socketsClosed(500);
    });

    it('a consumer that stops reading early releases the connection too', async () => {
      const server = await serve((_req, res) => sse(res, dataEvents([HELLO_KITTY_CHUNK]), { hang: true }));
      for await (const event of provider(server).chat(request)) {
        if (event.type === 'text') break;
      }
      await server.socketsClosed(500);
    });

    it('a stream that stalls for idleMs is a timeout, after what arrived', async () => {
      const clock = new ManualClock();
      const server = await serve((_req, res) => sse(res, dataEvents([HELLO_KITTY_CHUNK]), { hang: true }));
      const events: ChatEvent[] = [];
      const done = collectUntilError(
        (async function* () {
          for await (const event of provider(server, { clock, timeouts: { idleMs: 10_000 } }).chat(request)) {
            events.push(event);
            yield event;
          }
        })(),
      );
      await until(() => text(events) !== '');
      clock.advance(10_000);
      const { error } = await done;
      assert.equal(error.kind, 'timeout');
      await server.socketsClosed();
      assert.equal(clock.pending(), 0);
    });
  });

  describe('listModels', () => {
    it('follows nextPageToken and keeps only models that can generateContent', async () => {
      const token = 'Cg9tb2RlbHMvZ2VtaW5p+/=';
      const server = await serve((req, res, n) => {
        assert.equal(req.headers['x-goog-api-key'], KEY);
        json(
          res,
          200,
          n === 0 ? { models: LISTED_MODELS, nextPageToken: token } : { models: [THINKING_MODEL, SPARSE_GEMMA_MODEL] },
        );
      });
      const models = await provider(server).listModels();
      assert.deepEqual(
        server.requests.map((req) => req.path),
        ['/v1beta/models?pageSize=1000', `/v1beta/models?pageSize=1000&pageToken=${encodeURIComponent(token)}`],
      );
      assert.deepEqual(models, [
        {
          id: 'gemini-2.0-flash-thinking-exp-1219',
          name: 'Gemini 2.0 Flash Thinking Experimental',
          contextWindow: 1048576,
          maxOutputTokens: 65536,
          sources: { name: 'provider', contextWindow: 'provider', maxOutputTokens: 'provider' },
        },
        {
          id: 'gemini-2.5-flash',
          name: 'Gemini 2.5 Flash',
          contextWindow: 1048576,
          maxOutputTokens: 65536,
          capabilities: { reasoning: true },
          sources: {
            name: 'provider',
            contextWindow: 'provider',
            maxOutputTokens: 'provider',
            capabilities: 'provider',
          },
        },
        { id: 'gemma-3-27b-it', sources: {} },
      ]);
    });

    it('classifies a failed list like any other error', async () => {
      const server = await serve((_req, res) => json(res, 400, GEMINI_ERRORS.apiKeyInvalid));
      await assert.rejects(
        provider(server).listModels(),
        (error: unknown) => error instanceof ProviderError && error.kind === 'invalid_credentials',
      );
    });
  });
});
