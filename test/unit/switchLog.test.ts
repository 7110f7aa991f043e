import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { AuditLog, describeSkipSwitch, ProviderError, type ChatRequest } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import {
  CircuitBreakers,
  notingSwitches,
  route,
  type RouteEvent,
  type RouteOptions,
  type RouteTarget,
} from '../../src/core/routing';
import { useServers } from '../support/chat';
import { dataEvents, json, sse, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';
import { MemoryKeyValueStore } from '../support/memoryStores';
import { finishChunk, textDelta } from '../fixtures/openaiWire';

const ask: ChatRequest = { model: 'unused', messages: [{ role: 'user', content: 'hi' }] };
const answer = (res: ServerResponse, text: string) =>
  sse(res, dataEvents([textDelta(text), finishChunk('stop'), '[DONE]']));

function target(server: LoopbackServer, providerId: string, extra: Partial<RouteTarget> = {}): RouteTarget {
  return {
    providerId,
    providerName: providerId === 'openai' ? 'OpenAI' : 'DeepSeek',
    model: providerId === 'openai' ? 'gpt-4o' : 'deepseek-chat',
    provider: createProvider({ type: 'openai', baseUrl: server.url, apiKey: 'sk-test-switch', openaiApi: 'chat' }),
    ...extra,
  };
}

/** Runs a route through `notingSwitches` into a real activity log, as the routing service does. */
async function routeAndLog(chain: RouteTarget[], request: ChatRequest, options: Partial<RouteOptions> = {}) {
  const clock = new ManualClock();
  const audit = new AuditLog(new MemoryKeyValueStore(), () => clock.now());
  const events: RouteEvent[] = [];
  const noted: Promise<void>[] = [];
  for await (const event of notingSwitches(
    route(chain, request, { clock, retry: { maxAttempts: 1 }, ...options }),
    (providerId, detail) => {
      const write = audit.record('fallback-triggered', providerId, detail);
      noted.push(write);
      return write;
    },
    (error) => assert.fail(String(error)),
  ))
    events.push(event);
  await Promise.all(noted);
  return { events, entries: audit.list().filter((entry) => entry.action === 'fallback-triggered') };
}

describe('switches caused by skipping a model are recorded like failures', () => {
  const start = useServers();

  it('an open circuit: the skip is in the activity log and the chat words', async () => {
    const openai = await start((_req, res) => answer(res, 'from OpenAI'));
    const deepseek = await start((_req, res) => answer(res, 'from DeepSeek'));
    const circuits = new CircuitBreakers(new ManualClock(), { failureThreshold: 1 });
    const key = CircuitBreakers.key('openai', 'gpt-4o');
    circuits.failed(circuits.tryAcquire(key)!, new ProviderError('overloaded', 'busy'));
    const { events, entries } = await routeAndLog([target(openai, 'openai'), target(deepseek, 'deepseek')], ask, {
      circuits,
    });
    assert.equal(openai.requests.length, 0);
    assert.deepEqual(
      entries.map((entry) => [entry.providerId, entry.detail]),
      [['openai', 'gpt-4o → deepseek/deepseek-chat: skipped, paused after repeated failures']],
    );
    const change = events.find((event) => event.type === 'route-skip-switch');
    assert.ok(change);
    assert.equal(
      describeSkipSwitch(change),
      'OpenAI gpt-4o skipped (paused after repeated failures); trying DeepSeek deepseek-chat',
    );
  });

  it('no tool support and over the cost ratio: each skip that moved the request is recorded', async () => {
    const openai = await start((_req, res) => answer(res, 'from OpenAI'));
    const deepseek = await start((_req, res) => answer(res, 'from DeepSeek'));
    const tools: ChatRequest = {
      ...ask,
      tools: [{ name: 'read', parameters: { type: 'object', properties: {} } }],
    };
    const noTools = await routeAndLog(
      [target(openai, 'openai', { tools: false }), target(deepseek, 'deepseek', { tools: true })],
      tools,
    );
    assert.deepEqual(
      noTools.entries.map((entry) => entry.detail),
      ['gpt-4o → deepseek/deepseek-chat: skipped, does not take tools'],
    );

    // The first model fails, the pricier second is skipped, the third answers: the failure explains
    // the switch (the skip between is not a switch of its own).
    const failing = await start((_req, res) => json(res, 503, { error: { message: 'Service Unavailable' } }));
    const pricey = target(openai, 'openai', { model: 'o1-pro', prices: { input: 150, output: 600 } });
    const mixed = await routeAndLog(
      [
        target(failing, 'deepseek', { prices: { input: 0.27, output: 1.1 } }),
        pricey,
        target(deepseek, 'deepseek', { model: 'deepseek-reasoner', prices: { input: 0.55, output: 2.19 } }),
      ],
      ask,
    );
    assert.deepEqual(
      mixed.events.flatMap((event) => (event.type === 'route-skip' ? [event.reason] : [])),
      ['too-expensive'],
    );
    assert.deepEqual(
      mixed.entries.map((entry) => entry.detail),
      ['deepseek-chat → deepseek/deepseek-reasoner: overloaded (503)'],
    );
  });

  it('an automatic fallback says so in the log', async () => {
    const openai = await start((_req, res) => json(res, 503, { error: { message: 'Service Unavailable' } }));
    const deepseek = await start((_req, res) => answer(res, 'from DeepSeek'));
    const { entries } = await routeAndLog(
      [target(openai, 'openai'), target(deepseek, 'deepseek', { automatic: true })],
      ask,
    );
    assert.deepEqual(
      entries.map((entry) => entry.detail),
      ['gpt-4o → deepseek/deepseek-chat (automatic failover): overloaded (503)'],
    );
  });
});
