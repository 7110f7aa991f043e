import type { ProviderError, ProviderErrorKind } from '../errors';
import type { Clock, RateLimitInfo } from '../types';

/** Failures that can pass on their own: worth a retry after a wait, and what a circuit counts. */
export const TRANSIENT_KINDS: ReadonlySet<ProviderErrorKind> = new Set([
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'network',
]);

export interface RetryPolicy {
  /** Tries of one (provider, model) per request, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After worth waiting for; a longer one moves to the next model instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 30_000,
};

/**
 * The longest any wait or pause lasts: the breaker's longest cool-down. A provider's Retry-After or
 * rate-limit reset can be any number (1e308, or Infinity once parsed); beyond this it counts as this
 * long, so no answer pauses a model until VS Code restarts (and no timer overflows into firing at once).
 */
export const MAX_PAUSE_MS = 600_000;

/** `ms` within 0..max; NaN counts as no wait. */
export function boundedMs(ms: number, max = MAX_PAUSE_MS): number {
  return Number.isNaN(ms) ? 0 : Math.min(max, Math.max(0, ms));
}

/**
 * The retry settings as a policy, each within its schema's bounds: VS Code only warns about a value
 * out of range in settings.json and still hands it over. A value that is not a number is left to the default.
 */
export function retryPolicyFromSettings(settings: {
  maxAttempts?: unknown;
  maxWaitSeconds?: unknown;
}): Partial<RetryPolicy> {
  const number = (value: unknown) => (typeof value === 'number' && !Number.isNaN(value) ? value : undefined);
  const attempts = number(settings.maxAttempts);
  const waitSeconds = number(settings.maxWaitSeconds);
  return {
    ...(attempts !== undefined ? { maxAttempts: Math.min(10, Math.max(1, Math.floor(attempts))) } : {}),
    ...(waitSeconds !== undefined ? { maxRetryAfterMs: boundedMs(waitSeconds * 1000) } : {}),
  };
}

/**
 * How long to wait before trying again after `failures` failed tries, or undefined to stop trying
 * this model. Exponential with equal jitter (never zero, never synchronised across windows); the
 * provider's Retry-After wins when it gives one.
 */
export function retryDelayMs(
  error: ProviderError,
  failures: number,
  policy: RetryPolicy,
  random: () => number,
): number | undefined {
  if (!TRANSIENT_KINDS.has(error.kind) || failures >= policy.maxAttempts) return undefined;
  if (error.retryAfterMs !== undefined)
    return error.retryAfterMs <= policy.maxRetryAfterMs ? error.retryAfterMs : undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  /** Consecutive transient failures that open a circuit. */
  failureThreshold: number;
  /** The first cool-down; each re-opening after a failed trial doubles it, up to maxCoolDownMs. */
  coolDownMs: number;
  maxCoolDownMs: number;
}

export const DEFAULT_CIRCUIT_OPTIONS: CircuitOptions = {
  failureThreshold: 3,
  coolDownMs: 30_000,
  maxCoolDownMs: MAX_PAUSE_MS,
};

export interface CircuitSnapshot {
  key: string;
  state: CircuitState;
  consecutiveFailures: number;
  /** When an open circuit lets a trial request through (epoch ms). */
  retryAt?: number;
  lastError?: string;
}

export interface CircuitLease {
  key: string;
  /** This try is the half-open circuit's one trial. */
  trial: boolean;
}

interface Circuit {
  failures: number;
  opens: number;
  openUntil?: number;
  trialInFlight: boolean;
  lastError?: string;
}

/**
 * One breaker per (provider, model): after N consecutive transient failures requests skip it for a
 * cool-down (longer when the provider's Retry-After says so, up to maxCoolDownMs), then a single
 * trial request decides.
 */
export class CircuitBreakers {
  readonly #circuits = new Map<string, Circuit>();
  readonly #listeners = new Set<() => void>();
  readonly #options: CircuitOptions;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    options: Partial<CircuitOptions> = {},
  ) {
    this.#options = { ...DEFAULT_CIRCUIT_OPTIONS, ...options };
  }

  static key(providerId: string, model: string): string {
    return `${providerId}/${model}`;
  }

  state(key: string): CircuitState {
    const circuit = this.#circuits.get(key);
    if (circuit?.openUntil === undefined) return 'closed';
    return this.clock.now() < circuit.openUntil ? 'open' : 'half-open';
  }

