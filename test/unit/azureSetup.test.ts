// Azure OpenAI set up as a user would: a pasted deployment URL read into its parts, the connection
// test on a deployment (never on an empty one), fixes that are right for Azure's two URL forms, and a
// deployment priced and sized as the model it runs.
import assert from 'node:assert/strict';
import { findTemplate, parseAzureUrl, type StageResult } from '../../src/core';
import { runConnectionTest } from '../../src/core/connectionTest';
import { createProvider } from '../../src/core/provider';
import { costOf, priceOf } from '../../src/core/cost/pricing';
import { modelFacts } from '../../src/core/modelFacts';
import { collect, useServers } from '../support/chat';
import { azureResource } from '../fixtures/azureWire';

const KEY = '0123456789abcdef0123456789abcdef';
const summary = (stages: StageResult[]) => stages.map((stage) => `${stage.stage}:${stage.status}`).join(' ');

describe('Azure OpenAI setup', () => {
  const serve = useServers();

  it('reads a pasted URL into the resource, the form, the deployment and the api-version', () => {
    assert.deepEqual(
      parseAzureUrl(
        'https://res.openai.azure.com/openai/deployments/gpt-4o%20prod/chat/completions?api-version=2025-04-01-preview',
      ),
      {
        resource: 'https://res.openai.azure.com',
        form: 'deployment',
        deployment: 'gpt-4o prod',
        apiVersion: '2025-04-01-preview',
      },
    );
    assert.deepEqual(parseAzureUrl('https://res.services.ai.azure.com/openai/v1/chat/completions'), {
      resource: 'https://res.services.ai.azure.com',
      form: 'v1',
    });
    assert.deepEqual(parseAzureUrl('https://res.openai.azure.com/openai/'), {
      resource: 'https://res.openai.azure.com',
      form: 'deployment',
    });
    assert.deepEqual(parseAzureUrl('https://gateway.example/azure/openai/deployments/d1'), {
      resource: 'https://gateway.example/azure',
      form: 'deployment',
      deployment: 'd1',
    });
    assert.equal(parseAzureUrl('not a url'), undefined);
  });

  it('a whole pasted request URL still reaches the deployment asked for, with its api-version', async () => {
    const server = await serve(
      azureResource({ key: KEY, deployments: { prod: 'gpt-4o-2024-11-20' }, apiVersions: ['2025-04-01-preview'] }),
    );
    const provider = createProvider({
      type: 'azure-openai',
      baseUrl: `${server.url}/openai/deployments/old/chat/completions?api-version=2025-04-01-preview`,
      apiKey: KEY,
    });
    await collect(provider.chat({ model: 'prod', messages: [{ role: 'user', content: 'Hi' }] }));
    assert.equal(server.requests[0]?.path, '/openai/deployments/prod/chat/completions?api-version=2025-04-01-preview');
  });

  it('deployment form without a deployment: nothing is sent (no /openai/deployments//…), and the user is told to name one', async () => {
    const server = await serve(azureResource({ key: KEY, deployments: { prod: 'gpt-4o-2024-11-20' } }));
    const report = await runConnectionTest({ type: 'azure-openai', baseUrl: server.url, apiKey: KEY });
    assert.equal(server.requests.length, 0, server.requests.map((request) => request.path).join());
    assert.equal(summary(report.stages), 'connect:skip tls:skip auth:skip models:fail chat:skip');
    assert.match(report.stages[3]!.message, /^Name a deployment to test/);
    assert.equal(report.ok, false);
    assert.equal(report.suggestedBaseUrl, undefined);
  });

  it('deployment form: the one-token chat on the deployment passes and says which model it runs', async () => {
    const server = await serve(azureResource({ key: KEY, deployments: { prod: 'gpt-4o-2024-11-20' } }));
    const report = await runConnectionTest({ type: 'azure-openai', baseUrl: server.url, apiKey: KEY, model: 'prod' });
    assert.equal(summary(report.stages), 'connect:pass tls:skip auth:pass models:skip chat:pass');
    assert.equal(report.ok, true);
    assert.equal(report.servedModel, 'gpt-4o-2024-11-20');
    assert.equal(server.requests[0]?.path, '/openai/deployments/prod/chat/completions?api-version=2024-10-21');
    assert.equal(server.requests[0]?.headers['api-key'], KEY);
  });

  it('a deployment the resource does not have is named as such, with no base URL to "fix"', async () => {
    const server = await serve(azureResource({ key: KEY, deployments: { prod: 'gpt-4o' }, v1: true }));
    const report = await runConnectionTest({ type: 'azure-openai', baseUrl: server.url, apiKey: KEY, model: 'typo' });
    assert.equal(report.ok, false);
    assert.equal(report.suggestedBaseUrl, undefined);
    assert.equal(report.stages.find((stage) => stage.status === 'fail')?.code, 'DeploymentNotFound');
  });

  it('a wrong path is fixed with the right Azure form, never /v1 on the resource', async () => {
    const server = await serve(azureResource({ key: KEY, deployments: { prod: 'gpt-4o-2024-11-20' }, v1: true }));
    // A resource typed with a stray /v1: its deployment URLs answer 404 Resource not found.
    const stray = await runConnectionTest({
      type: 'azure-openai',
      baseUrl: `${server.url}/v1`,
      apiKey: KEY,
      model: 'prod',
    });
    assert.equal(stray.suggestedBaseUrl, `${server.url}/openai/v1`);
    // The suggestion works when it is taken: no bounce back.
    const fixed = await runConnectionTest({
      type: 'azure-openai',
      baseUrl: stray.suggestedBaseUrl,
      apiKey: KEY,
      model: 'prod',
    });
    assert.equal(summary(fixed.stages), 'connect:pass tls:skip auth:pass models:pass chat:pass');
    assert.equal(fixed.servedModel, 'gpt-4o-2024-11-20');
    assert.equal(fixed.suggestedBaseUrl, undefined);
    for (const request of server.requests) assert.doesNotMatch(request.path, /^\/v1\/(models|chat)|\/deployments\/\//);
  });

  it('a /openai/v1 URL on a resource without it is fixed to the deployment form when the deployment answers there', async () => {
    const server = await serve(azureResource({ key: KEY, deployments: { prod: 'gpt-4o-2024-11-20' } }));
    const report = await runConnectionTest({
      type: 'azure-openai',
      baseUrl: `${server.url}/openai/v1`,
      apiKey: KEY,
      model: 'prod',
    });
    assert.equal(report.suggestedBaseUrl, server.url);
    const fixed = await runConnectionTest({ type: 'azure-openai', baseUrl: server.url, apiKey: KEY, model: 'prod' });
    assert.equal(fixed.ok, true);
  });

  it('a deployment is sized and priced as the model it runs, by the one facts function and the meter alike', async () => {
    const template = findTemplate('azure-openai')!;
    const bare = await modelFacts({ type: 'azure-openai', template, modelId: 'prod-chat' });
    assert.notEqual(bare.price.source, 'catalog');
    const facts = await modelFacts({
      type: 'azure-openai',
      template,
      modelId: 'prod-chat',
      user: { baseModel: 'gpt-4o-mini' },
    });
    assert.equal(facts.name.value, 'prod-chat', 'the deployment keeps its own name');
    assert.equal(facts.contextWindow.value, 128_000);
    assert.equal(facts.contextWindow.source, 'catalog');
    assert.equal(facts.price.source, 'catalog');
    assert.deepEqual([facts.price.prices?.input, facts.price.prices?.output], [0.15, 0.6]);
    const context = { catalogIds: template.catalogIds, catalogModel: 'gpt-4o-mini' };
    assert.deepEqual(await priceOf(context, 'prod-chat'), facts.price);
    const cost = await costOf(context, 'prod-chat', { inputTokens: 1_000_000, outputTokens: 1_000_000 });
    assert.equal(cost.basis, 'computed');
    assert.ok(Math.abs(cost.usd! - 0.75) < 1e-9, String(cost.usd));
  });
});
