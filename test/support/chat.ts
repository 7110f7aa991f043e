// Helpers for adapter tests: loopback servers closed after each test, and event collection.
import assert from 'node:assert/strict';
import { ProviderError, Redactor, systemClock, type ChatEvent, type Clock, type Timeouts } from '../../src/core';
import { DEFAULT_TIMEOUTS, type TransportConfig } from '../../src/core/http';
import { startLoopback, type Handler, type LoopbackServer } from './loopback';

/** Servers started through the returned function are closed after each test of the calling suite. */
export function useServers(): (handler: Handler) => Promise<LoopbackServer> {
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (handler) => {
    const server = await startLoopback(handler);
    servers.push(server);
    return server;
  };
}

export async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** Runs a chat to its end, returning the events that arrived and the error it ended with. */
export async function collectUntilError(
  events: AsyncIterable<ChatEvent>,
): Promise<{ events: ChatEvent[]; error: ProviderError }> {
  const out: ChatEvent[] = [];
  try {
    for await (const event of events) out.push(event);
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return { events: out, error };
  }
  assert.fail(`expected the stream to fail; it yielded ${JSON.stringify(out)}`);
}

/**
 * The events with adjacent text (and reasoning) deltas joined, as the adapters join those of one
 * network read: for comparing streams that reached the client in different pieces.
 */
export function joinDeltas(events: ChatEvent[]): ChatEvent[] {
  const out: ChatEvent[] = [];
  for (const event of events) {
    const last = out[out.length - 1];
    if ((event.type === 'text' || event.type === 'reasoning') && last?.type === event.type)
      out[out.length - 1] = { type: event.type, text: last.text + event.text };
    else out.push(event);
  }
  return out;
}

export const withoutMetadata = (events: ChatEvent[]) => events.filter((event) => event.type !== 'response-metadata');
export const textOf = (events: ChatEvent[]) =>
  events.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join('');

/** The transport createProvider builds: the key registered with the redactor, global fetch, default timeouts. */
export function testTransport(
  providerName: string,
  options: { key?: string; clock?: Clock; timeouts?: Timeouts } = {},
): TransportConfig {
  const redactor = new Redactor();
  redactor.addSecret(options.key);
  return {
    providerName,
    fetch: globalThis.fetch,
    clock: options.clock ?? systemClock,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    redactor,
  };
}
