import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { BudgetGuard, budgetSchema } from '../../src/core/cost/budgets';
import { UsageLedger } from '../../src/core/cost/ledger';
import { metered } from '../../src/core/cost/meter';
import { baseUrlCandidates } from '../../src/core/baseUrlSuggestions';
import { runConnectionTest, type StageResult } from '../../src/core/connectionTest';
import { useServers } from '../support/chat';
import { ManualClock } from '../support/manualClock';
import { MemoryKeyValueStore } from '../support/memoryStores';
import { selfSignedServer, type SelfSignedServer } from '../support/selfSigned';
import { dataEvents, json, sse, type RecordedRequest } from '../support/loopback';
import { ERRORS, finishChunk, OPENAI_USAGE, textDelta, usageChunk } from '../fixtures/openaiWire';

const KEY = 'sk-proj-ConnTestKey0123456789abcdefgh';
const MODELS = { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1, owned_by: 'openai' }] };
const ONE_TOKEN = dataEvents([textDelta('Hi'), finishChunk('length'), usageChunk(OPENAI_USAGE), '[DONE]']);

/** An OpenAI-compatible server that answers only under `prefix` (like a real one under /v1). */
function openAiServer(prefix: string) {
  return (req: RecordedRequest, res: ServerResponse) => {
    if (req.path === `${prefix}/models`) return json(res, 200, MODELS);
    if (req.path === `${prefix}/chat/completions`) return sse(res, ONE_TOKEN);
    return json(res, 404, { error: { message: 'Not Found' } });
  };
}

const summary = (stages: StageResult[]) => stages.map((stage) => `${stage.stage}:${stage.status}`).join(' ');

