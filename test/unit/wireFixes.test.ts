// Two wire fixes: OpenRouter's moderation 403 is a content filter, not a bad key; a Gemini prompt
// blocked before any candidate still reports the usage it was billed for, ahead of the error.
import assert from 'node:assert/strict';
import { GeminiProvider } from '../../src/core/adapters/gemini';
import { classifyHttpError, type ChatRequest } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collectUntilError, testTransport, useServers } from '../support/chat';
import { dataEvents, json, sse, type LoopbackServer } from '../support/loopback';

const KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef';
const serve = useServers();
const request: ChatRequest = { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'Say hi' }] };

/**
 * OpenRouter's moderation error (openrouter.ai/docs/api-reference/errors, "Moderation Errors"):
 * `error.code` 403 and `metadata` of type ModerationErrorMetadata. CONSTRUCTED from that documented shape.
 */
const MODERATION_403 = {
  error: {
    code: 403,
    message: 'openai/gpt-4o requires moderation on OpenAI. Your input was flagged for "harassment".',
    metadata: {
      reasons: ['harassment', 'violence'],
      flagged_input: 'the part of the prompt that was flagged...',
      provider_name: 'OpenAI',
      model_slug: 'openai/gpt-4o',
    },
  },
};

function openRouter(server: LoopbackServer) {
  return createProvider({
    type: 'openai-compatible',
    baseUrl: `${server.url}/api/v1`,
    apiKey: KEY,
    name: 'OpenRouter',
  });
}

describe('wire fixes', () => {
  describe('OpenRouter moderation', () => {
    it('a 403 whose body says the input was flagged is content_filter, with the reasons', async () => {
      const server = await serve((_req, res) => json(res, 403, MODERATION_403));
      const { events, error } = await collectUntilError(openRouter(server).chat(request));
      assert.deepEqual(events, []);
      assert.deepEqual([error.kind, error.status], ['content_filter', 403]);
      assert.equal(
        error.message,
        'OpenRouter blocked the request with its content filter (403): openai/gpt-4o requires moderation on OpenAI. ' +
          'Your input was flagged for "harassment". (flagged: harassment, violence)',
      );
    });

    it('the same error inside a 200 stream is content_filter too', async () => {
      const server = await serve((_req, res) => sse(res, dataEvents([MODERATION_403])));
      const { error } = await collectUntilError(openRouter(server).chat(request));
      assert.deepEqual([error.kind, error.status], ['content_filter', 403]);
      assert.match(error.message, /\(flagged: harassment, violence\) \(during the response\)$/);
    });

    it('flagged_input alone is enough; a 403 without moderation metadata is still a rejected key', () => {
      const flagged = classifyHttpError({
        providerName: 'OpenRouter',
        status: 403,
        headers: new Headers(),
        bodyText: JSON.stringify({ error: { code: 403, message: 'Flagged', metadata: { flagged_input: 'x' } } }),
      });
      assert.deepEqual(
        [flagged.kind, flagged.message],
        ['content_filter', 'OpenRouter blocked the request with its content filter (403): Flagged'],
      );
      const key = classifyHttpError({
        providerName: 'OpenRouter',
        status: 403,
        headers: new Headers(),
        bodyText: JSON.stringify({
          error: { code: 403, message: 'Key is disabled', metadata: { provider_name: null } },
        }),
      });
      assert.equal(key.kind, 'invalid_credentials');
    });
  });

  describe('Gemini: a blocked prompt', () => {
    const gemini = (server: LoopbackServer) =>
      new GeminiProvider({
        transport: testTransport('Google Gemini'),
        baseUrl: server.url,
        apiVersion: 'v1beta',
        headers: () => ({}),
      });
    /**
     * generateContent with the prompt blocked: no candidates, `promptFeedback.blockReason`, and the
     * prompt's usageMetadata (ai.google.dev/api/generate-content, GenerateContentResponse). CONSTRUCTED.
     */
    const blocked = {
      promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
      usageMetadata: { promptTokenCount: 31, cachedContentTokenCount: 16, totalTokenCount: 31 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'blocked-1',
    };
    const usage = { type: 'usage', usage: { inputTokens: 31, outputTokens: 0, cachedInputTokens: 16 } };

    it('not streamed: the usage event, then the content_filter error', async () => {
      const server = await serve((_req, res) => json(res, 200, blocked));
      const { events, error } = await collectUntilError(
        gemini(server).chat({ model: 'gemini-2.5-flash', messages: request.messages, stream: false }),
      );
      assert.deepEqual(events, [{ type: 'response-metadata', metadata: { status: 200 } }, usage]);
      assert.deepEqual([error.kind, error.code], ['content_filter', 'PROHIBITED_CONTENT']);
    });

    it('streamed: the same', async () => {
      const server = await serve((_req, res) => sse(res, dataEvents([blocked])));
      const { events, error } = await collectUntilError(
        gemini(server).chat({ model: 'gemini-2.5-flash', messages: request.messages }),
      );
      assert.deepEqual(events, [{ type: 'response-metadata', metadata: { status: 200 } }, usage]);
      assert.deepEqual([error.kind, error.code], ['content_filter', 'PROHIBITED_CONTENT']);
    });

    it('a blocked prompt without usage: the error alone', async () => {
      const server = await serve((_req, res) => json(res, 200, { promptFeedback: { blockReason: 'SAFETY' } }));
      const { events, error } = await collectUntilError(
        gemini(server).chat({ model: 'gemini-2.5-flash', messages: request.messages, stream: false }),
      );
      assert.deepEqual(events, [{ type: 'response-metadata', metadata: { status: 200 } }]);
      assert.equal(error.kind, 'content_filter');
    });
  });
});
