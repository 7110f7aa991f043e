// A team gateway refusing the key it issued becomes the typed error that says what to do, never a
// retry. Bodies CONSTRUCTED from LiteLLM proxy's ProxyException (`{error:{message,type,param,code}}`,
// `type` from ProxyErrorTypes) and OpenRouter's error page (`{error:{code,message,metadata}}`).
import assert from 'node:assert/strict';
import { type ChatRequest } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collectUntilError, useServers } from '../support/chat';
import { json, type LoopbackServer } from '../support/loopback';

const serve = useServers();
const request: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hi' }] };

const liteLlm = (server: LoopbackServer) =>
  createProvider({
    type: 'openai-compatible',
    baseUrl: `${server.url}/v1`,
    apiKey: 'sk-team-0123456789',
    name: 'LiteLLM',
  });
const openRouter = (server: LoopbackServer) =>
  createProvider({
    type: 'openai-compatible',
    baseUrl: `${server.url}/api/v1`,
    apiKey: 'sk-or-v1-0123456789abcdef0123456789abcdef',
    name: 'OpenRouter',
  });

const proxyError = (type: string, message: string, code: string) => ({ error: { message, type, param: null, code } });

async function refusal(
  provider: (server: LoopbackServer) => ReturnType<typeof createProvider>,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const server = await serve((_req, res) => json(res, status, body, headers));
  const { events, error } = await collectUntilError(provider(server).chat(request));
  assert.deepEqual(events, []);
  assert.equal(server.requests.length, 1);
  return error;
}

describe('gateway refusals', () => {
  const spent = 'Budget has been exceeded! Current cost: 0.0021, Max budget: 0.001';

  // LiteLLM's status for a spent budget changed across releases; its type did not.
  for (const status of [400, 429, 422]) {
    it(`LiteLLM budget_exceeded at ${status} is quota_exceeded, with no wait to retry after`, async () => {
      const error = await refusal(liteLlm, status, proxyError('budget_exceeded', spent, String(status)), {
        'retry-after': '5',
      });
      assert.equal(error.kind, 'quota_exceeded');
      assert.equal(error.retryAfterMs, undefined);
      assert.match(error.message, /^LiteLLM refused the request: the budget of this key or its team is spent/);
    });
  }

  it("a LiteLLM key's own rate limit (429 without budget_exceeded) stays a rate limit with its Retry-After", async () => {
    const error = await refusal(
      liteLlm,
      429,
      proxyError('None', 'Max parallel request limit reached. Hit limit for api_key: 5a1f…', '429'),
      { 'retry-after': '7' },
    );
    assert.deepEqual([error.kind, error.retryAfterMs], ['rate_limited', 7000]);
  });

  // Older releases answered an expired key with 400, newer ones with 401.
  for (const [status, type] of [
    [400, 'auth_error'],
    [401, 'expired_key'],
  ] as const) {
    it(`a LiteLLM expired key (${status}, ${type}) is invalid_credentials saying it expired`, async () => {
      const error = await refusal(
        liteLlm,
        status,
        proxyError(
          type,
          'Authentication Error - Expired Key. Key Expiry time 2026-11-30 and current time 2026-12-05',
          String(status),
        ),
      );
      assert.equal(error.kind, 'invalid_credentials');
      assert.match(error.message, /^LiteLLM says the key has expired \(/);
    });
  }

  it('a LiteLLM blocked key is invalid_credentials saying it is blocked', async () => {
    const error = await refusal(
      liteLlm,
      401,
      proxyError(
        'auth_error',
        'Authentication Error - Key is blocked. Update via `/key/unblock` if you are admin.',
        '401',
      ),
    );
    assert.equal(error.kind, 'invalid_credentials');
    assert.match(error.message, /^LiteLLM says the key is blocked \(/);
  });

  for (const [label, body] of [
    [
      'key_model_access_denied',
      proxyError(
        'key_model_access_denied',
        "key not allowed to access model. This key can only access models=['gpt-4o-mini']. Tried to access gpt-4o",
        '401',
      ),
    ],
    [
      'an older auth_error',
      proxyError(
        'auth_error',
        "Authentication Error - team not allowed to access model. This team can only access models=['gpt-4o-mini']. Tried to access gpt-4o",
        '401',
      ),
    ],
  ] as const) {
    it(`a model the LiteLLM key may not use (${label}) is model_not_found, not a bad key`, async () => {
      const error = await refusal(liteLlm, 401, body);
      assert.equal(error.kind, 'model_not_found');
      assert.match(error.message, /^LiteLLM does not allow this model for this key \(401\)/);
    });
  }

  it('OpenRouter 402 key limit (limit_source) is quota_exceeded', async () => {
    const error = await refusal(openRouter, 402, {
      error: { code: 402, message: 'Key limit exceeded (total limit)', metadata: { limit_source: 'key' } },
    });
    assert.equal(error.kind, 'quota_exceeded');
  });

  it('OpenRouter 403 "Key limit exceeded" and a guardrail budget are quota_exceeded, not a rejected key', async () => {
    for (const message of ['Key limit exceeded', 'Guardrail budget exceeded for this key']) {
      const error = await refusal(openRouter, 403, { error: { code: 403, message } });
      assert.equal(error.kind, 'quota_exceeded', message);
      assert.match(
        error.message,
        /^OpenRouter refused the request: the budget of this key or its team is spent \(403\)/,
      );
    }
  });

  it('a 403 that is neither a limit nor moderation is still a rejected key', async () => {
    const error = await refusal(openRouter, 403, { error: { code: 403, message: 'Key is disabled' } });
    assert.equal(error.kind, 'invalid_credentials');
  });
});
