import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { MAX_DESCRIBED_MODELS, MAX_LISTED_MODELS, OllamaProvider } from '../../src/core/adapters/ollama';
import { ProviderError } from '../../src/core/errors';
import type { ChatEvent, ChatRequest, Clock, Timeouts } from '../../src/core/types';
import { collect, collectUntilError, joinDeltas, testTransport, useServers } from '../support/chat';
import { json, sse, type LoopbackServer, type SseOptions } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import {
  contentChunk,
  DOCS_FINAL_CHUNK,
  finalChunk,
  MODEL_NOT_FOUND,
  ndjsonLines,
  NON_STREAMING_TEXT,
  NON_STREAMING_TOOL_CALL,
  SHOW_LLAMA_OLD,
  showCurrent,
  STREAM_ERROR_LINE,
  STREAMING_TOOL_CALL,
  tagsEntry,
  thinkingChunk,
  toolCallChunk,
} from '../fixtures/ollamaWire';

const KEY = 'ollama-cloud-key-0123456789abcdef';
const request: ChatRequest = { model: 'llama3.2', messages: [{ role: 'user', content: 'Why is the sky blue?' }] };

const serve = useServers();
/** GET /api/ps with nothing loaded (docs.ollama.com/api/ps). */
const PS_NONE = { models: [] };

/** What `createProvider` would build for Ollama: the transport, and a Bearer header only with a key. */
function ollama(
  server: LoopbackServer,
  options: { key?: string; clock?: Clock; timeouts?: Timeouts; baseUrl?: string } = {},
): OllamaProvider {
  const transport = testTransport('Ollama', options);
  const key = options.key;
  return new OllamaProvider({
    transport,
    baseUrl: options.baseUrl ?? server.url,
    headers: (): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {}),
  });
}

/** Ollama streams `application/x-ndjson`; `sse()` writes any body, in pieces if asked. */
function ndjson(response: ServerResponse, body: string, options: SseOptions = {}): Promise<void> {
  return sse(response, body, { ...options, headers: { 'content-type': 'application/x-ndjson', ...options.headers } });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'condition not reached');
}

const withoutMetadata = (events: ChatEvent[]) => events.filter((event) => event.type !== 'response-metadata');
const text = (events: ChatEvent[]) => events.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join('');
const sentBody = (server: LoopbackServer, index = 0) =>
  JSON.parse(server.requests[index]!.body) as Record<string, unknown>;

const helloStream = ndjsonLines([
  contentChunk('The'),
  contentChunk(' sky'),
  contentChunk(' is blue, wörld 👋'),
  DOCS_FINAL_CHUNK,
]);
// Adjacent deltas joined (see joinDeltas): how many reads they arrive in is the network's business.
const helloEvents: ChatEvent[] = [
  { type: 'text', text: 'The sky is blue, wörld 👋' },
  { type: 'usage', usage: { inputTokens: 26, outputTokens: 282 } },
  { type: 'finish', reason: 'stop' },
];

