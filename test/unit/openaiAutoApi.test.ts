import assert from 'node:assert/strict';
import { type ChatRequest } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collect, collectUntilError, textOf, useServers } from '../support/chat';
import { dataEvents, json, sse } from '../support/loopback';
import { finishChunk, OPENAI_USAGE, textDelta, usageChunk } from '../fixtures/openaiWire';
import { JOKE, TEXT_STREAM } from '../fixtures/openaiResponsesWire';

// The body Chat Completions answers for a model served only by the Responses API (a fixture quoted
// in the research notes; the code is what clients match on).
const UNSUPPORTED = {
  error: {
    code: 'unsupported_api_for_model',
    message: 'The /chat/completions endpoint is not supported for this model',
  },
};
const CHAT_STREAM = dataEvents([textDelta('From chat'), finishChunk('stop'), usageChunk(OPENAI_USAGE), '[DONE]']);

describe('OpenAI: Chat Completions or Responses', () => {
  const serve = useServers();
  const request = (model: string): ChatRequest => ({ model, messages: [{ role: 'user', content: 'Tell me a joke' }] });

  it('moves a Responses-only model to /responses, remembers it, and leaves other models on chat', async () => {
    const server = await serve((req, res) => {
      const model = (JSON.parse(req.body) as { model: string }).model;
      if (req.path === '/v1/chat/completions')
        return model === 'gpt-5-codex' ? json(res, 400, UNSUPPORTED) : sse(res, CHAT_STREAM);
      return sse(res, TEXT_STREAM);
    });
    const openai = createProvider({
      type: 'openai',
      baseUrl: `${server.url}/v1`,
      apiKey: 'sk-test-0123456789abcdefghij',
    });
    const first = await collect(openai.chat(request('gpt-5-codex')));
    assert.equal(textOf(first), JOKE);
    assert.equal(
      first.filter((event) => event.type === 'response-metadata').length,
      1,
      'one metadata event, from the API that answered',
    );
    assert.equal(textOf(await collect(openai.chat(request('gpt-5-codex')))), JOKE);
    assert.equal(textOf(await collect(openai.chat(request('gpt-4.1')))), 'From chat');
    assert.deepEqual(
      server.requests.map((req) => req.path),
      ['/v1/chat/completions', '/v1/responses', '/v1/responses', '/v1/chat/completions'],
    );
  });

  it('other first failures are not retried elsewhere', async () => {
    const server = await serve((_req, res) => json(res, 400, { error: { message: 'bad', code: 'invalid_value' } }));
    const { error } = await collectUntilError(
      createProvider({ type: 'openai', baseUrl: server.url, apiKey: 'sk-test-0123456789abcdefghij' }).chat(
        request('gpt-4.1'),
      ),
    );
    assert.equal(error.code, 'invalid_value');
    assert.equal(server.requests.length, 1);
  });

  it("openaiApi: 'responses' and 'chat' pick one API outright", async () => {
    const server = await serve((req, res) =>
      req.path.endsWith('/responses') ? sse(res, TEXT_STREAM) : json(res, 400, UNSUPPORTED),
    );
    const responses = createProvider({
      type: 'openai',
      baseUrl: server.url,
      apiKey: 'sk-test-0123456789abcdefghij',
      openaiApi: 'responses',
    });
    assert.equal(textOf(await collect(responses.chat(request('gpt-4.1')))), JOKE);
    const chatOnly = createProvider({
      type: 'openai',
      baseUrl: server.url,
      apiKey: 'sk-test-0123456789abcdefghij',
      openaiApi: 'chat',
    });
    assert.equal(
      (await collectUntilError(chatOnly.chat(request('gpt-5-codex')))).error.code,
      'unsupported_api_for_model',
    );
    assert.deepEqual(
      server.requests.map((req) => req.path),
      ['/responses', '/chat/completions'],
    );
  });
});
