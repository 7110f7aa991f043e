import assert from 'node:assert/strict';
import { type ChatRequest, type ProviderType } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collectUntilError, useServers } from '../support/chat';
import { json } from '../support/loopback';

/** What each API calls "a tool must be used", as its documentation gives it; Ollama has none. */
const REQUIRED: Array<{ type: ProviderType; model: string; field: string; value: unknown; openaiApi?: 'responses' }> = [
  { type: 'openai', model: 'gpt-4o', field: 'tool_choice', value: 'required' },
  { type: 'openai', model: 'gpt-5-codex', field: 'tool_choice', value: 'required', openaiApi: 'responses' },
  { type: 'anthropic', model: 'claude-sonnet-4-5', field: 'tool_choice', value: { type: 'any' } },
  { type: 'gemini', model: 'gemini-2.5-flash', field: 'toolConfig', value: { functionCallingConfig: { mode: 'ANY' } } },
];

describe('toolChoice: required', () => {
  const serve = useServers();
  const tools = [{ name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }];
  const request = (model: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
    model,
    messages: [{ role: 'user', content: 'Read a.ts' }],
    tools,
    ...extra,
  });

  let lastPath = '';
  async function sentBody(
    type: ProviderType,
    chat: ChatRequest,
    openaiApi?: 'responses',
  ): Promise<Record<string, unknown>> {
    // The body is what matters: the server refuses, and the refusal ends the chat.
    const server = await serve((_req, res) =>
      json(res, 400, { error: { message: 'stop here', type: 'invalid_request_error' } }),
    );
    await collectUntilError(
      createProvider({
        type,
        baseUrl: type === 'openai' ? `${server.url}/v1` : type === 'gemini' ? `${server.url}/v1beta` : server.url,
        apiKey: 'sk-test-0123456789abcdef',
        ...(openaiApi ? { openaiApi } : {}),
      }).chat(chat),
    );
    lastPath = server.requests.at(-1)!.path;
    return JSON.parse(server.requests.at(-1)!.body) as Record<string, unknown>;
  }

  for (const { type, model, field, value, openaiApi } of REQUIRED) {
    it(`${type}${openaiApi ? ` (${openaiApi} API)` : ''} ${model}: ${field} ${JSON.stringify(value)}, and nothing when left on auto`, async () => {
      assert.deepEqual((await sentBody(type, request(model, { toolChoice: 'required' }), openaiApi))[field], value);
      if (openaiApi) assert.equal(lastPath, '/v1/responses');
      assert.equal(field in (await sentBody(type, request(model), openaiApi)), false);
    });
  }

  it('Anthropic with extended thinking stays on auto (the API allows nothing else there); Ollama has no switch', async () => {
    const thinking = await sentBody(
      'anthropic',
      request('claude-sonnet-4-5', { toolChoice: 'required', providerOptions: { thinkingBudget: 2048 } }),
    );
    assert.equal('tool_choice' in thinking, false);
    assert.deepEqual(thinking.thinking, { type: 'enabled', budget_tokens: 2048 });
    const ollama = await sentBody('ollama', request('llama3.1', { toolChoice: 'required' }));
    assert.deepEqual(
      Object.keys(ollama).filter((key) => /tool_?choice|toolConfig/i.test(key)),
      [],
    );
    assert.equal((ollama.tools as unknown[]).length, 1);
  });
});
