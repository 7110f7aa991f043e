// What an independent review of the provider core found, each kept fixed by a test.
import assert from 'node:assert/strict';
import { classifyHttpError, estimateCost, type ChatEvent, type ChatRequest } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collect, collectUntilError, textOf, useServers } from '../support/chat';
import { dataEvents, json, sse } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import { finishChunk, OPENAI_USAGE, textDelta, usageChunk } from '../fixtures/openaiWire';

const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('provider core hardening', () => {
  const serve = useServers();

  it('never follows a redirect with the key (undici keeps x-api-key across origins)', async () => {
    const elsewhere = await serve((_req, res) => sse(res, 'event: message_stop\ndata: {"type":"message_stop"}\n\n'));
    const server = await serve((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/v1/messages` });
      res.end();
    });
    for (const type of ['anthropic', 'gemini', 'azure-openai', 'openai'] as const) {
      const { error } = await collectUntilError(
        createProvider({ type, baseUrl: server.url, apiKey: 'opaque-key-for-redirect-test' }).chat(request),
      );
      assert.deepEqual([error.kind, error.code, error.status], ['bad_request', 'redirect', 307], type);
      assert.match(error.message, /redirected the request to http:\/\/127\.0\.0\.1:\d+\/v1\/messages \(307\)/);
    }
    assert.equal(elsewhere.requests.length, 0, 'the other server never saw a request, nor a key');
  });

  it('redacts a key of any shape from errors that arrive inside a stream', async () => {
    const key = 'opaque-self-hosted-token-42';
    const server = await serve((_req, res) =>
      sse(res, dataEvents([textDelta('a'), { error: { message: `token ${key} expired`, type: 'server_error' } }])),
    );
    const { error } = await collectUntilError(
      createProvider({ type: 'openai-compatible', baseUrl: server.url, apiKey: key }).chat(request),
    );
    assert.ok(!`${error.message} ${error.providerMessage}`.includes(key), error.message);
    assert.match(error.message, /\[REDACTED\]/);
  });

  it('keeps a provider message short however long the body', () => {
    const error = classifyHttpError({
      providerName: 'X',
      status: 400,
      headers: new Headers(),
      bodyText: JSON.stringify({ error: { message: `api key ${'a '.repeat(100_000)}` } }),
    });
    assert.ok((error.providerMessage?.length ?? 0) <= 1000);
    assert.ok(error.message.length < 1100);
  });

  it('refuses an SSE event that never ends instead of buffering it', async () => {
    const server = await serve((_req, res) => sse(res, `data: ${'x'.repeat(9 * 1024 * 1024)}`, { hang: true }));
    const { error } = await collectUntilError(
      createProvider({ type: 'openai-compatible', baseUrl: server.url }).chat(request),
    );
    assert.equal(error.kind, 'server_error');
    assert.match(error.message, /an event larger than 8 MB/);
    await server.socketsClosed();
  });

  it('a 200 whose body is an error is that error; a non-streaming answer must be finished', async () => {
    const server = await serve((req, res) => {
      if (req.path.endsWith('/chat/completions'))
        return json(res, 200, { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } });
      if (req.path.endsWith('/api/chat'))
        return json(res, 200, { model: 'llama3.2', message: { role: 'assistant', content: 'half' }, done: false });
      if (req.path.endsWith('/responses')) return json(res, 200, { id: 'resp_1', status: 'in_progress', output: [] });
      return json(res, 200, {});
    });
    const whole = { ...request, stream: false };
    assert.equal(
      (await collectUntilError(createProvider({ type: 'openai-compatible', baseUrl: server.url }).chat(whole))).error
        .kind,
      'rate_limited',
    );
    assert.match(
      (await collectUntilError(createProvider({ type: 'ollama', baseUrl: server.url }).chat(whole))).error.message,
      /without "done": true/,
    );
    assert.match(
      (
        await collectUntilError(
          createProvider({
            type: 'openai',
            baseUrl: server.url,
            apiKey: 'sk-test-0123456789abcdef',
            openaiApi: 'responses',
          }).chat(whole),
        )
      ).error.message,
      /unfinished response \(status in_progress\)/,
    );
    assert.match(
      (
        await collectUntilError(
          createProvider({
            type: 'gemini',
            baseUrl: server.url,
            apiKey: 'AIzaSyA-0123456789abcdefghijklmnopqrstu',
          }).chat(whole),
        )
      ).error.message,
      /no candidates/,
    );
  });

  it("undici's own timeouts are timeouts, not unreachable hosts", async () => {
    const headersTimeout: typeof fetch = () =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
        }),
      );
    const { error } = await collectUntilError(
      createProvider({ type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9', fetch: headersTimeout }).chat(request),
    );
    assert.deepEqual([error.kind, error.code], ['timeout', 'UND_ERR_HEADERS_TIMEOUT']);
  });

  it('asks the Responses API for at least 16 output tokens (it refuses fewer)', async () => {
    const server = await serve((_req, res) => json(res, 400, { error: { message: 'stop here', code: 'stop' } }));
    await collectUntilError(
      createProvider({
        type: 'openai',
        baseUrl: server.url,
        apiKey: 'sk-test-0123456789abcdef',
        openaiApi: 'responses',
      }).chat({ ...request, maxTokens: 1 }),
    );
    assert.equal((JSON.parse(server.requests[0]!.body) as { max_output_tokens: number }).max_output_tokens, 16);
  });

  it("Anthropic's not_found_error is a missing model only when it names one", () => {
    const notFound = (message: string) =>
      classifyHttpError({
        providerName: 'Anthropic',
        status: 404,
        headers: new Headers(),
        bodyText: JSON.stringify({ type: 'error', error: { type: 'not_found_error', message } }),
      });
    assert.equal(notFound('model: claude-3-5-haiku-20241022').kind, 'model_not_found');
    assert.equal(notFound('Not Found').kind, 'bad_request');
  });

  it('a used-up daily quota carries no Retry-After', () => {
    const error = classifyHttpError({
      providerName: 'Google Gemini',
      status: 429,
      headers: new Headers({ 'retry-after': '5' }),
      bodyText: JSON.stringify({
        error: {
          code: 429,
          status: 'RESOURCE_EXHAUSTED',
          message: 'You exceeded your current quota.',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }],
            },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '5s' },
          ],
        },
      }),
    });
    assert.deepEqual([error.kind, error.retryAfterMs], ['quota_exceeded', undefined]);
  });

  it('stops its timers before the last events reach the consumer', async () => {
    const clock = new ManualClock();
    const server = await serve((_req, res) =>
      sse(res, dataEvents([textDelta('done'), finishChunk('stop'), usageChunk(OPENAI_USAGE), '[DONE]'])),
    );
    const iterator = createProvider({ type: 'openai-compatible', baseUrl: server.url, clock })
      .chat(request)
      [Symbol.asyncIterator]();
    let event: IteratorResult<ChatEvent>;
    do event = await iterator.next();
    while (!event.done && event.value.type !== 'finish');
    assert.equal(clock.pending(), 0, 'no timer armed once the finish event is out');
    // The finished response's socket stays in undici's pool for reuse: that is a release too.
  });

  it('DeepSeek cache hits count even when cached_tokens says 0; Mistral model_length is length', async () => {
    const server = await serve((_req, res, n) =>
      sse(
        res,
        dataEvents(
          n === 0
            ? [
                textDelta('x'),
                usageChunk({
                  prompt_tokens: 100,
                  completion_tokens: 5,
                  total_tokens: 105,
                  prompt_tokens_details: { cached_tokens: 0 },
                  prompt_cache_hit_tokens: 64,
                  prompt_cache_miss_tokens: 36,
                }),
                '[DONE]',
              ]
            : [textDelta('x'), finishChunk('model_length'), '[DONE]'],
        ),
      ),
    );
    const provider = createProvider({ type: 'openai-compatible', baseUrl: server.url });
    assert.deepEqual(
      (await collect(provider.chat(request))).find((event) => event.type === 'usage'),
      { type: 'usage', usage: { inputTokens: 100, outputTokens: 5, cachedInputTokens: 64 } },
    );
    const second = await collect(provider.chat(request));
    assert.equal(textOf(second), 'x');
    assert.deepEqual(second.at(-1), { type: 'finish', reason: 'length' });
  });

  it('a request too deep to write is a typed, non-retryable error before anything is sent, and its estimate does not throw', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const tooDeep: ChatRequest = { ...request, tools: [{ name: 'f', parameters: deep }] };
    const { error } = await collectUntilError(
      createProvider({ type: 'openai-compatible', baseUrl: server.url }).chat(tooDeep),
    );
    assert.deepEqual([error.kind, error.code], ['bad_request', 'unserializable_request']);
    assert.equal(server.requests.length, 0);
    const estimate = await estimateCost(
      { catalogIds: [], overrides: { input: 1, output: 1 } },
      tooDeep,
      'openai-compatible',
      100,
    );
    assert.ok(estimate.inputTokens > 0);
  });
});
