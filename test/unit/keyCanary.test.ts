// Canary: one unique key, of no shape a pattern knows, sent through every way the core builds an
// error or a connection-test report; every field, the cause chain, the JSON form and util.inspect are scanned.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import {
  ProviderError,
  REDACTED,
  Redactor,
  type ChatRequest,
  type CreateProviderOptions,
  type ProviderType,
  type StageResult,
} from '../../src/core';
import { runConnectionTest } from '../../src/core/connectionTest';
import { createProvider } from '../../src/core/provider';
import { collectUntilError, useServers } from '../support/chat';
import { dataEvents, json, sse, type RecordedRequest } from '../support/loopback';
import { textDelta } from '../fixtures/openaiWire';

const KEY = 'Q7zX9kV2pL4mW8rT6yN3bJ5hF1dS0gC';
/** Four characters of the key in a row: what a key cut in half before redaction leaves. */
const FRAGMENTS = Array.from({ length: KEY.length - 3 }, (_, index) => KEY.slice(index, index + 4));
/** Where a cut falls inside the key: this many of its characters stand before it. */
const CUTS = [5, 17, 29];
const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const TYPES: ProviderType[] = ['openai', 'openai-compatible', 'anthropic', 'gemini', 'azure-openai', 'ollama'];

/** Every string reachable through own properties, enumerable or not (message, stack, code, cause, …). */
function ownStrings(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  return Object.getOwnPropertyNames(value).flatMap((name) =>
    ownStrings((value as Record<string, unknown>)[name], seen),
  );
}

function assertNoKey(label: string, value: unknown): void {
  const texts = [
    ...ownStrings(value),
    JSON.stringify(value) ?? '',
    inspect(value, { showHidden: true, depth: Infinity }),
  ];
  for (const text of texts) {
    const fragment = FRAGMENTS.find((piece) => text.includes(piece));
    assert.equal(fragment, undefined, `${label}: "${fragment}" of the key in: ${text.slice(0, 400)}`);
  }
  // Else the key never reached it, and the scan proves nothing. (A cut may fall inside the marker.)
  assert.ok(
    texts.some((text) => text.includes(REDACTED.slice(0, 4))),
    `${label}: nothing was redacted`,
  );
}

/** A provider message whose cut (at 1,000 or 200 characters) falls `inside` characters into the key. */
const straddling = (limit: number, inside: number) => `${'x'.repeat(limit - inside)}${KEY} and more`;

async function chatError(options: CreateProviderOptions, chat: Partial<ChatRequest> = {}): Promise<ProviderError> {
  return (await collectUntilError(createProvider(options).chat({ ...request, ...chat }))).error;
}

async function listError(options: CreateProviderOptions): Promise<ProviderError> {
  const error = await createProvider(options)
    .listModels()
    .then(
      () => undefined,
      (failure: unknown) => failure,
    );
  assert.ok(
    error instanceof ProviderError,
    `expected the model list to fail with a ProviderError, got ${String(error)}`,
  );
  return error;
}

