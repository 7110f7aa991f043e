import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { ProviderError, type ChatRequest } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import {
  describeHealth,
  hasModelList,
  HealthChecker,
  route,
  type HealthCheckOptions,
  type HealthCheckTarget,
  type RouteEvent,
  type RouteTarget,
} from '../../src/core/routing';
import { useServers } from '../support/chat';
import { dataEvents, json, sse, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import { finishChunk, textDelta } from '../fixtures/openaiWire';

/** Lets promises and loopback round trips settle (the clock does not move). */
const settle = async (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

const modelList = { object: 'list', data: [{ id: 'gpt-4o', object: 'model' }] };

function checker(clock: ManualClock, targets: HealthCheckTarget[], options: Partial<HealthCheckOptions> = {}) {
  return new HealthChecker({ clock, targets: () => targets, initialDelayMs: 0, ...options });
}

/** A target whose model list "takes" `ms` of the manual clock, or fails with `error`. */
function timedTarget(
  clock: ManualClock,
  providerId: string,
  answers: Array<number | ProviderError>,
): HealthCheckTarget {
  let call = 0;
  return {
    providerId,
    freeCall: () => {
      const answer = answers[Math.min(call++, answers.length - 1)]!;
      if (answer instanceof ProviderError) return Promise.reject(answer);
      clock.advance(answer);
      return Promise.resolve([]);
    },
  };
}

describe('background health checks', () => {
  const start = useServers();

  it('checks on the schedule: after the first delay, then every interval; a failed check sooner', async () => {
    const clock = new ManualClock();
    let calls = 0;
    let fail = false;
    const health = checker(
      clock,
      [
        {
          providerId: 'p',
          freeCall: () => {
            calls++;
            return fail ? Promise.reject(new ProviderError('network', 'unreachable')) : Promise.resolve([]);
          },
        },
      ],
      { initialDelayMs: 15_000, intervalMs: 5 * 60_000, recheckMs: 60_000 },
    );
    health.start();
    clock.advance(14_999);
    await settle();
    assert.equal(calls, 0, 'nothing while the window opens');
    clock.advance(1);
    await settle();
    assert.equal(calls, 1);
    clock.advance(5 * 60_000 - 1);
    await settle();
    assert.equal(calls, 1, 'not before the interval');
    clock.advance(1);
    await settle();
    assert.equal(calls, 2);
    fail = true;
    clock.advance(5 * 60_000);
    await settle();
    assert.equal(calls, 3);
    clock.advance(60_000);
    await settle();
    assert.equal(calls, 4, 'a failed check is confirmed after a minute, not five');
    health.stop();
    assert.equal(clock.pending(), 0, 'stop leaves no timer');
    clock.advance(60 * 60_000);
    await settle();
    assert.equal(calls, 4, 'nothing after stop');
  });

  it('asks a loopback server for /models (never a generation) and keeps the response time', async () => {
    const clock = new ManualClock();
    const server = await start((req, res) => {
      // The "network" takes 230 ms of the test's clock.
      clock.advance(230);
      json(res, 200, modelList);
    });
    const provider = createProvider({ type: 'openai', baseUrl: `${server.url}/v1`, apiKey: 'sk-test-health' });
    const health = checker(clock, [{ providerId: 'openai', freeCall: (options) => provider.listModels(options) }]);
    await health.runNow();
    assert.deepEqual(
      server.requests.map((request) => `${request.method} ${request.path}`),
      ['GET /v1/models'],
    );
    const status = health.status('openai')!;
    assert.equal(status.state, 'healthy');
    assert.equal(status.lastMs, 230);
    assert.deepEqual(status.history, [230]);
    assert.equal(status.checkedAt, clock.now());
  });

  it('keeps a bounded history, newest last', async () => {
    const clock = new ManualClock();
    const health = checker(clock, [timedTarget(clock, 'p', [100, 200, 300, 400, 500])], { historySize: 3 });
    for (let run = 0; run < 5; run++) await health.runNow({ all: true });
    assert.deepEqual(health.status('p')!.history, [300, 400, 500]);
  });

  it('slow: over the threshold, or far over the provider own median; healthy again after', async () => {
    const clock = new ManualClock();
    const health = checker(clock, [timedTarget(clock, 'p', [300, 300, 300, 300, 300, 1_500, 6_000, 300])], {
      slowMs: 5_000,
      slowFactor: 4,
    });
    const states: string[] = [];
    for (let run = 0; run < 8; run++) {
      await health.runNow({ all: true });
      states.push(`${health.status('p')!.state} ${health.status('p')!.lastMs}`);
    }
    assert.deepEqual(states, [
      'healthy 300',
      'healthy 300',
      'healthy 300',
      'healthy 300',
      'healthy 300',
      'slow 1500',
      'slow 6000',
      'healthy 300',
    ]);
  });

  it('failing after two failed checks in a row (503 from a loopback server), healthy once it answers', async () => {
    const clock = new ManualClock();
    let down = true;
    const server = await start((_req, res) =>
      down ? json(res, 503, { error: { message: 'Service Unavailable' } }) : json(res, 200, modelList),
    );
    const provider = createProvider({ type: 'openai', baseUrl: server.url, apiKey: 'sk-test-health' });
    const health = checker(clock, [{ providerId: 'openai', freeCall: (options) => provider.listModels(options) }]);
    await health.runNow();
    assert.equal(health.status('openai')!.state, 'unchecked', 'one failure could be a blip');
    assert.equal(health.failing('openai'), false);
    await health.runNow({ all: true });
    assert.equal(health.status('openai')!.state, 'failing');
    assert.match(health.status('openai')!.error ?? '', /503|unavailable/i);
    assert.equal(health.failing('openai'), true);
    down = false;
    await health.runNow({ all: true });
    assert.equal(health.status('openai')!.state, 'healthy');
    assert.equal(health.failing('openai'), false);
  });

  it('a check with no answer times out and counts as a failure', async () => {
    const clock = new ManualClock();
    const hanging: HealthCheckTarget = {
      providerId: 'p',
      freeCall: ({ signal }) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    const health = checker(clock, [hanging], { timeoutMs: 20_000, failAfter: 1 });
    const run = health.runNow();
    await settle(5);
    clock.advance(20_000);
    await run;
    assert.equal(health.status('p')!.state, 'failing');
    assert.equal(health.status('p')!.error, 'no answer within 20 s');
  });

  it('no free call: an Azure deployment URL or an endpoint without /models is not checked, never failing', async () => {
    const clock = new ManualClock();
    const server = await start((_req, res) => json(res, 404, { error: { message: 'Not found' } }));
    const provider = createProvider({ type: 'openai-compatible', baseUrl: server.url });
    const health = checker(
      clock,
      [{ providerId: 'azure' }, { providerId: 'custom', freeCall: (options) => provider.listModels(options) }],
      { failAfter: 1 },
    );
    for (let run = 0; run < 3; run++) await health.runNow({ all: true });
    assert.equal(health.status('azure')!.state, 'no-free-call');
    assert.equal(health.status('custom')!.state, 'no-free-call');
    assert.equal(health.failing('azure'), false);
    assert.equal(health.failing('custom'), false);
    assert.equal(hasModelList('azure-openai', 'https://x.openai.azure.com/openai/deployments/gpt-4o'), false);
    assert.equal(hasModelList('azure-openai', 'https://x.openai.azure.com/openai/v1'), true);
    assert.equal(hasModelList('openai-compatible', 'http://127.0.0.1:8000/v1'), true);
  });

  it('no key: a provider whose template requires one and has none is not checked, never failing; checked soon after a key is set', async () => {
    const clock = new ManualClock();
    let keySet = false;
    const server = await start((req, res) =>
      req.headers.authorization === 'Bearer sk-test-health'
        ? json(res, 200, modelList)
        : json(res, 401, { error: { message: 'Missing Authentication header', code: 401 } }),
    );
    const withKey = createProvider({ type: 'openai', baseUrl: server.url, apiKey: 'sk-test-health' });
    const withoutKey = createProvider({ type: 'openai', baseUrl: server.url });
    const health = checker(
      clock,
      [
        {
          providerId: 'openai',
          freeCall: (options) => (keySet ? withKey : withoutKey).listModels(options),
          keyMissing: () => Promise.resolve(!keySet),
        },
      ],
      { failAfter: 1, intervalMs: 5 * 60_000, recheckMs: 60_000 },
    );
    health.start();
    for (let run = 0; run < 3; run++) {
      clock.advance(60_000);
      await settle();
    }
    assert.equal(server.requests.length, 0, 'nothing sent without a key: its 401 would say nothing');
    assert.equal(health.status('openai')!.state, 'no-key');
    assert.equal(health.failing('openai'), false, 'the router never skips a provider for its missing key');
    assert.equal(describeHealth(health.status('openai')!), 'no key set: not checked');
    keySet = true;
    clock.advance(60_000);
    await settle();
    assert.equal(server.requests.length, 1, 'checked within a minute of the key being set, not after 5');
    assert.equal(health.status('openai')!.state, 'healthy');
    health.stop();
  });

  it('a provider that may go without a key is still checked, and a 401 from it counts', async () => {
    const clock = new ManualClock();
    const server = await start((_req, res) => json(res, 401, { error: { message: 'Invalid API key' } }));
    const provider = createProvider({ type: 'openai', baseUrl: server.url, apiKey: 'sk-test-revoked' });
    const health = checker(
      clock,
      [
        {
          providerId: 'openai',
          freeCall: (options) => provider.listModels(options),
          keyMissing: () => Promise.resolve(false),
        },
      ],
      { failAfter: 1 },
    );
    await health.runNow();
    assert.equal(server.requests.length, 1);
    assert.equal(health.status('openai')!.state, 'failing');
  });

  it('OpenRouter: the free call is GET /api/v1/key (a few hundred bytes), never its 1 MB model list; the response time is kept', async () => {
    const clock = new ManualClock();
    const server = await start((req, res) => {
      clock.advance(120);
      if (req.path === '/api/v1/key')
        json(res, 200, { data: { label: 'sk-or-v1-…abcd', limit: 20, usage: 3.5, is_free_tier: false } });
      else json(res, 200, modelList);
    });
    const provider = createProvider({
      type: 'openai-compatible',
      baseUrl: `${server.url}/api/v1`,
      apiKey: 'sk-or-v1-test-health',
      modelListing: 'openrouter',
    });
    const health = checker(clock, [{ providerId: 'openrouter', freeCall: (options) => provider.ping!(options) }]);
    await health.runNow();
    await health.runNow({ all: true });
    assert.deepEqual(
      server.requests.map((request) => `${request.method} ${request.path}`),
      ['GET /api/v1/key', 'GET /api/v1/key'],
    );
    assert.equal(server.requests[0]!.headers.authorization, 'Bearer sk-or-v1-test-health');
    const status = health.status('openrouter')!;
    assert.equal(status.state, 'healthy');
    assert.deepEqual(status.history, [120, 120]);
  });

  it('OpenRouter: a key it refuses (401 from /key) is a failed check; an unreadable answer is too', async () => {
    const clock = new ManualClock();
    let body: unknown = { error: { message: 'User not found.', code: 401 } };
    const server = await start((_req, res) =>
      json(res, body === 'garbled' ? 200 : 401, body === 'garbled' ? [1, 2] : body),
    );
    const provider = createProvider({
      type: 'openai-compatible',
      baseUrl: `${server.url}/api/v1`,
      apiKey: 'sk-or-v1-test-revoked',
      modelListing: 'openrouter',
    });
    const health = checker(clock, [{ providerId: 'openrouter', freeCall: (options) => provider.ping!(options) }], {
      failAfter: 1,
    });
    await health.runNow();
    assert.equal(health.status('openrouter')!.state, 'failing');
    body = 'garbled';
    await assert.rejects(provider.ping!(), /key status Switchboard cannot read/);
  });

  it('one run at a time, a bounded number of checks at once, and stop cancels what is in flight', async () => {
    const clock = new ManualClock();
    let inFlight = 0;
    let most = 0;
    let aborted = 0;
    const targets: HealthCheckTarget[] = ['a', 'b', 'c', 'd', 'e'].map((providerId) => ({
      providerId,
      freeCall: ({ signal }) =>
        new Promise((_resolve, reject) => {
          inFlight++;
          most = Math.max(most, inFlight);
          signal.addEventListener('abort', () => {
            inFlight--;
            aborted++;
            reject(new Error('aborted'));
          });
        }),
    }));
    const health = checker(clock, targets, { concurrency: 2 });
    const first = health.runNow();
    const second = health.runNow();
    assert.equal(first, second, 'a second run joins the one going');
    await settle(5);
    assert.equal(most, 2);
    health.stop();
    await first;
    assert.equal(aborted, 2, 'the checks in flight are cancelled');
    assert.equal(most, 2, 'and no more start');
    assert.equal(health.status('a')!.state, 'unchecked', 'a stopped check gives no verdict');
  });

  it('the router passes a provider whose checks fail while another can answer, and uses it again once it recovers', async () => {
    const clock = new ManualClock();
    let down = true;
    const answer = (res: ServerResponse, text: string) =>
      sse(res, dataEvents([textDelta(text), finishChunk('stop'), '[DONE]']));
    const first = await start((req, res) =>
      req.path.endsWith('/models')
        ? down
          ? json(res, 503, { error: { message: 'Service Unavailable' } })
          : json(res, 200, modelList)
        : answer(res, 'from first'),
    );
    const second = await start((req, res) =>
      req.path.endsWith('/models') ? json(res, 200, modelList) : answer(res, 'from second'),
    );
    const target = (server: LoopbackServer, providerId: string): RouteTarget => ({
      providerId,
      providerName: providerId,
      model: 'gpt-4o',
      provider: createProvider({ type: 'openai', baseUrl: server.url, apiKey: 'sk-test-health', openaiApi: 'chat' }),
    });
    const chain = [target(first, 'first'), target(second, 'second')];
    const health = checker(
      clock,
      chain.map(({ providerId, provider }) => ({ providerId, freeCall: (options) => provider.listModels(options) })),
    );
    const ask: ChatRequest = { model: 'unused', messages: [{ role: 'user', content: 'hi' }] };
    const run = async (targets: RouteTarget[]) => {
      const events: RouteEvent[] = [];
      for await (const event of route(targets, ask, {
        clock,
        failingChecks: (providerId) => health.failing(providerId),
      }))
        events.push(event);
      return events;
    };
    await health.runNow();
    await health.runNow({ all: true });
    assert.equal(health.status('first')!.state, 'failing');

    const chatsBefore = first.requests.filter((request) => !request.path.endsWith('/models')).length;
    const skipped = await run(chain);
    assert.deepEqual(
      skipped.flatMap((event) => (event.type === 'route-skip' ? [[event.target.providerId, event.reason]] : [])),
      [['first', 'failing-checks']],
    );
    assert.deepEqual(
      skipped.flatMap((event) =>
        event.type === 'route-skip-switch' ? [[event.from.providerId, event.to.providerId, event.reason]] : [],
      ),
      [['first', 'second', 'failing-checks']],
      'the skip is a switch, said like one',
    );
    assert.equal(skipped.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join(''), 'from second');
    assert.equal(
      first.requests.filter((request) => !request.path.endsWith('/models')).length,
      chatsBefore,
      'no chat request went to the failing provider',
    );

    // The last model of a chain is tried even when its checks fail: nothing else could answer.
    const alone = await run([chain[0]!]);
    assert.equal(alone.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join(''), 'from first');

    down = false;
    clock.advance(60_000);
    await health.runNow();
    assert.equal(health.status('first')!.state, 'healthy');
    const recovered = await run(chain);
    assert.equal(recovered.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join(''), 'from first');
    assert.equal(recovered.filter((event) => event.type === 'route-skip').length, 0);
  });

  it('a verdict that has gone stale (checks stopped running) does not make the router skip', async () => {
    const clock = new ManualClock();
    const health = checker(clock, [timedTarget(clock, 'p', [new ProviderError('network', 'unreachable')])], {
      failAfter: 1,
      intervalMs: 60_000,
    });
    await health.runNow();
    assert.equal(health.failing('p'), true);
    clock.advance(2 * 60_000 + 1);
    assert.equal(health.failing('p'), false);
  });
});
