import assert from 'node:assert/strict';
import { createProvider } from '../../src/core/provider';
import { collect, textOf, useServers } from '../support/chat';
import { dataEvents, sse } from '../support/loopback';
import { geminiChunk, geminiUsage } from '../fixtures/geminiWire';

const GEMINI_KEY = 'AIzaSyA-0123456789abcdefghijklmnopqrstu';

describe('createProvider wiring', () => {
  const serve = useServers();

  it('gemini: the API version from a pasted base URL, the key only in x-goog-api-key', async () => {
    const server = await serve((_req, res) =>
      sse(
        res,
        dataEvents([
          geminiChunk([{ text: 'Hi' }]),
          geminiChunk([{ text: '' }], { finishReason: 'STOP', usage: geminiUsage(3, 1, undefined) }),
        ]),
      ),
    );
    for (const [base, version] of [
      [`${server.url}/v1beta`, 'v1beta'],
      [`${server.url}/v1alpha/`, 'v1alpha'],
      [server.url, 'v1beta'],
    ] as const) {
      const provider = createProvider({ type: 'gemini', baseUrl: base, apiKey: GEMINI_KEY });
      assert.equal(
        textOf(
          await collect(
            provider.chat({ model: 'models/gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] }),
          ),
        ),
        'Hi',
      );
      const sent = server.requests.at(-1)!;
      assert.equal(sent.path, `/${version}/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, base);
      assert.equal(sent.headers['x-goog-api-key'], GEMINI_KEY);
      assert.ok(!sent.path.includes(GEMINI_KEY));
    }
  });

  it('knows every type of the contract and rejects others', () => {
    for (const type of ['openai', 'openai-compatible', 'anthropic', 'gemini', 'azure-openai', 'ollama'] as const) {
      assert.equal(createProvider({ type, baseUrl: 'http://127.0.0.1:9' }).type, type);
    }
    assert.throws(() => createProvider({ type: 'openai-compatible' }), /baseUrl is required/);
    assert.throws(
      () => createProvider({ type: 'bedrock' as never, baseUrl: 'http://127.0.0.1:9' }),
      /unknown type 'bedrock'/,
    );
  });
});