describe('key canary: no error and no connection-test report holds the key', () => {
  const serve = useServers();

  it('an HTTP error echoing the key in its code, type, request id and message (cut at 1,000), for every provider type', async () => {
    for (const inside of CUTS) {
      const server = await serve((_req, res) =>
        json(
          res,
          400,
          { error: { message: straddling(1000, inside), code: KEY, type: KEY, status: KEY } },
          { 'x-request-id': KEY, 'request-id': KEY },
        ),
      );
      for (const type of TYPES) {
        const options = {
          type,
          baseUrl: type === 'azure-openai' ? `${server.url}/openai/v1` : server.url,
          apiKey: KEY,
        };
        const error = await chatError(options);
        assert.equal(error.kind, 'bad_request', type);
        assert.ok(error.requestId && error.code, `${type}: the request id and code are kept, redacted`);
        assertNoKey(`${type} chat, cut ${inside}`, error);
        assertNoKey(`${type} model list, cut ${inside}`, await listError(options));
      }
    }
  });

  it('an error inside a 200 stream, in every adapter format', async () => {
    for (const inside of CUTS) {
      const message = straddling(1000, inside);
      const streams: Array<
        [CreateProviderOptions['type'], Partial<CreateProviderOptions>, (res: ServerResponse) => void | Promise<void>]
      > = [
        [
          'openai-compatible',
          {},
          (res) => sse(res, dataEvents([textDelta('a'), { error: { message, code: KEY, type: KEY } }])),
        ],
        [
          'openai',
          { openaiApi: 'responses' },
          (res) => sse(res, `event: error\ndata: ${JSON.stringify({ type: 'error', code: KEY, message })}\n\n`),
        ],
        [
          'anthropic',
          {},
          (res) =>
            sse(res, `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: KEY, message } })}\n\n`),
        ],
        ['gemini', {}, (res) => sse(res, dataEvents([{ error: { code: 400, message, status: KEY } }]))],
        [
          'ollama',
          {},
          (res) =>
            sse(res, `${JSON.stringify({ error: message })}\n`, {
              headers: { 'content-type': 'application/x-ndjson' },
            }),
        ],
      ];
      for (const [type, extra, answer] of streams) {
        const server = await serve((_req, res) => answer(res));
        assertNoKey(
          `${type} stream error, cut ${inside}`,
          await chatError({ type, baseUrl: server.url, apiKey: KEY, ...extra }),
        );
      }
    }
  });

  it('a body that should be JSON and is not, cut at 200; a 200 that is an error object', async () => {
    for (const inside of CUTS) {
      const text = straddling(200, inside);
      const plain = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(text);
      });
      assertNoKey(
        `whole answer, cut ${inside}`,
        await chatError({ type: 'openai-compatible', baseUrl: plain.url, apiKey: KEY }, { stream: false }),
      );
      assertNoKey(
        `model list, cut ${inside}`,
        await listError({ type: 'openai-compatible', baseUrl: plain.url, apiKey: KEY }),
      );
      const event = await serve((_req, res) => sse(res, `data: ${text}\n\n`));
      assertNoKey(
        `SSE event, cut ${inside}`,
        await chatError({ type: 'openai-compatible', baseUrl: event.url, apiKey: KEY }),
      );
      const line = await serve((_req, res) =>
        sse(res, `${text}\n`, { headers: { 'content-type': 'application/x-ndjson' } }),
      );
      assertNoKey(`Ollama line, cut ${inside}`, await chatError({ type: 'ollama', baseUrl: line.url, apiKey: KEY }));
      const errorObject = await serve((_req, res) =>
        json(res, 200, { error: { message: straddling(1000, inside), code: KEY } }),
      );
      assertNoKey(
        `200 error object, cut ${inside}`,
        await listError({ type: 'openai-compatible', baseUrl: errorObject.url, apiKey: KEY }),
      );
    }
  });

  it('a redirect to an address holding the key', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:9/${KEY}` });
      res.end();
    });
    assertNoKey('redirect', await chatError({ type: 'anthropic', baseUrl: server.url, apiKey: KEY }));
  });

  it('foreign causes: an invalid URL holding the key; a socket error echoing it in its code, message and cause', async () => {
    const invalid = await chatError({ type: 'openai-compatible', baseUrl: `http://bad host/${KEY}`, apiKey: KEY });
    assert.equal(invalid.kind, 'network');
    assert.ok(invalid.cause instanceof Error, 'the cause is kept, as a summary');
    assertNoKey('invalid URL', invalid);

    const echoing: typeof fetch = () =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error(`proxy refused ${KEY}`), {
            code: KEY,
            input: KEY,
            cause: new Error(`deeper: ${KEY}`),
          }),
        }),
      );
    const socket = await chatError({
      type: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:9',
      apiKey: KEY,
      fetch: echoing,
    });
    assert.equal(socket.kind, 'network');
    assertNoKey('socket error', socket);
  });

  it('a ProviderError built by hand: redacted with the redactor given, or again with redactedWith', () => {
    const redactor = new Redactor();
    redactor.addSecret(KEY);
    const cause = Object.assign(new Error(`Invalid URL http://h/${KEY}`), { input: KEY, code: 'ERR_INVALID_URL' });
    const details = { code: KEY, requestId: KEY, providerMessage: straddling(1000, 17), cause };
    const built = new ProviderError('network', `failed ${KEY}`, { ...details, redactor });
    assertNoKey('built with the redactor', built);
    assert.equal((built.cause as { code?: string }).code, 'ERR_INVALID_URL', 'the cause keeps its code');
    assertNoKey('redacted again', new ProviderError('network', `failed ${KEY}`, details).redactedWith(redactor));
  });

  describe('connection-test reports', () => {
    /** Runs the connection test, scanning what it reports live and what it returns. */
    async function report(label: string, options: Parameters<typeof runConnectionTest>[0]) {
      const live: StageResult[] = [];
      const result = await runConnectionTest({ ...options, onStage: (stage) => live.push(stage) });
      assertNoKey(`${label} (report)`, result);
      assertNoKey(`${label} (live stages)`, live);
      return result;
    }

    it('a key pasted as the base URL', async () => {
      await report('key as base URL', { type: 'openai-compatible', baseUrl: KEY, apiKey: KEY });
      const shaped = 'sk-proj-Zx81Qw72Er63Ty54Ui45Op36';
      const result = await runConnectionTest({ type: 'openai-compatible', baseUrl: shaped });
      assert.ok(!JSON.stringify(result).includes(shaped), JSON.stringify(result));
    });

    it('a base URL carrying ?key= (and the base URL it suggests)', async () => {
      const server = await serve((req: RecordedRequest, res) =>
        req.path.endsWith('/v1/models')
          ? json(res, 200, { object: 'list', data: [{ id: 'm' }] })
          : json(res, 404, { error: { message: 'Not Found' } }),
      );
      const result = await report('?key= base URL', {
        type: 'openai-compatible',
        baseUrl: `${server.url}/?key=${KEY}`,
        apiKey: 'another-key-entirely',
      });
      assert.ok(result.suggestedBaseUrl, 'a base URL was suggested');
    });

    it('a key echoed in an error code, in an error message cut at 1,000, in a socket error, in a stream error', async () => {
      const rejecting = await serve((_req, res) => json(res, 401, { error: { message: `bad key ${KEY}`, code: KEY } }));
      const auth = await report('auth', { type: 'openai-compatible', baseUrl: rejecting.url, apiKey: KEY });
      assert.equal(auth.stages.find((stage) => stage.stage === 'auth')?.status, 'fail');

      const failing = await serve((_req, res) =>
        json(res, 500, { error: { message: straddling(1000, 17), code: KEY } }),
      );
      await report('models', { type: 'openai-compatible', baseUrl: failing.url, apiKey: KEY });

      const echoing: typeof fetch = () =>
        Promise.reject(
          new TypeError('fetch failed', { cause: Object.assign(new Error(`refused ${KEY}`), { code: KEY }) }),
        );
      const connect = await report('connect', {
        type: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:9',
        apiKey: KEY,
        fetch: echoing,
      });
      assert.equal(connect.stages[0]?.status, 'fail');

      const streaming = await serve((req, res) =>
        req.path.endsWith('/models')
          ? json(res, 200, { object: 'list', data: [{ id: 'm' }] })
          : sse(res, dataEvents([{ error: { message: straddling(1000, 5), code: KEY } }])),
      );
      const chat = await report('chat', { type: 'openai-compatible', baseUrl: streaming.url, apiKey: KEY, model: 'm' });
      assert.equal(chat.stages.find((stage) => stage.stage === 'chat')?.status, 'fail');
    });
  });
});
