import assert from 'node:assert/strict';
import { type ChatRequest } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collect, collectUntilError, textOf, useServers, withoutMetadata } from '../support/chat';
import { dataEvents, json, sse } from '../support/loopback';
import { finishChunk, OPENAI_USAGE, textDelta, usageChunk } from '../fixtures/openaiWire';

// Azure's own stream pieces, as captured in public issues: a first chunk with no choices that
// carries prompt_filter_results (AbanteAI/archive-old-cli-mentat#429), and content-filter
// annotations with no delta (microsoft/autogen#6465, langchain-ai/langchain#18977).
const PROMPT_FILTER_CHUNK = {
  id: '',
  choices: [],
  created: 0,
  model: '',
  object: '',
  system_fingerprint: null,
  prompt_filter_results: [
    {
      prompt_index: 0,
      content_filter_results: {
        hate: { filtered: false, severity: 'safe' },
        self_harm: { filtered: false, severity: 'safe' },
        sexual: { filtered: false, severity: 'safe' },
        violence: { filtered: false, severity: 'safe' },
      },
    },
  ],
};
const FILTER_ANNOTATION_CHUNK = {
  id: '',
  object: '',
  created: 0,
  model: '',
  choices: [
    {
      finish_reason: null,
      index: 0,
      content_filter_results: { hate: { filtered: false, severity: 'safe' } },
      content_filter_offsets: { check_offset: 44, start_offset: 44, end_offset: 198 },
    },
  ],
};
// chatboxai/chatbox#646 and others.
const DEPLOYMENT_NOT_FOUND = {
  error: {
    code: 'DeploymentNotFound',
    message:
      'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
  },
};

const KEY = '0123456789abcdef0123456789abcdef';
const request: ChatRequest = {
  model: 'gpt-4o-prod',
  messages: [{ role: 'user', content: 'Say this is a test!' }],
  maxTokens: 100,
};
const azureStream = dataEvents([
  PROMPT_FILTER_CHUNK,
  textDelta('This is'),
  FILTER_ANNOTATION_CHUNK,
  textDelta(' a test!'),
  finishChunk('stop'),
  usageChunk(OPENAI_USAGE),
  '[DONE]',
]);

describe('Azure OpenAI', () => {
  const serve = useServers();

  it('deployment form: the deployment in the path, api-version in the query, the key in api-key', async () => {
    const server = await serve((_req, res) => sse(res, azureStream));
    const provider = createProvider({ type: 'azure-openai', baseUrl: `${server.url}/`, apiKey: KEY });
    const events = withoutMetadata(await collect(provider.chat(request)));
    assert.equal(textOf(events), 'This is a test!');
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
    const [sent] = server.requests;
    assert.equal(sent?.path, '/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    assert.equal(sent?.headers['api-key'], KEY);
    assert.equal(sent?.headers.authorization, undefined);
    const body = JSON.parse(sent.body) as Record<string, unknown>;
    assert.equal(body.model, undefined, 'the deployment is named by the URL');
    assert.equal(body.max_completion_tokens, 100);
  });

  it('a pasted deployment URL and an explicit API version are honoured', async () => {
    const server = await serve((_req, res) => sse(res, azureStream));
    const provider = createProvider({
      type: 'azure-openai',
      baseUrl: `${server.url}/openai/deployments/old-name/chat/completions`,
      apiKey: KEY,
      apiVersion: '2025-04-01-preview',
    });
    await collect(provider.chat(request));
    assert.equal(
      server.requests[0]?.path,
      '/openai/deployments/gpt-4o-prod/chat/completions?api-version=2025-04-01-preview',
    );
  });

  it('v1 form: /openai/v1/chat/completions with the deployment as the model', async () => {
    const server = await serve((req, res) =>
      req.path.endsWith('/models')
        ? json(res, 200, { object: 'list', data: [{ id: 'gpt-4o', object: 'model' }] })
        : sse(res, azureStream),
    );
    const provider = createProvider({ type: 'azure-openai', baseUrl: `${server.url}/openai/v1`, apiKey: KEY });
    await collect(provider.chat(request));
    assert.equal(server.requests[0]?.path, '/openai/v1/chat/completions');
    assert.equal((JSON.parse(server.requests[0].body) as { model: string }).model, 'gpt-4o-prod');
    assert.deepEqual(await provider.listModels(), [{ id: 'gpt-4o', sources: {} }]);
  });

  it('the deployment form lists no models (the data plane has no deployment list)', async () => {
    const server = await serve((_req, res) => json(res, 500, {}));
    assert.deepEqual(await createProvider({ type: 'azure-openai', baseUrl: server.url, apiKey: KEY }).listModels(), []);
    assert.equal(server.requests.length, 0);
  });

  it('DeploymentNotFound is model_not_found; a 429 keeps its Retry-After; the content filter is content_filter', async () => {
    const server = await serve((_req, res, n) => {
      if (n === 0) return json(res, 404, DEPLOYMENT_NOT_FOUND);
      if (n === 1)
        return json(
          res,
          429,
          {
            error: {
              code: '429',
              message:
                'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds.',
            },
          },
          { 'retry-after': '6' },
        );
      return json(res, 400, {
        error: {
          message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: { code: 'ResponsibleAIPolicyViolation' },
        },
      });
    });
    const provider = createProvider({ type: 'azure-openai', baseUrl: server.url, apiKey: KEY });
    const missing = (await collectUntilError(provider.chat(request))).error;
    assert.deepEqual([missing.kind, missing.code], ['model_not_found', 'DeploymentNotFound']);
    const limited = (await collectUntilError(provider.chat(request))).error;
    assert.deepEqual([limited.kind, limited.retryAfterMs], ['rate_limited', 6000]);
    assert.equal((await collectUntilError(provider.chat(request))).error.kind, 'content_filter');
  });
});