describe('Ollama native adapter', () => {
  describe('streaming', () => {
    it('streams text, then usage from the done line, then the finish, after the response metadata', async () => {
      const server = await serve((_req, res) => ndjson(res, helloStream));
      const events = await collect(ollama(server).chat(request));
      assert.deepEqual(joinDeltas(events), [{ type: 'response-metadata', metadata: { status: 200 } }, ...helloEvents]);
      const [sent] = server.requests;
      assert.equal(sent?.method, 'POST');
      assert.equal(sent?.path, '/api/chat');
      assert.equal(sent?.headers.accept, 'application/x-ndjson');
      assert.equal(sentBody(server).stream, true);
    });

    it('reads the same events a byte at a time, with CRLF, blank lines and no newline after the last line', async () => {
      const lines = [
        contentChunk('The'),
        contentChunk(' sky'),
        contentChunk(' is blue, wörld 👋'),
        DOCS_FINAL_CHUNK,
      ].map((value) => JSON.stringify(value));
      const framed = `${lines[0]}\r\n\r\n${lines[1]}\r\n\n${lines[2]}\n${lines[3]}`;
      const server = await serve((_req, res) => ndjson(res, framed, { pieceBytes: 1 }));
      assert.deepEqual(joinDeltas(withoutMetadata(await collect(ollama(server).chat(request)))), helloEvents);
    });

    it('reads nothing after the done line', async () => {
      const server = await serve((_req, res) =>
        ndjson(res, helloStream + ndjsonLines([contentChunk('after the end'), STREAM_ERROR_LINE])),
      );
      assert.deepEqual(joinDeltas(withoutMetadata(await collect(ollama(server).chat(request)))), helloEvents);
    });

    it('streams message.thinking as reasoning and skips the empty content beside it', async () => {
      const body = ndjsonLines([
        thinkingChunk('Need'),
        thinkingChunk(' to greet.'),
        contentChunk('Hi!'),
        finalChunk('stop', { prompt_eval_count: 12, eval_count: 40 }),
      ]);
      const server = await serve((_req, res) => ndjson(res, body));
      assert.deepEqual(joinDeltas(withoutMetadata(await collect(ollama(server).chat(request)))), [
        { type: 'reasoning', text: 'Need to greet.' },
        { type: 'text', text: 'Hi!' },
        { type: 'usage', usage: { inputTokens: 12, outputTokens: 40 } },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    it('a streamed tool call keeps its object arguments and finishes with tool_calls, though Ollama says "stop"', async () => {
      const server = await serve((_req, res) =>
        ndjson(
          res,
          ndjsonLines([...STREAMING_TOOL_CALL, finalChunk('stop', { prompt_eval_count: 187, eval_count: 62 })]),
          { pieceBytes: 9 },
        ),
      );
      assert.deepEqual(withoutMetadata(await collect(ollama(server).chat(request))), [
        { type: 'text', text: 'celsius' },
        { type: 'text', text: '</think>' },
        { type: 'tool-call', name: 'get_current_weather', arguments: { format: 'celsius', location: 'Toronto' } },
        { type: 'usage', usage: { inputTokens: 187, outputTokens: 62 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });

    it('parallel tool calls, in one chunk or several, come in order at the end, with ids where the server gave them', async () => {
      const body = ndjsonLines([
        toolCallChunk([
          { id: 'call_a1', name: 'get_weather', arguments: { city: 'Paris' } },
          { name: 'get_weather', arguments: { city: 'Tokyo' } },
        ]),
        contentChunk('Checking both.'),
        toolCallChunk([{ name: 'get_time', arguments: { zone: 'JST' } }]),
        finalChunk('stop'),
      ]);
      const server = await serve((_req, res) => ndjson(res, body));
      assert.deepEqual(withoutMetadata(await collect(ollama(server).chat(request))), [
        { type: 'text', text: 'Checking both.' },
        { type: 'tool-call', id: 'call_a1', name: 'get_weather', arguments: { city: 'Paris' } },
        { type: 'tool-call', name: 'get_weather', arguments: { city: 'Tokyo' } },
        { type: 'tool-call', name: 'get_time', arguments: { zone: 'JST' } },
        { type: 'usage', usage: { inputTokens: 26, outputTokens: 282 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    });

    it('done_reason "length" (num_predict reached) finishes with length; cached prompt tokens are kept', async () => {
      const final = {
        ...finalChunk('length', { prompt_eval_count: 900, eval_count: 64 }),
        prompt_eval_cached_count: 850,
      };
      const server = await serve((_req, res) => ndjson(res, ndjsonLines([contentChunk('Half an ans'), final])));
      assert.deepEqual(withoutMetadata(await collect(ollama(server).chat(request))), [
        { type: 'text', text: 'Half an ans' },
        { type: 'usage', usage: { inputTokens: 900, outputTokens: 64, cachedInputTokens: 850 } },
        { type: 'finish', reason: 'length' },
      ]);
    });
  });

  describe('non-streaming', () => {
    it('yields the same events from one JSON object, tool calls included', async () => {
      const server = await serve((_req, res, n) =>
        json(res, 200, n === 0 ? NON_STREAMING_TOOL_CALL : NON_STREAMING_TEXT),
      );
      const provider = ollama(server);
      assert.deepEqual(await collect(provider.chat({ ...request, stream: false })), [
        { type: 'response-metadata', metadata: { status: 200 } },
        { type: 'tool-call', name: 'get_current_weather', arguments: { format: 'celsius', location: 'Paris, FR' } },
        { type: 'usage', usage: { inputTokens: 122, outputTokens: 33 } },
        { type: 'finish', reason: 'tool_calls' },
      ]);
      assert.deepEqual(withoutMetadata(await collect(provider.chat({ ...request, stream: false }))), [
        { type: 'text', text: 'Hello! How can I help you today?' },
        { type: 'usage', usage: { inputTokens: 11, outputTokens: 18 } },
        { type: 'finish', reason: 'stop' },
      ]);
      assert.equal(sentBody(server).stream, false);
      assert.equal(server.requests[0]!.headers.accept, 'application/json');
    });
  });

  describe('the request', () => {
    it('maps messages, images, tool calls and results, tools, options, think and extraBody', async () => {
      const server = await serve((_req, res) => ndjson(res, helloStream));
      await collect(
        ollama(server).chat({
          model: 'qwen3',
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
              toolCalls: [
                { id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } },
                // From another provider's turn: arguments kept as JSON text.
                { id: 'call_2', name: 'get_time', arguments: '{"zone":"CET"}' },
              ],
            },
            { role: 'tool', toolCallId: 'call_1', toolName: 'get_weather', content: '18°C, sunny' },
            // No toolName: found from the call it answers.
            { role: 'tool', toolCallId: 'call_2', content: '14:00' },
          ],
          maxTokens: 64,
          temperature: 0.2,
          tools: [
            {
              name: 'get_weather',
              description: 'Weather for a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          ],
          providerOptions: {
            reasoningEffort: 'high',
            extraBody: { keep_alive: '10m', options: { num_ctx: 32768, temperature: 0.7 } },
          },
        }),
      );
      assert.equal(server.requests[0]!.headers.authorization, undefined);
      assert.equal(server.requests[0]!.headers['content-type'], 'application/json');
      assert.deepEqual(sentBody(server), {
        model: 'qwen3',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'What is this?', images: ['iVBORw0KGgo='] },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'call_1', function: { name: 'get_weather', arguments: { city: 'Paris' } } },
              { id: 'call_2', function: { name: 'get_time', arguments: { zone: 'CET' } } },
            ],
          },
          { role: 'tool', content: '18°C, sunny', tool_name: 'get_weather', tool_call_id: 'call_1' },
          { role: 'tool', content: '14:00', tool_name: 'get_time', tool_call_id: 'call_2' },
        ],
        stream: true,
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Weather for a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          },
        ],
        think: 'high',
        // extraBody's options join Switchboard's, and win where both set one.
        options: { num_predict: 64, temperature: 0.7, num_ctx: 32768 },
        keep_alive: '10m',
      });
    });

    it('sends no options and no think when nothing asks for them', async () => {
      const server = await serve((_req, res) => ndjson(res, helloStream));
      await collect(ollama(server).chat(request));
      assert.deepEqual(sentBody(server), {
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'Why is the sky blue?' }],
        stream: true,
      });
    });

    it('sends the key as a Bearer token to every endpoint, and takes a base URL that ends in /api', async () => {
      const server = await serve((req, res) => {
        if (req.path === '/api/tags') return json(res, 200, { models: [tagsEntry('gpt-oss:120b')] });
        if (req.path === '/api/ps') return json(res, 200, PS_NONE);
        if (req.path === '/api/show')
          return json(res, 200, showCurrent('gptoss', 131072, ['completion', 'tools', 'thinking']));
        return ndjson(res, helloStream);
      });
      const cloud = ollama(server, { key: KEY, baseUrl: `${server.url}/api/` });
      await collect(cloud.chat(request));
      await cloud.listModels();
      assert.deepEqual(
        server.requests.map((req) => [req.path, req.headers.authorization]),
        [
          ['/api/chat', `Bearer ${KEY}`],
          ['/api/tags', `Bearer ${KEY}`],
          ['/api/ps', `Bearer ${KEY}`],
          ['/api/show', `Bearer ${KEY}`],
        ],
      );
    });

    it('think: effort levels as strings ("minimal" becomes "low"), a budget as on, 0 as off', async () => {
      const server = await serve((_req, res) => ndjson(res, helloStream));
      const provider = ollama(server);
      const cases: Array<[ChatRequest['providerOptions'], unknown]> = [
        [{ reasoningEffort: 'low' }, 'low'],
        [{ reasoningEffort: 'minimal' }, 'low'],
        [{ reasoningEffort: 'medium', thinkingBudget: 0 }, 'medium'],
        [{ thinkingBudget: 2048 }, true],
        [{ thinkingBudget: 0 }, false],
      ];
      for (const [providerOptions] of cases) await collect(provider.chat({ ...request, providerOptions }));
      assert.deepEqual(
        server.requests.map((_req, index) => sentBody(server, index).think),
        cases.map(([, think]) => think),
      );
    });

    it('a server that refuses a think level is asked once more with think: true, and that model keeps it', async () => {
      const server = await serve((req, res) => {
        const body = JSON.parse(req.body) as { model: string; think?: unknown };
        if (body.model === 'llama3.2') return json(res, 400, { error: '"llama3.2" does not support thinking' });
        // Servers before commit 122c68c accept levels only for gpt-oss.
        if (typeof body.think === 'string' && body.model !== 'gpt-oss:20b')
          return json(res, 400, { error: `think value "${body.think}" is not supported for this model` });
        return ndjson(res, helloStream);
      });
      const provider = ollama(server);
      const low = { providerOptions: { reasoningEffort: 'low' as const } };
      assert.equal(
        text(await collect(provider.chat({ ...request, model: 'qwen3:8b', ...low }))),
        'The sky is blue, wörld 👋',
      );
      await collect(provider.chat({ ...request, model: 'qwen3:8b', ...low }));
      await collect(provider.chat({ ...request, model: 'gpt-oss:20b', ...low }));
      const { error } = await collectUntilError(provider.chat({ ...request, model: 'llama3.2', ...low }));
      assert.equal(error.kind, 'bad_request');
      assert.deepEqual(
        server.requests.map((req) => {
          const body = JSON.parse(req.body) as { model: string; think?: unknown };
          return [body.model, body.think];
        }),
        [
          ['qwen3:8b', 'low'],
          ['qwen3:8b', true],
          ['qwen3:8b', true],
          ['gpt-oss:20b', 'low'],
          // "does not support thinking" is not about the level: no second try.
          ['llama3.2', 'low'],
        ],
      );
    });
  });

  describe('errors', () => {
    it('404 {"error":"model \'…\' not found"} is model_not_found, before any event', async () => {
      const server = await serve((_req, res) => json(res, 404, MODEL_NOT_FOUND));
      const { events, error } = await collectUntilError(ollama(server).chat(request));
      assert.deepEqual(events, []);
      assert.equal(error.kind, 'model_not_found');
      assert.equal(error.status, 404);
      assert.equal(error.providerMessage, "model 'llama3.2' not found");
    });

    it('a cloud 401 is invalid_credentials and never repeats the key', async () => {
      const server = await serve((_req, res) => json(res, 401, { error: `unauthorized: key ${KEY} is not valid` }));
      const { error } = await collectUntilError(ollama(server, { key: KEY }).chat(request));
      assert.equal(error.kind, 'invalid_credentials');
      assert.ok(!`${error.message} ${error.providerMessage}`.includes(KEY), error.message);
    });

    it('an error line mid-stream yields what arrived in the same read, then throws', async () => {
      const body = ndjsonLines([contentChunk(' Yes'), contentChunk('.'), contentChunk('I'), STREAM_ERROR_LINE]);
      const server = await serve((_req, res) => ndjson(res, body));
      const { events, error } = await collectUntilError(ollama(server).chat(request));
      assert.deepEqual(joinDeltas(withoutMetadata(events)), [{ type: 'text', text: ' Yes.I' }]);
      assert.equal(error.kind, 'server_error');
      assert.equal(error.providerMessage, 'an error was encountered while running the model');
      assert.match(error.message, /during the response/);
    });

    it('a line that is not JSON is a server_error, after what came before it', async () => {
      const server = await serve((_req, res) =>
        ndjson(res, `${JSON.stringify(contentChunk('Fine'))}\n<html>502 Bad Gateway</html>\n`),
      );
      const { events, error } = await collectUntilError(ollama(server).chat(request));
      assert.equal(text(events), 'Fine');
      assert.equal(error.kind, 'server_error');
      assert.match(error.message, /not JSON/);
    });

    it('a stream that ends, or is cut, without done: true is a network error', async () => {
      const server = await serve((_req, res, n) =>
        ndjson(res, ndjsonLines([contentChunk('Half an ans')]), { cut: n === 1 }),
      );
      for (let attempt = 0; attempt < 2; attempt++) {
        const { events, error } = await collectUntilError(ollama(server).chat(request));
        assert.equal(text(events), 'Half an ans');
        assert.equal(error.kind, 'network', `attempt ${attempt}: ${error.message}`);
        assert.ok(!events.some((event) => event.type === 'finish'));
      }
    });
  });

  describe('timeouts and cancellation', () => {
    it('a stream that stalls for idleMs is a timeout, after what arrived, and the connection is released', async () => {
      const clock = new ManualClock();
      const server = await serve((_req, res) => ndjson(res, ndjsonLines([contentChunk('Still ')]), { hang: true }));
      const events: ChatEvent[] = [];
      const done = (async () => {
        try {
          for await (const event of ollama(server, { clock, timeouts: { idleMs: 10_000 } }).chat(request))
            events.push(event);
        } catch (error) {
          return error as ProviderError;
        }
        return undefined;
      })();
      await until(() => text(events) === 'Still ');
      clock.advance(9_999);
      assert.equal(server.openSockets(), 1);
      clock.advance(1);
      const error = await done;
      assert.equal(error?.kind, 'timeout');
      assert.match(error?.message ?? '', /stopped sending within 10 s/);
      await server.socketsClosed();
      assert.equal(clock.pending(), 0);
    });

    it('aborting mid-stream ends with cancelled and closes the connection at once', async () => {
      const server = await serve((_req, res) => ndjson(res, ndjsonLines([contentChunk('One ')]), { hang: true }));
      const controller = new AbortController();
      const events: ChatEvent[] = [];
      const error = await (async () => {
        try {
          for await (const event of ollama(server).chat(request, { signal: controller.signal })) {
            events.push(event);
            if (event.type === 'text') controller.abort();
          }
        } catch (caught) {
          return caught as ProviderError;
        }
        return undefined;
      })();
      assert.equal(error?.kind, 'cancelled');
      assert.equal(text(events), 'One ');
      await server.socketsClosed(500);
    });

    it('a consumer that stops reading early releases the connection too', async () => {
      const server = await serve((_req, res) =>
        ndjson(res, ndjsonLines([contentChunk('One '), contentChunk('two ')]), { hang: true }),
      );
      for await (const event of ollama(server).chat(request)) {
        if (event.type === 'text') break;
      }
      await server.socketsClosed(500);
    });
  });

  describe('listModels', () => {
    it('merges /api/tags with /api/show, at most 4 shows at once; a failing show leaves that model bare', async () => {
      const shows: Record<string, unknown> = {
        'qwen3:8b': showCurrent('qwen3', 40960, ['completion', 'tools', 'thinking']),
        'llava:7b': showCurrent('llama', 32768, ['completion', 'vision']),
        'llama3.1:8b': SHOW_LLAMA_OLD,
        'gemma3:4b': showCurrent('gemma3', 131072, ['completion', 'vision']),
        'nomic-embed-text:latest': showCurrent('nomic-bert', 2048, ['embedding']),
      };
      let inFlight = 0;
      let maxInFlight = 0;
      const server = await serve(async (req, res) => {
        if (req.path === '/api/tags') {
          return json(res, 200, {
            models: ['qwen3:8b', 'llava:7b', 'broken:1b', 'llama3.1:8b', 'gemma3:4b', 'nomic-embed-text:latest'].map(
              (name) => tagsEntry(name),
            ),
          });
        }
        if (req.path === '/api/ps') return json(res, 200, PS_NONE);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight--;
        const { model } = JSON.parse(req.body) as { model: string };
        const show = shows[model];
        return show
          ? json(res, 200, show)
          : json(res, 500, { error: 'llama runner process has terminated: exit status 2' });
      });
      const models = await ollama(server).listModels();
      assert.deepEqual(models, [
        {
          id: 'qwen3:8b',
          contextWindow: 40960,
          capabilities: { tools: true, vision: false, reasoning: true },
          sources: { contextWindow: 'provider', capabilities: 'provider' },
        },
        {
          id: 'llava:7b',
          contextWindow: 32768,
          capabilities: { tools: false, vision: true, reasoning: false },
          sources: { contextWindow: 'provider', capabilities: 'provider' },
        },
        { id: 'broken:1b', sources: {} },
        // A server from before capabilities: the context window only.
        { id: 'llama3.1:8b', contextWindow: 8192, sources: { contextWindow: 'provider' } },
        {
          id: 'gemma3:4b',
          contextWindow: 131072,
          capabilities: { tools: false, vision: true, reasoning: false },
          sources: { contextWindow: 'provider', capabilities: 'provider' },
        },
        {
          id: 'nomic-embed-text:latest',
          contextWindow: 2048,
          capabilities: { tools: false, vision: false, reasoning: false },
          sources: { contextWindow: 'provider', capabilities: 'provider' },
        },
      ]);
      assert.deepEqual(
        server.requests.slice(0, 2).map((req) => [req.method, req.path]),
        [
          ['GET', '/api/tags'],
          ['GET', '/api/ps'],
        ],
      );
      const showBodies = server.requests.slice(2).map((req) => [req.method, req.path, JSON.parse(req.body) as unknown]);
      assert.deepEqual(
        showBodies.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        models
          .map((model) => ['POST', '/api/show', { model: model.id }])
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
      assert.equal(maxInFlight, 4);
    });

    it('aborting while the shows are in flight rejects with cancelled and closes every connection', async () => {
      const server = await serve((req, res) => {
        // Closed after the list, so that every socket still open afterwards carried a show.
        if (req.path === '/api/tags')
          return json(
            res,
            200,
            { models: ['a:1b', 'b:1b', 'c:1b', 'd:1b', 'e:1b'].map((name) => tagsEntry(name)) },
            { connection: 'close' },
          );
        if (req.path === '/api/ps') return json(res, 200, PS_NONE, { connection: 'close' });
        return undefined; // never answers
      });
      const controller = new AbortController();
      const listing = ollama(server).listModels({ signal: controller.signal });
      await until(() => server.requests.length === 6);
      controller.abort();
      await assert.rejects(listing, (error: unknown) => error instanceof ProviderError && error.kind === 'cancelled');
      await server.socketsClosed(500);
      // The fifth model was never asked about.
      assert.equal(server.requests.length, 6);
    });

    it(`a server listing 5,000 models: the list keeps ${MAX_LISTED_MODELS}, describes the first ${MAX_DESCRIBED_MODELS}, the rest on demand`, async () => {
      const names = Array.from({ length: 5_000 }, (_, i) => `model-${i}:1b`);
      const server = await serve((req, res) => {
        if (req.path === '/api/tags') return json(res, 200, { models: names.map((name) => ({ name, model: name })) });
        if (req.path === '/api/ps') return json(res, 200, PS_NONE);
        const { model } = JSON.parse(req.body) as { model: string };
        return names.includes(model)
          ? json(res, 200, showCurrent('llama', 8192, ['completion', 'tools']))
          : json(res, 404, { error: `model '${model}' not found` });
      });
      const provider = ollama(server);
      const models = await provider.listModels();
      assert.equal(models.length, MAX_LISTED_MODELS);
      assert.deepEqual(
        models.map((model) => model.id),
        names.slice(0, MAX_LISTED_MODELS),
      );
      const described = {
        contextWindow: 8192,
        capabilities: { tools: true, vision: false, reasoning: false },
        sources: { contextWindow: 'provider', capabilities: 'provider' },
      };
      assert.deepEqual(
        models.slice(0, MAX_DESCRIBED_MODELS),
        names.slice(0, MAX_DESCRIBED_MODELS).map((id) => ({ id, ...described })),
      );
      assert.deepEqual(
        models.slice(MAX_DESCRIBED_MODELS),
        names.slice(MAX_DESCRIBED_MODELS, MAX_LISTED_MODELS).map((id) => ({ id, sources: {} })),
      );
      // The list, what is loaded, and one show per described model.
      assert.equal(server.requests.length, 2 + MAX_DESCRIBED_MODELS);

      // A model that came back bare, described when it is shown or used: its show, and what is loaded.
      assert.deepEqual(await provider.describeModel('model-700:1b'), { id: 'model-700:1b', ...described });
      // The two go out together, in either order.
      assert.deepEqual(
        server.requests
          .slice(-2)
          .map((req) => [req.path, req.body])
          .sort(),
        [
          ['/api/ps', ''],
          ['/api/show', JSON.stringify({ model: 'model-700:1b' })],
        ],
      );
      assert.equal(server.requests.length, 4 + MAX_DESCRIBED_MODELS);
      await assert.rejects(
        provider.describeModel('gone:1b'),
        (error: unknown) => error instanceof ProviderError && error.kind === 'model_not_found',
      );
    });

    it('a failed /api/tags fails the list, classified like any other error', async () => {
      const server = await serve((_req, res) => json(res, 401, { error: 'unauthorized' }));
      await assert.rejects(
        ollama(server, { key: KEY }).listModels(),
        (error: unknown) => error instanceof ProviderError && error.kind === 'invalid_credentials',
      );
    });
  });
});