describe('connection test', () => {
  const serve = useServers();

  it("a budget with no room left is not the provider's failure: the one-token chat is skipped, unsent, and the test passes", async () => {
    const server = await serve(openAiServer('/v1'));
    const clock = new ManualClock();
    const ledger = new UsageLedger(new MemoryKeyValueStore(), clock);
    const budget = budgetSchema.parse({
      id: 'tiny',
      scope: { kind: 'overall' },
      period: 'daily',
      limitUsd: 0.000001,
      mode: 'stop',
    });
    const guard = new BudgetGuard(
      () => [budget],
      ledger,
      () => clock.now(),
    );
    ledger.record({
      at: clock.now(),
      providerId: 'openai',
      modelId: 'gpt-4o-mini',
      usage: { inputTokens: 1, outputTokens: 1 },
      cost: { basis: 'computed', usd: 0.000001 },
      surface: 'chat',
      outcome: 'ok',
    });
    const report = await runConnectionTest({
      type: 'openai-compatible',
      baseUrl: `${server.url}/v1`,
      apiKey: KEY,
      model: 'gpt-4o-mini',
      wrapChat: (provider) =>
        metered(provider, {
          providerId: 'openai',
          type: 'openai-compatible',
          pricing: () => ({ catalogIds: [], overrides: { input: 0.15, output: 0.6 } }),
          ledger,
          guard,
          surface: 'connection-test',
          clock,
        }),
    });
    assert.equal(summary(report.stages), 'connect:pass tls:skip auth:pass models:pass chat:skip');
    assert.match(report.stages.at(-1)!.message, /^Not tried: This request would exceed the daily budget/);
    assert.equal(report.ok, true);
    assert.equal(
      server.requests.filter((request) => request.path.endsWith('/chat/completions')).length,
      0,
      'nothing sent',
    );
    await ledger.dispose();
  });

  it('passes every stage against a working server, live and in order, with latencies', async () => {
    const server = await serve(openAiServer('/v1'));
    const live: string[] = [];
    const report = await runConnectionTest({
      type: 'openai-compatible',
      baseUrl: `${server.url}/v1`,
      apiKey: KEY,
      model: 'gpt-4o-mini',
      onStage: (stage) => live.push(stage.stage),
    });
    assert.equal(summary(report.stages), 'connect:pass tls:skip auth:pass models:pass chat:pass');
    assert.deepEqual(live, ['connect', 'tls', 'auth', 'models', 'chat']);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.models?.map((model) => model.id),
      ['gpt-4o-mini'],
    );
    for (const stage of ['connect', 'models', 'chat']) {
      const ms = report.stages.find((result) => result.stage === stage)?.ms;
      assert.ok(typeof ms === 'number' && ms >= 0, `${stage} latency`);
    }
    const chat = JSON.parse(server.requests.at(-1)!.body) as { max_tokens: number };
    assert.equal(chat.max_tokens, 1);
  });

  it('without a model it stops after the model list', async () => {
    const server = await serve(openAiServer('/v1'));
    const report = await runConnectionTest({ type: 'openai-compatible', baseUrl: `${server.url}/v1`, apiKey: KEY });
    assert.equal(summary(report.stages), 'connect:pass tls:skip auth:pass models:pass chat:skip');
    assert.equal(report.ok, true);
  });

  it('nothing listening: connect fails and says so', async () => {
    const server = await serve(() => undefined);
    const url = server.url;
    await server.close();
    const report = await runConnectionTest({ type: 'openai-compatible', baseUrl: url, apiKey: KEY });
    assert.equal(summary(report.stages), 'connect:fail tls:skip auth:skip models:skip chat:skip');
    assert.equal(report.stages[0]?.code, 'ECONNREFUSED');
    assert.match(report.stages[0].message, /^Nothing is listening at 127\.0\.0\.1:\d+/);
  });

  it('a name that does not resolve: connect fails on DNS', async () => {
    // What Node's fetch throws for a failed lookup; no lookup leaves this machine.
    const dnsFailure: typeof fetch = () =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('getaddrinfo ENOTFOUND api.example.invalid'), { code: 'ENOTFOUND' }),
        }),
      );
    const report = await runConnectionTest({
      type: 'openai',
      baseUrl: 'https://api.example.invalid/v1',
      apiKey: KEY,
      fetch: dnsFailure,
    });
    assert.equal(summary(report.stages), 'connect:fail tls:skip auth:skip models:skip chat:skip');
    assert.match(report.stages[0]!.message, /api\.example\.invalid could not be resolved \(DNS\)/);
  });

  it('tells 401, 403 and a 400 bad key apart at the auth stage', async () => {
    const server = await serve((_req, res, n) => {
      if (n === 0) return json(res, 401, ERRORS.openaiInvalidKey);
      if (n === 1)
        return json(res, 403, {
          error: {
            message: 'You are not allowed to sample from this model',
            type: 'invalid_request_error',
            code: null,
          },
        });
      return json(res, 400, ERRORS.xaiInvalidKey);
    });
    const run = () => runConnectionTest({ type: 'openai-compatible', baseUrl: server.url, apiKey: KEY, model: 'm' });
    const rejected = await run();
    assert.equal(summary(rejected.stages), 'connect:pass tls:skip auth:fail models:skip chat:skip');
    assert.match(rejected.stages[2]!.message, /^The key was rejected \(401\)/);
    const forbidden = await run();
    assert.match(forbidden.stages[2]!.message, /^The key is valid but not allowed to do this \(403\)/);
    const xai = await run();
    assert.match(xai.stages[2]!.message, /^The key was rejected \(400\): Incorrect API key provided/);
  });

  it('proposes the base URL that works: missing /v1, doubled /v1, a pasted endpoint', async () => {
    const server = await serve(openAiServer('/v1'));
    for (const pasted of [server.url, `${server.url}/v1/v1`, `${server.url}/v1/chat/completions`]) {
      const report = await runConnectionTest({
        type: 'openai-compatible',
        baseUrl: pasted,
        apiKey: KEY,
        model: 'gpt-4o-mini',
      });
      assert.equal(report.suggestedBaseUrl, `${server.url}/v1`, pasted);
      assert.equal(report.ok, false);
      assert.match(
        report.stages.find((stage) => stage.stage === 'models')!.message,
        /^Use http:\/\/127\.0\.0\.1:\d+\/v1 as the base URL\.$/,
      );
    }
  });

  it('a model the provider does not have fails the chat stage only', async () => {
    const server = await serve((req, res) =>
      req.path.endsWith('/models') ? json(res, 200, MODELS) : json(res, 404, ERRORS.openaiModelNotFound),
    );
    const report = await runConnectionTest({
      type: 'openai-compatible',
      baseUrl: server.url,
      apiKey: KEY,
      model: 'fake-model',
    });
    assert.equal(summary(report.stages), 'connect:pass tls:skip auth:pass models:pass chat:fail');
    assert.equal(report.stages[4]?.code, 'model_not_found');
  });

  it('a failure keeps what the server sent apart, redacted, for the panel to show behind a disclosure', async () => {
    const body = { detail: `no chat route here for ${KEY}`, status: 'unavailable' };
    const server = await serve((req, res) =>
      req.path.endsWith('/models') ? json(res, 200, MODELS) : json(res, 404, body),
    );
    const report = await runConnectionTest({
      type: 'openai-compatible',
      baseUrl: server.url,
      apiKey: KEY,
      model: 'gpt-4o-mini',
    });
    assert.equal(summary(report.stages), 'connect:pass tls:skip auth:pass models:pass chat:fail');
    const chat = report.stages[4]!;
    assert.match(chat.detail ?? '', /no chat route here for \[REDACTED\]/);
    assert.ok(!JSON.stringify(report).includes(KEY));
    assert.equal(
      report.stages.slice(0, 4).some((stage) => stage.detail !== undefined),
      false,
    );
  });

  it('candidate base URLs for the usual mistakes', () => {
    assert.deepEqual(baseUrlCandidates('https://h.example'), ['https://h.example/v1']);
    assert.deepEqual(baseUrlCandidates('https://h.example/v1/'), ['https://h.example']);
    assert.deepEqual(baseUrlCandidates('https://h.example/v1/v1'), ['https://h.example/v1']);
    assert.deepEqual(baseUrlCandidates('https://h.example/v1/chat/completions'), [
      'https://h.example/v1',
      'https://h.example',
    ]);
  });

  describe('TLS', () => {
    let tls: SelfSignedServer;
    let url: string;

    before(async () => {
      tls = await selfSignedServer((req, res) => {
        req.resume();
        req.on('end', () => (req.url?.endsWith('/models') ? json(res, 200, MODELS) : void sse(res, ONE_TOKEN)));
      });
      url = `${tls.url}/v1`;
    });

    after(() => tls.close());

    it('a self-signed certificate fails the TLS stage, after a successful connect', async () => {
      const report = await runConnectionTest({
        type: 'openai-compatible',
        baseUrl: url,
        apiKey: KEY,
        model: 'gpt-4o-mini',
      });
      assert.equal(summary(report.stages), 'connect:pass tls:fail auth:skip models:skip chat:skip');
      assert.equal(report.stages[1]?.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    });

    it("the provider's own CA bundle makes it trusted (undici Agent through the injected fetch)", async () => {
      const report = await runConnectionTest({
        type: 'openai-compatible',
        baseUrl: url,
        apiKey: KEY,
        model: 'gpt-4o-mini',
        ca: tls.cert,
      });
      assert.equal(summary(report.stages), 'connect:pass tls:pass auth:pass models:pass chat:pass');
    });
  });
});