  /** Whether a try could start now: closed, or half-open with its trial slot free. */
  available(key: string): boolean {
    const state = this.state(key);
    return state === 'closed' || (state === 'half-open' && !this.#circuits.get(key)!.trialInFlight);
  }

  /**
   * A lease to try this model now, or undefined; a half-open circuit hands out one trial lease at a
   * time. Every lease is settled with succeeded, failed or released; only the trial's verdict decides.
   */
  tryAcquire(key: string): CircuitLease | undefined {
    const state = this.state(key);
    if (state === 'closed') return { key, trial: false };
    const circuit = this.#circuits.get(key)!;
    if (state === 'open' || circuit.trialInFlight) return undefined;
    circuit.trialInFlight = true;
    return { key, trial: true };
  }

  succeeded(lease: CircuitLease): void {
    const circuit = this.#circuits.get(lease.key);
    if (!circuit) return;
    const wasOpen = circuit.openUntil !== undefined;
    // Any answer shows the model works again; a trial still running then settles on a closed circuit.
    this.#circuits.delete(lease.key);
    if (wasOpen) this.#changed();
  }

  /** A try ended in an error: transient ones count towards opening; others show the model answers. */
  failed(lease: CircuitLease, error: ProviderError): void {
    const circuit = this.#circuits.get(lease.key) ?? { failures: 0, opens: 0, trialInFlight: false };
    this.#circuits.set(lease.key, circuit);
    if (lease.trial) circuit.trialInFlight = false;
    const open = circuit.openUntil !== undefined;
    if (!TRANSIENT_KINDS.has(error.kind)) {
      // Not "in a row" any more: the model answered, if with a refusal.
      if (!open) circuit.failures = 0;
      return;
    }
    circuit.failures++;
    circuit.lastError = error.message;
    // A request that began before the circuit opened says nothing new; only the trial re-opens it.
    if (open ? !lease.trial : circuit.failures < this.#options.failureThreshold) return;
    circuit.opens++;
    const coolDown = Math.min(this.#options.maxCoolDownMs, this.#options.coolDownMs * 2 ** (circuit.opens - 1));
    // The cap holds for the provider's Retry-After too: it is any number the provider sent.
    circuit.openUntil =
      this.clock.now() + boundedMs(Math.max(coolDown, error.retryAfterMs ?? 0), this.#options.maxCoolDownMs);
    this.#changed();
  }

  /** A try that ended without a verdict (cancelled by the user): its trial slot, if it held one, is freed. */
  released(lease: CircuitLease): void {
    const circuit = this.#circuits.get(lease.key);
    if (circuit && lease.trial) circuit.trialInFlight = false;
  }

  snapshot(): CircuitSnapshot[] {
    return [...this.#circuits].map(([key, circuit]) => ({
      key,
      state: this.state(key),
      consecutiveFailures: circuit.failures,
      ...(circuit.openUntil !== undefined ? { retryAt: circuit.openUntil } : {}),
      ...(circuit.lastError !== undefined ? { lastError: circuit.lastError } : {}),
    }));
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/**
 * Paces requests by the rate-limit headers of earlier answers: a model that said "0 requests left,
 * resets in 20 s" is not sent another request it would refuse. Keyed like the circuits
 * (provider/model): OpenAI's limits are per model, so another model of the same provider is not held back.
 */
export class RateLimitPacer {
  readonly #headroom = new Map<string, { info: RateLimitInfo; at: number }>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  observe(key: string, info: RateLimitInfo): void {
    this.#headroom.set(key, { info, at: this.clock.now() });
  }

  /** Milliseconds to wait before this model will take another request (0 when it will now). */
  waitMs(key: string): number {
    const entry = this.#headroom.get(key);
    if (!entry) return 0;
    const { info, at } = entry;
    // A reset is any number the provider sent: bounded like a Retry-After.
    const until = Math.max(
      info.remainingRequests === 0 && info.resetRequestsMs !== undefined ? at + boundedMs(info.resetRequestsMs) : 0,
      info.remainingTokens === 0 && info.resetTokensMs !== undefined ? at + boundedMs(info.resetTokensMs) : 0,
    );
    return Math.max(0, until - this.clock.now());
  }

  /** Every model's last word on its headroom. */
  entries(): Array<[key: string, headroom: { info: RateLimitInfo; at: number }]> {
    return [...this.#headroom];
  }

  /** What the model last said it had left, and when it said it. */
  headroom(key: string): { info: RateLimitInfo; at: number } | undefined {
    return this.#headroom.get(key);
  }
}
