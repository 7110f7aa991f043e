import { ProviderError } from '../errors';
import type { ChatEvent, ChatRequest } from '../types';
import { CircuitBreakers, retryDelayMs, type CircuitLease, type RetryPolicy } from './health';
import type { RouteEvent, RouteOptions, RouteTarget } from './router';
import { asProviderError, sleep } from './waits';

// One model of a route: its retries (backoff, Retry-After, rate-limit pacing), its circuit lease, and
// its answer, held back until something visible arrives.

const isVisible = (event: ChatEvent) =>
  event.type === 'text' || event.type === 'reasoning' || event.type === 'tool-call';

type StreamOutcome = 'answered' | { error: ProviderError; shownText?: string };
type TryOutcome = StreamOutcome | 'circuit-open';

/** Tries one model, with retries; yields its answer once it has begun. */
export async function* tryTarget(
  target: RouteTarget,
  request: ChatRequest,
  options: RouteOptions,
  policy: RetryPolicy,
  random: () => number,
  fallback: boolean,
): AsyncGenerator<RouteEvent, TryOutcome, undefined> {
  const key = CircuitBreakers.key(target.providerId, target.model);
  let failed: { error: ProviderError } | undefined;
  for (let attempt = 1; ; attempt++) {
    const pacing = options.pacer?.waitMs(key) ?? 0;
    if (pacing > policy.maxRetryAfterMs) {
      return {
        error: new ProviderError(
          'rate_limited',
          `${target.providerName} has no requests left for ${Math.ceil(pacing / 1000)} s (its rate-limit headers)`,
          { retryAfterMs: pacing },
        ),
      };
    }
    if (pacing > 0) {
      yield { type: 'route-wait', target, delayMs: pacing, attempt, reason: 'pacing' };
      await sleep(options.clock, pacing, options.signal);
    }
    const lease: CircuitLease | undefined = options.circuits ? options.circuits.tryAcquire(key) : { key, trial: false };
    // Taken by another request's trial since the route looked, or opened by a failure of these tries.
    if (!lease) return failed ?? 'circuit-open';
    const outcome = yield* streamOnce(target, lease, request, options, fallback);
    if (outcome === 'answered') return outcome;
    const { error, shownText } = outcome;
    if (shownText !== undefined || error.kind === 'cancelled') return outcome;
    // This failure opened the circuit: waiting for a retry it would refuse is pointless.
    if (options.circuits?.state(key) === 'open') return outcome;
    failed = { error };
    const delay = retryDelayMs(error, attempt, policy, random);
    if (delay === undefined) return outcome;
    yield { type: 'route-wait', target, delayMs: delay, attempt, reason: error };
    await sleep(options.clock, delay, options.signal);
  }
}

/** One try: the answer's events are held until the first visible one, so a failure before it falls back unseen. */
async function* streamOnce(
  target: RouteTarget,
  lease: CircuitLease,
  request: ChatRequest,
  options: RouteOptions,
  fallback: boolean,
): AsyncGenerator<RouteEvent, StreamOutcome, undefined> {
  const held: ChatEvent[] = [];
  let shown = false;
  let shownText = '';
  let settled = false;
  let finished = false;
  let iterator: AsyncIterator<ChatEvent> | undefined;
  const begin = function* (): Generator<RouteEvent> {
    shown = true;
    settled = true;
    options.circuits?.succeeded(lease);
    yield { type: 'route-answering', target, fallback };
    yield* held.splice(0);
  };
  try {
    iterator = target.provider
      .chat({ ...request, model: target.model }, { signal: options.signal })
      [Symbol.asyncIterator]();
    for (;;) {
      const result = await iterator.next();
      if (result.done) break;
      const event = result.value;
      if (event.type === 'response-metadata' && event.metadata.rateLimit)
        options.pacer?.observe(lease.key, event.metadata.rateLimit);
      if (!shown && !isVisible(event)) {
        held.push(event);
        continue;
      }
      if (!shown) yield* begin();
      if (event.type === 'text') shownText += event.text;
      yield event;
    }
    finished = true;
    if (!shown) yield* begin();
    return 'answered';
  } catch (caught) {
    finished = true;
    const error = asProviderError(caught, options.signal);
    if (error.kind === 'cancelled') return { error };
    settled = true;
    options.circuits?.failed(lease, error);
    return shown ? { error, shownText } : { error };
  } finally {
    if (!settled) options.circuits?.released(lease);
    // The consumer stopped reading at an answer event: end the request now rather than leave it streaming.
    if (!finished) await iterator?.return?.();
  }
}
