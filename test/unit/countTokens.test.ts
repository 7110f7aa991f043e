import assert from 'node:assert/strict';
import { createProvider } from '../../src/core/provider';
import { estimateCost } from '../../src/core/cost/estimate';
import { useServers } from '../support/chat';
import { json } from '../support/loopback';

// Response shapes: Anthropic's count_tokens reference ({"input_tokens": 2095}); Gemini's countTokens
// reference ({"totalTokens": 31, …}).
describe("providers' own token counts", () => {
  const serve = useServers();
  const request = {
    model: 'claude-sonnet-4-5',
    messages: [
      { role: 'system' as const, content: 'You are a scientist' },
      { role: 'user' as const, content: 'Hello, Claude' },
    ],
    maxTokens: 100,
  };

  it('Anthropic: /v1/messages/count_tokens with the message inputs, without max_tokens or stream', async () => {
    const server = await serve((_req, res) => json(res, 200, { input_tokens: 2095 }));
    const provider = createProvider({
      type: 'anthropic',
      baseUrl: server.url,
      apiKey: 'sk-ant-api03-count0123456789abcdef',
    });
    assert.equal(await provider.countTokens?.(request), 2095);
    const [sent] = server.requests;
    assert.equal(sent?.path, '/v1/messages/count_tokens');
    assert.deepEqual(JSON.parse(sent.body), {
      model: 'claude-sonnet-4-5',
      system: 'You are a scientist',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello, Claude' }] }],
    });
  });

  it('Gemini: :countTokens with the whole request, the key in the header', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, { totalTokens: 31, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 31 }] }),
    );
    const provider = createProvider({
      type: 'gemini',
      baseUrl: server.url,
      apiKey: 'AIzaSyA-0123456789abcdefghijklmnopqrstu',
    });
    assert.equal(await provider.countTokens?.({ ...request, model: 'gemini-2.5-flash' }), 31);
    const [sent] = server.requests;
    assert.equal(sent?.path, '/v1beta/models/gemini-2.5-flash:countTokens');
    assert.equal(sent?.headers['x-goog-api-key'], 'AIzaSyA-0123456789abcdefghijklmnopqrstu');
    const body = JSON.parse(sent.body) as { generateContentRequest: Record<string, unknown> };
    assert.equal(body.generateContentRequest.model, 'models/gemini-2.5-flash');
    assert.deepEqual(body.generateContentRequest.systemInstruction, { parts: [{ text: 'You are a scientist' }] });
    assert.equal(body.generateContentRequest.generationConfig, undefined);
  });

  it('the estimate uses the provider count when allowed, and the local count when that call fails', async () => {
    const server = await serve((_req, res, n) =>
      n === 0
        ? json(res, 200, { input_tokens: 2095 })
        : json(res, 500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }),
    );
    const provider = createProvider({
      type: 'anthropic',
      baseUrl: server.url,
      apiKey: 'sk-ant-api03-count0123456789abcdef',
    });
    const asked = await estimateCost({ catalogIds: ['anthropic'] }, request, 'anthropic', 100, { provider });
    assert.deepEqual([asked.inputTokens, asked.method], [2095, 'provider']);
    const fallback = await estimateCost({ catalogIds: ['anthropic'] }, request, 'anthropic', 100, { provider });
    assert.equal(fallback.method, 'estimate');
    assert.ok(fallback.inputTokens > 0 && fallback.inputTokens < 50, String(fallback.inputTokens));
    const local = await estimateCost({ catalogIds: ['anthropic'] }, request, 'anthropic', 100);
    assert.equal(local.method, 'estimate');
    assert.equal(server.requests.length, 2, 'no call without permission');
  });
});
