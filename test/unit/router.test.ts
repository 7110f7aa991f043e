import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { ProviderError, type ChatRequest, type Clock } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import {
  CircuitBreakers,
  continuationRequest,
  RateLimitPacer,
  retryPolicyFromSettings,
  route,
  RouteError,
  type RouteEvent,
  type RouteOptions,
  type RouteTarget,
} from '../../src/core/routing';
import { useServers } from '../support/chat';
import { dataEvents, json, sse, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import { BASIC_TEXT_STREAM, ERRORS as ANTHROPIC_ERRORS } from '../fixtures/anthropicWire';
import { ERRORS as OPENAI_ERRORS, finishChunk, textDelta } from '../fixtures/openaiWire';

/** Virtual time for the router's waits: each wait completes on the next turn and moves the clock by its length. */
class AutoClock implements Clock {
  #now = 1_700_000_000_000;
  readonly waits: number[] = [];
  now(): number {
    return this.#now;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    this.waits.push(ms);
    return setImmediate(() => {
      this.#now += ms;
      callback();
    });
  }
  clearTimeout(handle: unknown): void {
    clearImmediate(handle as NodeJS.Immediate);
  }
}

const ask: ChatRequest = { model: 'unused', messages: [{ role: 'user', content: 'hi' }] };
const openAiAnswer = (res: ServerResponse, text = 'Hello from OpenAI') =>
  sse(res, dataEvents([textDelta(text), finishChunk('stop'), '[DONE]']));
const anthropicAnswer = (res: ServerResponse) => sse(res, BASIC_TEXT_STREAM);

function openAiTarget(server: LoopbackServer, extra: Partial<RouteTarget> = {}, clock?: Clock): RouteTarget {
  const provider = createProvider({
    type: 'openai',
    name: 'OpenAI',
    baseUrl: server.url,
    apiKey: 'sk-test-openai',
    openaiApi: 'chat',
    ...(clock ? { clock, timeouts: { firstByteMs: 1_000 } } : {}),
  });
  return { providerId: 'openai', providerName: 'OpenAI', model: 'gpt-4o', provider, ...extra };
}

function anthropicTarget(server: LoopbackServer, extra: Partial<RouteTarget> = {}): RouteTarget {
  const provider = createProvider({ type: 'anthropic', baseUrl: server.url, apiKey: 'sk-ant-test' });
  return { providerId: 'anthropic', providerName: 'Anthropic', model: 'claude-sonnet-4-5', provider, ...extra };
}

async function run(chain: RouteTarget[], request: ChatRequest = ask, options: Partial<RouteOptions> = {}) {
  const clock = (options.clock as AutoClock | undefined) ?? new AutoClock();
  const events: RouteEvent[] = [];
  let error: unknown;
  try {
    for await (const event of route(chain, request, { clock, random: () => 0.5, ...options })) events.push(event);
  } catch (caught) {
    error = caught;
  }
  const text = events.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join('');
  const of = <T extends RouteEvent['type']>(type: T) =>
    events.filter((event): event is Extract<RouteEvent, { type: T }> => event.type === type);
  return { events, error, text, clock, of };
}

describe('router: retries, fallback, circuit breakers', () => {
  const servers: LoopbackServer[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  // Registered before useServers' own afterEach, so it sees the sockets before they are closed.
  afterEach(async function () {
    // After every scenario: nothing in flight, nothing rejected unobserved.
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(
      servers
        .splice(0)
        .map((server) => server.inFlight())
        .filter((count) => count > 0),
      [],
      'requests still in flight',
    );
    assert.deepEqual(unhandled.splice(0), [], `unhandled rejections in "${this.currentTest?.title}"`);
  });
  const serve = useServers();
  const start = async (handler: Parameters<typeof serve>[0]) => {
    const server = await serve(handler);
    servers.push(server);
    return server;
  };

  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.off('unhandledRejection', onUnhandled));

  it('a 429 storm with Retry-After: waits exactly as long as asked, then answers on the same model', async () => {
    const openai = await start((_req, res, index) =>
      index < 2 ? json(res, 429, OPENAI_ERRORS.openaiRateLimit, { 'retry-after': '2' }) : openAiAnswer(res),
    );
    const { text, clock, of, error } = await run([openAiTarget(openai)]);
    assert.equal(error, undefined);
    assert.equal(text, 'Hello from OpenAI');
    assert.deepEqual(clock.waits, [2000, 2000]);
    assert.deepEqual(
      of('route-wait').map((wait) => [
        wait.attempt,
        wait.delayMs,
        wait.reason instanceof ProviderError && wait.reason.kind,
      ]),
      [
        [1, 2000, 'rate_limited'],
        [2, 2000, 'rate_limited'],
      ],
    );
    assert.equal(openai.requests.length, 3);
    assert.deepEqual(
      of('route-answering').map((event) => event.fallback),
      [false],
    );
  });

  it('a 429 storm without Retry-After: backs off exponentially, then the next provider answers and the switch is reported', async () => {
    const openai = await start((_req, res) =>
      json(res, 429, {
        error: {
          message: 'Rate limit reached for requests',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      }),
    );
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    const { text, clock, of, error } = await run([openAiTarget(openai), anthropicTarget(anthropic)], ask, {
      retry: { baseDelayMs: 1000 },
    });
    assert.equal(error, undefined);
    assert.equal(text, 'Hello!');
    // Equal jitter at random() = 0.5: 3/4 of 1 s, then of 2 s.
    assert.deepEqual(clock.waits, [750, 1500]);
    assert.equal(openai.requests.length, 3);
    const [change] = of('route-switch');
    assert.deepEqual(
      [change?.from.providerId, change?.to.providerId, change?.error.kind, change?.error.status],
      ['openai', 'anthropic', 'rate_limited', 429],
    );
    assert.deepEqual(
      of('route-answering').map((event) => [event.target.providerId, event.fallback]),
      [['anthropic', true]],
    );
    assert.equal((JSON.parse(anthropic.requests[0]!.body) as { model: string }).model, 'claude-sonnet-4-5');
  });

  it('a Retry-After longer than the cap falls back at once instead of waiting', async () => {
    const openai = await start((_req, res) => json(res, 429, OPENAI_ERRORS.openaiRateLimit, { 'retry-after': '120' }));
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    const { text, clock } = await run([openAiTarget(openai), anthropicTarget(anthropic)], ask, {
      retry: { maxRetryAfterMs: 30_000 },
    });
    assert.equal(text, 'Hello!');
    assert.deepEqual(clock.waits, []);
    assert.equal(openai.requests.length, 1);
  });

  it('a 5xx burst is retried through; errors that retrying cannot fix are not retried', async () => {
    const bursty = await start((_req, res, index) =>
      index < 2 ? json(res, index === 0 ? 500 : 503, ANTHROPIC_ERRORS.apiError) : openAiAnswer(res),
    );
    const burst = await run([openAiTarget(bursty)]);
    assert.equal(burst.text, 'Hello from OpenAI');
    assert.equal(bursty.requests.length, 3);

    const missing = await start((_req, res) => json(res, 404, OPENAI_ERRORS.openaiModelNotFound));
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    const moved = await run([openAiTarget(missing), anthropicTarget(anthropic)]);
    assert.equal(moved.text, 'Hello!');
    assert.equal(missing.requests.length, 1, 'model_not_found moves on at once');
    assert.deepEqual(moved.clock.waits, []);
  });

  it('a stall before the first byte times out and falls back', async () => {
    const adapterClock = new ManualClock();
    const stalled = await start(() => undefined); // never answers
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    const routing = run([openAiTarget(stalled, {}, adapterClock), anthropicTarget(anthropic)], ask, {
      retry: { maxAttempts: 1 },
    });
    while (stalled.requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 2));
    adapterClock.advance(1_000);
    const { text, of } = await routing;
    assert.equal(text, 'Hello!');
    assert.equal(of('route-switch')[0]?.error.kind, 'timeout');
  });

  it('a stream cut after three deltas keeps what was shown, and continues on the next model with it as context', async () => {
    const cut = await start((_req, res) =>
      sse(res, dataEvents([textDelta('One, '), textDelta('two, '), textDelta('three')]), { cut: true }),
    );
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    const chain = [openAiTarget(cut), anthropicTarget(anthropic)];
    const first = await run(chain);
    assert.equal(first.text, 'One, two, three');
    assert.ok(first.error instanceof RouteError, String(first.error));
    assert.equal(first.error.partial?.text, 'One, two, three');
    assert.deepEqual(
      first.error.partial?.remaining.map((target) => target.providerId),
      ['anthropic'],
    );
    assert.equal(cut.requests.length, 1, 'a shown answer is never silently re-asked');
    assert.equal(anthropic.requests.length, 0, 'continuing is the user’s choice');

    const next = await run(first.error.partial.remaining, continuationRequest(ask, first.error.partial.text));
    assert.equal(next.text, 'Hello!');
    const sent = JSON.parse(anthropic.requests[0]!.body) as { messages: Array<{ role: string; content: unknown }> };
    assert.deepEqual(
      sent.messages.map((message) => message.role),
      ['user', 'assistant', 'user'],
    );
    assert.match(JSON.stringify(sent.messages[1]), /One, two, three/);
  });

  it('a bad key in the middle of the chain stops there unless the user says to go on', async () => {
    const overloaded = await start((_req, res) => json(res, 529, ANTHROPIC_ERRORS.overloaded));
    // A proxy that echoes the key it was sent (some do): it must not reach the message.
    const badKey = await start((req, res) =>
      json(res, 401, {
        error: {
          message: `Incorrect API key provided: ${String(req.headers.authorization).slice(7)}.`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      }),
    );
    const good = await start((_req, res) => openAiAnswer(res, 'third'));
    const chain = () => [
      anthropicTarget(overloaded),
      openAiTarget(badKey),
      openAiTarget(good, { providerId: 'groq', providerName: 'Groq', model: 'llama-3.3-70b' }),
    ];

    const stopped = await run(chain(), ask, { retry: { maxAttempts: 1 } });
    assert.ok(stopped.error instanceof RouteError);
    assert.deepEqual(
      [stopped.error.kind, stopped.error.status, stopped.error.code],
      ['invalid_credentials', 401, 'invalid_api_key'],
    );
    assert.equal(badKey.requests.length, 1);
    assert.equal(good.requests.length, 0, 'never moves past a bad key silently');
    assert.doesNotMatch(stopped.error.message, /sk-test-openai/);

    const told: string[] = [];
    const allowed = await run(chain(), ask, {
      retry: { maxAttempts: 1 },
      onInvalidCredentials: (target, error) => {
        told.push(`${target.providerId}:${error.kind}`);
        return Promise.resolve(true);
      },
    });
    assert.equal(allowed.text, 'third');
    assert.deepEqual(told, ['openai:invalid_credentials']);
  });

  it('a chain whose every member fails ends in one error naming each failure', async () => {
    const rateLimited = await start((_req, res) =>
      json(res, 429, OPENAI_ERRORS.openaiRateLimit, { 'retry-after': '300' }),
    );
    const overloaded = await start((_req, res) => json(res, 529, ANTHROPIC_ERRORS.overloaded));
    const quota = await start((_req, res) => json(res, 429, OPENAI_ERRORS.openaiInsufficientQuota));
    const { error } = await run(
      [
        openAiTarget(rateLimited),
        anthropicTarget(overloaded),
        openAiTarget(quota, { providerId: 'deepseek', providerName: 'DeepSeek', model: 'deepseek-chat' }),
      ],
      ask,
      { retry: { maxAttempts: 2 } },
    );
    assert.ok(error instanceof RouteError);
    assert.deepEqual(
      error.failures.map((failure) => [failure.target.providerId, failure.error.kind]),
      [
        ['openai', 'rate_limited'],
        ['anthropic', 'overloaded'],
        ['deepseek', 'quota_exceeded'],
      ],
    );
    assert.match(error.message, /OpenAI gpt-4o: .*rate limit/i);
    assert.match(error.message, /Anthropic claude-sonnet-4-5: .*overloaded/i);
    assert.match(error.message, /DeepSeek deepseek-chat: .*quota/i);
    // The last failure decides: its kind, and the code and status that go with it.
    assert.deepEqual([error.kind, error.status, error.code], ['quota_exceeded', 429, 'insufficient_quota']);
    assert.equal(overloaded.requests.length, 2);
    assert.equal(quota.requests.length, 1);
  });

  it('cancelling during a backoff sends nothing more', async () => {
    const clock = new ManualClock();
    const openai = await start((_req, res) => json(res, 429, OPENAI_ERRORS.openaiRateLimit, { 'retry-after': '10' }));
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    const controller = new AbortController();
    const events: RouteEvent[] = [];
    const routing = (async () => {
      for await (const event of route([openAiTarget(openai), anthropicTarget(anthropic)], ask, {
        clock,
        signal: controller.signal,
      }))
        events.push(event);
    })();
    while (!events.some((event) => event.type === 'route-wait')) await new Promise((resolve) => setTimeout(resolve, 2));
    controller.abort();
    await assert.rejects(routing, (error: ProviderError) => error.kind === 'cancelled');
    clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(openai.requests.length, 1);
    assert.equal(anthropic.requests.length, 0);
    assert.equal(clock.pending(), 0, 'the backoff timer is cleared');
  });

  it('a consumer that stops reading ends the request at once', async () => {
    const hanging = await start((_req, res) => sse(res, dataEvents([textDelta('partial')]), { hang: true }));
    for await (const event of route([openAiTarget(hanging)], ask, { clock: new AutoClock() })) {
      if (event.type === 'text') break;
    }
    await hanging.socketsClosed(1_000);
  });

  it('circuit breaker: three failures open it, requests skip it, one trial after the cool-down closes it', async () => {
    const breakerClock = new ManualClock();
    const circuits = new CircuitBreakers(breakerClock, { failureThreshold: 3, coolDownMs: 30_000 });
    let healthy = false;
    const openai = await start((_req, res) =>
      healthy ? openAiAnswer(res) : json(res, 503, { error: { message: 'Service Unavailable', type: 'server_error' } }),
    );
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    const chain = () => [openAiTarget(openai), anthropicTarget(anthropic)];

    const first = await run(chain(), ask, { circuits });
    assert.equal(first.text, 'Hello!');
    assert.equal(openai.requests.length, 3);
    assert.equal(circuits.state('openai/gpt-4o'), 'open');

    const second = await run(chain(), ask, { circuits });
    assert.equal(openai.requests.length, 3, 'an open circuit is skipped without a request');
    assert.deepEqual(
      second.of('route-skip').map((skip) => skip.reason),
      ['circuit-open'],
    );
    assert.deepEqual(
      second.of('route-answering').map((event) => [event.target.providerId, event.fallback]),
      [['anthropic', true]],
    );

    breakerClock.advance(30_000);
    assert.equal(circuits.state('openai/gpt-4o'), 'half-open');
    healthy = true;
    const third = await run(chain(), ask, { circuits });
    assert.equal(third.text, 'Hello from OpenAI');
    assert.equal(openai.requests.length, 4, 'exactly one trial');
    assert.equal(circuits.state('openai/gpt-4o'), 'closed');
  });

  it('a circuit that opens during retries ends them with the failure that opened it', async () => {
    const circuits = new CircuitBreakers(new ManualClock(), { failureThreshold: 2 });
    const failing = await start((_req, res) =>
      json(res, 503, { error: { message: 'Service Unavailable', type: 'server_error' } }),
    );
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    const { text, of, clock } = await run([openAiTarget(failing), anthropicTarget(anthropic)], ask, {
      circuits,
      retry: { maxAttempts: 5 },
    });
    assert.equal(text, 'Hello!');
    assert.equal(failing.requests.length, 2);
    assert.deepEqual(
      of('route-switch').map((change) => change.error.status),
      [503],
    );
    assert.deepEqual(of('route-skip'), []);
    assert.deepEqual(clock.waits, [750], 'no wait after the failure that opened the circuit');
  });

  it('a failed trial re-opens the circuit for twice as long; a Retry-After longer than the cool-down wins; only failures in a row count', () => {
    const clock = new ManualClock();
    const circuits = new CircuitBreakers(clock, { failureThreshold: 1, coolDownMs: 10_000 });
    const key = CircuitBreakers.key('p', 'm');
    circuits.failed(circuits.tryAcquire(key)!, new ProviderError('overloaded', 'busy'));
    assert.equal(circuits.state(key), 'open');
    clock.advance(10_000);
    const trial = circuits.tryAcquire(key)!;
    assert.equal(trial.trial, true);
    assert.equal(circuits.tryAcquire(key), undefined, 'one trial at a time');
    circuits.failed(trial, new ProviderError('overloaded', 'busy'));
    clock.advance(19_999);
    assert.equal(circuits.state(key), 'open');
    clock.advance(1);
    assert.equal(circuits.state(key), 'half-open');
    circuits.failed(
      circuits.tryAcquire(key)!,
      new ProviderError('rate_limited', 'slow down', { retryAfterMs: 120_000 }),
    );
    clock.advance(100_000);
    assert.equal(circuits.state(key), 'open');
    // Errors a retry cannot fix say nothing about the provider's health, and break a run of failures.
    const three = new CircuitBreakers(clock, { failureThreshold: 3 });
    const other = CircuitBreakers.key('p', 'other');
    for (const kind of ['overloaded', 'timeout', 'bad_request', 'overloaded', 'bad_request'] as const)
      three.failed(three.tryAcquire(other)!, new ProviderError(kind, kind));
    assert.equal(three.state(other), 'closed');
  });

  it('the half-open trial belongs to the request that took it: others settling late neither free nor decide it', () => {
    const clock = new ManualClock();
    const circuits = new CircuitBreakers(clock, { failureThreshold: 1, coolDownMs: 10_000 });
    const key = CircuitBreakers.key('p', 'm');
    const early = circuits.tryAcquire(key)!; // began while the circuit was closed
    circuits.failed(circuits.tryAcquire(key)!, new ProviderError('overloaded', 'busy'));
    clock.advance(10_000);
    const trial = circuits.tryAcquire(key)!;
    circuits.released(early);
    assert.equal(circuits.tryAcquire(key), undefined, 'a cancelled early request does not free the trial slot');
    circuits.failed(early, new ProviderError('overloaded', 'late'));
    assert.equal(circuits.state(key), 'half-open', 'a late failure of an early request is not the verdict');
    circuits.succeeded(trial);
    assert.equal(circuits.state(key), 'closed');
  });

  it('falls back only to capable models: tools, context window, and a larger window after a context-length refusal', async () => {
    const small = await start((_req, res) =>
      json(res, 400, {
        error: {
          message:
            "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      }),
    );
    const noTools = await start((_req, res) => openAiAnswer(res, 'no tools'));
    const alsoSmall = await start((_req, res) => openAiAnswer(res, 'also small'));
    const large = await start((_req, res) => anthropicAnswer(res));
    const withTools: ChatRequest = {
      ...ask,
      tools: [{ name: 'read_file', parameters: { type: 'object', properties: {} } }],
    };
    const { text, of } = await run(
      [
        openAiTarget(small, { contextWindow: 8_192 }),
        openAiTarget(noTools, {
          providerId: 'local',
          providerName: 'Ollama',
          model: 'tiny',
          tools: false,
          contextWindow: 1_000_000,
        }),
        openAiTarget(alsoSmall, { providerId: 'groq', providerName: 'Groq', model: 'llama', contextWindow: 8_192 }),
        anthropicTarget(large, { contextWindow: 200_000, tools: true }),
      ],
      withTools,
    );
    assert.equal(text, 'Hello!');
    assert.deepEqual(
      of('route-skip').map((skip) => [skip.target.providerId, skip.reason]),
      [
        ['local', 'no-tools'],
        ['groq', 'context-too-small'],
      ],
    );
    assert.deepEqual([noTools.requests.length, alsoSmall.requests.length], [0, 0]);

    // A prompt counted beforehand never goes to a model it does not fit.
    const counted = await run(
      [openAiTarget(alsoSmall, { contextWindow: 8_192 }), anthropicTarget(large, { contextWindow: 200_000 })],
      ask,
      { promptTokens: 50_000 },
    );
    assert.equal(counted.text, 'Hello!');
    assert.equal(alsoSmall.requests.length, 0);
  });

  it('never silently to a model more than 3× pricier; asks when told to, and before changing provider when the user wants that', async () => {
    const failing = await start((_req, res) =>
      json(res, 503, { error: { message: 'Service Unavailable', type: 'server_error' } }),
    );
    const pricey = await start((_req, res) => anthropicAnswer(res));
    const cheap = { prices: { input: 0.15, output: 0.6 } };
    const expensive = { prices: { input: 15, output: 75 } };
    const chain = () => [openAiTarget(failing, cheap), anthropicTarget(pricey, expensive)];

    const silent = await run(chain(), ask, { retry: { maxAttempts: 1 } });
    assert.ok(silent.error instanceof RouteError);
    assert.deepEqual(
      silent.error.skipped.map((skip) => skip.reason),
      ['too-expensive'],
    );
    assert.match(silent.error.message, /much pricier/);
    assert.equal(pricey.requests.length, 0);

    const asked: number[] = [];
    const allowed = await run(chain(), ask, {
      retry: { maxAttempts: 1 },
      confirmSwitch: (question) => {
        asked.push(Math.round(question.costRatio ?? 0));
        return Promise.resolve(true);
      },
    });
    assert.equal(allowed.text, 'Hello!');
    assert.deepEqual(asked, [120]);

    // Skipping the first model (no tools) is no licence to go pricier either; nor is a free first model.
    const tools: ChatRequest = { ...ask, tools: [{ name: 'read_file', parameters: { type: 'object' } }] };
    const skippedFirst = await run(
      [openAiTarget(failing, { ...cheap, tools: false }), anthropicTarget(pricey, expensive)],
      tools,
    );
    assert.ok(skippedFirst.error instanceof RouteError);
    assert.deepEqual(
      skippedFirst.error.skipped.map((skip) => skip.reason),
      ['no-tools', 'too-expensive'],
    );
    const freeFirst = await run(
      [openAiTarget(failing, { prices: { input: 0, output: 0 } }), anthropicTarget(pricey, cheap)],
      ask,
      { retry: { maxAttempts: 1 } },
    );
    assert.ok(freeFirst.error instanceof RouteError);
    assert.deepEqual(
      freeFirst.error.skipped.map((skip) => skip.reason),
      ['too-expensive'],
    );
    assert.equal(pricey.requests.length, 1);

    const declined = await run([openAiTarget(failing, cheap), anthropicTarget(pricey, cheap)], ask, {
      retry: { maxAttempts: 1 },
      askBeforeSwitchingProviders: true,
      confirmSwitch: () => Promise.resolve(false),
    });
    assert.ok(declined.error instanceof RouteError);
    assert.deepEqual(
      declined.error.skipped.map((skip) => skip.reason),
      ['declined'],
    );
    assert.equal(pricey.requests.length, 1);
  });

  it('paces by rate-limit headers: a provider with no requests left is waited for, not asked', async () => {
    const clock = new AutoClock();
    const pacer = new RateLimitPacer(clock);
    const openai = await start((_req, res) =>
      sse(res, dataEvents([textDelta('ok'), '[DONE]']), {
        headers: {
          'x-ratelimit-limit-requests': '500',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '6s',
        },
      }),
    );
    await run([openAiTarget(openai)], ask, { clock, pacer });
    assert.deepEqual(pacer.headroom('openai/gpt-4o')?.info, {
      limitRequests: 500,
      remainingRequests: 0,
      resetRequestsMs: 6000,
    });
    const paced = await run([openAiTarget(openai)], ask, { clock, pacer });
    assert.deepEqual(
      paced.of('route-wait').map((wait) => [wait.reason, wait.delayMs]),
      [['pacing', 6000]],
    );
    assert.equal(paced.text, 'ok');
  });

  it("a Retry-After of any size pauses a model for the breaker's longest cool-down at most, and is never waited for beyond it", async () => {
    // 1e308 ms as sent, and 400 digits of seconds, which parse to Infinity.
    for (const header of [{ 'retry-after-ms': '1e308' }, { 'retry-after': '9'.repeat(400) }] as Array<
      Record<string, string>
    >) {
      const limited = await start((_req, res) => json(res, 429, OPENAI_ERRORS.openaiRateLimit, header));
      const anthropic = await start((_req, res) => anthropicAnswer(res));
      // A host may pass any cap: the wait is still bounded, so this Retry-After moves on at once.
      const moved = await run([openAiTarget(limited), anthropicTarget(anthropic)], ask, {
        retry: { maxRetryAfterMs: Infinity },
      });
      assert.equal(moved.text, 'Hello!');
      assert.deepEqual(moved.clock.waits, []);

      const breakerClock = new ManualClock();
      const circuits = new CircuitBreakers(breakerClock, { failureThreshold: 1 });
      await run([openAiTarget(limited), anthropicTarget(anthropic)], ask, { circuits });
      assert.deepEqual(
        circuits.snapshot().map((circuit) => [circuit.key, circuit.state, circuit.retryAt]),
        [['openai/gpt-4o', 'open', breakerClock.now() + 600_000]],
      );
      breakerClock.advance(599_999);
      assert.equal(circuits.state('openai/gpt-4o'), 'open');
      breakerClock.advance(1);
      assert.equal(
        circuits.state('openai/gpt-4o'),
        'half-open',
        `paused no longer than 10 minutes after ${JSON.stringify(header)}`,
      );
    }
  });

  it('a rate-limit reset of any size paces a model for 10 minutes at most', async () => {
    const pacerClock = new ManualClock();
    const pacer = new RateLimitPacer(pacerClock);
    const openai = await start((_req, res) =>
      sse(res, dataEvents([textDelta('ok'), '[DONE]']), {
        headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': `${'9'.repeat(400)}s` },
      }),
    );
    await run([openAiTarget(openai)], ask, { pacer });
    assert.equal(pacer.waitMs('openai/gpt-4o'), 600_000);

    // Longer than the wait allowed: refused here, without a request, saying for how long.
    const refused = await run([openAiTarget(openai)], ask, { pacer });
    assert.ok(refused.error instanceof RouteError);
    assert.deepEqual([refused.error.kind, refused.error.retryAfterMs], ['rate_limited', 600_000]);
    assert.match(refused.error.message, /no requests left for 600 s/);
    assert.equal(openai.requests.length, 1);

    // Whatever cap a host passes, the wait is 10 minutes, then the request goes.
    const waited = await run([openAiTarget(openai)], ask, { pacer, retry: { maxRetryAfterMs: Infinity } });
    assert.deepEqual(waited.clock.waits, [600_000]);
    assert.equal(waited.text, 'ok');

    pacerClock.advance(600_000);
    const after = await run([openAiTarget(openai)], ask, { pacer });
    assert.deepEqual([after.text, after.clock.waits], ['ok', []]);
  });

  it('retry settings out of their range are clamped; ones that are not numbers are left to the defaults', () => {
    assert.deepEqual(retryPolicyFromSettings({ maxAttempts: 3, maxWaitSeconds: 30 }), {
      maxAttempts: 3,
      maxRetryAfterMs: 30_000,
    });
    assert.deepEqual(retryPolicyFromSettings({ maxAttempts: 1e9, maxWaitSeconds: 1e308 }), {
      maxAttempts: 10,
      maxRetryAfterMs: 600_000,
    });
    assert.deepEqual(retryPolicyFromSettings({ maxAttempts: 0, maxWaitSeconds: -5 }), {
      maxAttempts: 1,
      maxRetryAfterMs: 0,
    });
    assert.deepEqual(retryPolicyFromSettings({ maxAttempts: 2.5, maxWaitSeconds: Infinity }), {
      maxAttempts: 2,
      maxRetryAfterMs: 600_000,
    });
    assert.deepEqual(retryPolicyFromSettings({ maxAttempts: '5', maxWaitSeconds: Number.NaN }), {});
    assert.deepEqual(retryPolicyFromSettings({}), {});
  });

  it('a provider that throws on the spot is a failure like any other; a cancel during a question ends the route at once', async () => {
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    const broken: RouteTarget = {
      providerId: 'custom',
      providerName: 'Custom',
      model: 'm',
      provider: {
        type: 'openai-compatible',
        chat: () => {
          throw new Error('misconfigured');
        },
        listModels: () => Promise.resolve([]),
      },
    };
    const circuits = new CircuitBreakers(new ManualClock(), { failureThreshold: 1 });
    const fell = await run([broken, anthropicTarget(anthropic)], ask, { circuits, retry: { maxAttempts: 1 } });
    assert.equal(fell.text, 'Hello!');
    assert.equal(fell.of('route-switch')[0]?.error.kind, 'network');

    const controller = new AbortController();
    const failing = await start((_req, res) =>
      json(res, 503, { error: { message: 'Service Unavailable', type: 'server_error' } }),
    );
    const asking = run([openAiTarget(failing), anthropicTarget(anthropic)], ask, {
      signal: controller.signal,
      retry: { maxAttempts: 1 },
      askBeforeSwitchingProviders: true,
      confirmSwitch: () => {
        controller.abort();
        return new Promise<boolean>(() => undefined); // the user never answers
      },
    });
    const { error } = await asking;
    assert.equal((error as ProviderError).kind, 'cancelled');
    assert.equal(anthropic.requests.length, 1, 'nothing sent after the cancel');
  });

  it('a budget that stops requests ends the route; a budget in switch mode moves to the next model', async () => {
    const refusing = (code: string): RouteTarget => ({
      providerId: 'openai',
      providerName: 'OpenAI',
      model: 'gpt-4o',
      provider: {
        type: 'openai',
        // Refuses before its first event, as the meter does.
        chat: () => ({
          [Symbol.asyncIterator]: () => ({
            next: () =>
              Promise.reject(new ProviderError('quota_exceeded', 'The daily budget of $5.00 is reached', { code })),
          }),
        }),
        listModels: () => Promise.resolve([]),
      },
    });
    const anthropic = await start((_req, res) => anthropicAnswer(res));
    for (const code of ['budget_stop', 'budget_ask']) {
      const stopped = await run([refusing(code), anthropicTarget(anthropic)]);
      assert.ok(stopped.error instanceof RouteError);
      // The code is what tells a budget's refusal from a provider's (VS Code's Blocked, the chat's button).
      assert.deepEqual(
        [stopped.error.kind, stopped.error.code, stopped.error.message],
        ['quota_exceeded', code, 'The daily budget of $5.00 is reached'],
      );
    }
    assert.equal(anthropic.requests.length, 0);
    const switched = await run([refusing('budget_switch'), anthropicTarget(anthropic)]);
    assert.equal(switched.text, 'Hello!');
  });

  it('a budget in switch mode downgrades: after its refusal only a cheaper model is tried, the pricier skipped and said why', async () => {
    const refused: RouteTarget = {
      providerId: 'openai',
      providerName: 'OpenAI',
      model: 'gpt-4o',
      prices: { input: 2.5, output: 10 },
      provider: {
        type: 'openai',
        chat: () => ({
          [Symbol.asyncIterator]: () => ({
            next: () =>
              Promise.reject(
                new ProviderError('quota_exceeded', 'The daily budget of $5.00 is reached', { code: 'budget_switch' }),
              ),
          }),
        }),
        listModels: () => Promise.resolve([]),
      },
    };
    const dear = await start((_req, res) => anthropicAnswer(res));
    const cheap = await start((_req, res) => openAiAnswer(res, 'Hello from the cheaper model'));
    const switched = await run(
      [
        refused,
        anthropicTarget(dear, { prices: { input: 3, output: 15 } }),
        openAiTarget(cheap, { providerId: 'openai-mini', model: 'gpt-4o-mini', prices: { input: 0.15, output: 0.6 } }),
      ],
      ask,
      { maxCostRatio: 3 },
    );
    assert.equal(switched.text, 'Hello from the cheaper model');
    assert.equal(dear.requests.length, 0);
    assert.deepEqual(
      switched.of('route-skip').map((event) => [event.target.model, event.reason]),
      [['claude-sonnet-4-5', 'not-cheaper']],
    );
  });
});
