import { parseAzureUrl } from '../azureUrl';
import { ProviderError } from '../errors';
import type { Clock, ProviderType } from '../types';

/**
 * `healthy` and `slow` come from a check that answered; `failing` from consecutive checks that did
 * not; `no-free-call`: the provider has no model list to ask (an Azure deployment URL, an endpoint
 * without `/models`), so it is not checked in the background and never counts as failing for that;
 * `no-key`: its template requires a key and none is set, so it is not checked (a 401 would say
 * nothing about the provider) and never counts as failing for that; `unchecked`: not asked yet, or only answers that prove nothing either way (a rate limit, a 403).
 */
export type HealthState = 'healthy' | 'slow' | 'failing' | 'no-free-call' | 'no-key' | 'unchecked';

export interface ProviderHealth {
  providerId: string;
  state: HealthState;
  /** How long the last check that answered took. */
  lastMs?: number;
  /** When the provider was last checked (epoch ms), whatever came of it. */
  checkedAt?: number;
  /** Response times of the last checks that answered, oldest first (at most `historySize`). */
  history: number[];
  consecutiveFailures: number;
  /** What the last check that did not answer said. */
  error?: string;
}

export interface HealthCheckTarget {
  providerId: string;
  /** The provider's free call (its model list or a smaller ping, never a paid generation); absent when it has none. */
  freeCall?: (options: { signal: AbortSignal }) => Promise<unknown>;
  /** Present when the provider's template requires a key: whether it has none to send now (then it is not checked). */
  keyMissing?: () => Promise<boolean>;
}

export interface HealthCheckOptions {
  clock: Clock;
  /** The providers to check now (the enabled ones), asked at every run. */
  targets: () => HealthCheckTarget[];
  /** Between two checks of a provider (default 5 minutes). */
  intervalMs?: number;
  /** Between checks of a provider whose last check failed: a failure is confirmed, and a recovery seen, sooner (default 1 minute). */
  recheckMs?: number;
  /** The first run after start() (default 15 s: not while the window opens). */
  initialDelayMs?: number;
  /** One check's longest wait (default 20 s). */
  timeoutMs?: number;
  /** Response times kept per provider (default 20). */
  historySize?: number;
  /** Checks at once (default 2). */
  concurrency?: number;
  /** Consecutive failed checks that make a provider `failing` (default 2). */
  failAfter?: number;
  /** A check slower than this is `slow` (default 5 s)... */
  slowMs?: number;
  /** ...and so is one over this many times the provider's own median, once 5 answers are known (default 4). */
  slowFactor?: number;
}

const DEFAULTS = {
  intervalMs: 5 * 60_000,
  recheckMs: 60_000,
  initialDelayMs: 15_000,
  timeoutMs: 20_000,
  historySize: 20,
  concurrency: 2,
  failAfter: 2,
  slowMs: 5_000,
  slowFactor: 4,
};

/** Azure's deployment URLs list no models; its `/openai/v1` form (Azure AI Foundry) does. The connection test reads the same rule. */
export function hasModelList(type: ProviderType, baseUrl: string): boolean {
  return type !== 'azure-openai' || parseAzureUrl(baseUrl)?.form === 'v1';
}

// Failures that say the provider would not answer a request either. A 403 (a key without the
// "models: read" permission), a rate limit or a refused request prove nothing about chat.
const FAILING_KINDS = new Set(['network', 'timeout', 'server_error', 'overloaded']);

function verdict(error: unknown): 'failing' | 'no-free-call' | 'inconclusive' {
  if (!(error instanceof ProviderError)) return 'failing';
  if (error.status === 404 || error.status === 405 || error.kind === 'model_not_found') return 'no-free-call';
  if (FAILING_KINDS.has(error.kind) || (error.kind === 'invalid_credentials' && error.status === 401)) return 'failing';
  return 'inconclusive';
}

/** States no answer of the provider's stands behind: an answer that proves nothing leaves them `unchecked`. */
const UNANSWERED: ReadonlySet<HealthState> = new Set(['failing', 'no-free-call', 'no-key']);

type Settled = typeof DEFAULTS & Pick<HealthCheckOptions, 'clock' | 'targets'>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Checks each enabled provider in the background with its free call, on an injected clock: every
 * `intervalMs`, sooner after a failed check; a few at a time; one run at a time; stop() cancels
 * what is in flight. Keeps each provider's recent response times and says healthy, slow or failing.
 */
export class HealthChecker {
  readonly #options: Settled;
  readonly #health = new Map<string, ProviderHealth>();
  readonly #listeners = new Set<() => void>();
  #timer: unknown;
  #run: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #started = false;

  constructor(options: HealthCheckOptions) {
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    this.#options = { ...DEFAULTS, ...given } as Settled;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(this.#options.initialDelayMs);
  }

  /** Cancels the checks in flight and the next run; what is known is forgotten (it would go stale). */
  stop(): void {
    this.#started = false;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort();
    this.#health.clear();
    this.#changed();
  }

  /** Checks every provider that is due now (all of them with `all`); joins a run already going. */
  runNow({ all = false } = {}): Promise<void> {
    this.#run ??= this.#runDue(all).finally(() => {
      this.#run = undefined;
      if (this.#started) this.#schedule(this.#nextDueMs());
    });
    return this.#run;
  }

  /** What is known of a provider being checked (an enabled one), else undefined. */
  status(providerId: string): ProviderHealth | undefined {
    const target = this.#options.targets().find((candidate) => candidate.providerId === providerId);
    if (!target) return undefined;
    const known = this.#health.get(providerId);
    if (!target.freeCall) return { ...this.#blank(providerId), state: 'no-free-call' };
    return known ? { ...known, history: [...known.history] } : this.#blank(providerId);
  }

  /** Whether the router should pass this provider by: its recent checks failed (an old verdict does not count). */
  failing(providerId: string): boolean {
    const known = this.#health.get(providerId);
    if (known?.state !== 'failing' || known.checkedAt === undefined) return false;
    return this.#options.clock.now() - known.checkedAt <= 2 * this.#options.intervalMs;
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  #blank(providerId: string): ProviderHealth {
    return { providerId, state: 'unchecked', history: [], consecutiveFailures: 0 };
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.runNow();
    }, ms);
  }

  #dueAt(target: HealthCheckTarget): number {
    const known = this.#health.get(target.providerId);
    if (known?.checkedAt === undefined) return 0;
    // A key may be set any moment, and looking for one costs no request: asked again as soon as a failure is.
    const wait =
      known.consecutiveFailures > 0 || known.state === 'no-key' ? this.#options.recheckMs : this.#options.intervalMs;
    return known.checkedAt + wait;
  }

  #nextDueMs(): number {
    const now = this.#options.clock.now();
    const due = this.#options.targets().map((target) => this.#dueAt(target));
    // Nothing to check yet: look again after an interval (a provider may be enabled meanwhile).
    const next = due.length > 0 ? Math.min(...due) : now + this.#options.intervalMs;
    return Math.max(1_000, next - now);
  }

  async #runDue(all: boolean): Promise<void> {
    const now = this.#options.clock.now();
    const targets = this.#options.targets();
    // Providers no longer enabled are forgotten.
    const ids = new Set(targets.map((target) => target.providerId));
    for (const id of this.#health.keys()) if (!ids.has(id)) this.#health.delete(id);
    const queue = targets.filter((target) => all || this.#dueAt(target) <= now);
    const abort = new AbortController();
    this.#abort = abort;
    const worker = async () => {
      for (let target = queue.shift(); target && !abort.signal.aborted; target = queue.shift())
        await this.#check(target, abort.signal);
    };
    await Promise.all(Array.from({ length: Math.min(this.#options.concurrency, queue.length) }, worker));
  }

  async #check(target: HealthCheckTarget, runSignal: AbortSignal): Promise<void> {
    const { clock } = this.#options;
    const previous = this.#health.get(target.providerId) ?? this.#blank(target.providerId);
    if (!target.freeCall) {
      this.#record({ ...previous, state: 'no-free-call', checkedAt: clock.now() });
      return;
    }
    if (await this.#keyMissing(target)) {
      const { error: _lastError, ...kept } = previous;
      this.#record({ ...kept, state: 'no-key', checkedAt: clock.now(), consecutiveFailures: 0 });
      return;
    }
    const controller = new AbortController();
    const onRunAbort = () => controller.abort();
    runSignal.addEventListener('abort', onRunAbort, { once: true });
    const timeout = clock.setTimeout(() => controller.abort(), this.#options.timeoutMs);
    const started = clock.now();
    try {
      await target.freeCall({ signal: controller.signal });
      const ms = clock.now() - started;
      const history = [...previous.history, ms].slice(-this.#options.historySize);
      const slow =
        ms >= this.#options.slowMs ||
        (previous.history.length >= 5 && ms >= 1_000 && ms > this.#options.slowFactor * median(previous.history));
      this.#record({
        providerId: target.providerId,
        state: slow ? 'slow' : 'healthy',
        lastMs: ms,
        checkedAt: clock.now(),
        history,
        consecutiveFailures: 0,
      });
    } catch (error) {
      // Stopped (not timed out): no verdict.
      if (runSignal.aborted) return;
      const timedOut = controller.signal.aborted;
      const message = timedOut
        ? `no answer within ${Math.round(this.#options.timeoutMs / 1000)} s`
        : error instanceof Error
          ? error.message
          : String(error);
      const found = timedOut ? 'failing' : verdict(error);
      const failures = found === 'failing' ? previous.consecutiveFailures + 1 : 0;
      // An answer that proves nothing still shows the provider is reachable: no longer failing.
      const kept = UNANSWERED.has(previous.state) ? 'unchecked' : previous.state;
      const state: HealthState =
        found === 'no-free-call'
          ? 'no-free-call'
          : found === 'failing'
            ? failures >= this.#options.failAfter
              ? 'failing'
              : previous.state === 'no-free-call' || previous.state === 'no-key'
                ? 'unchecked'
                : previous.state
            : kept;
      this.#record({ ...previous, state, checkedAt: clock.now(), consecutiveFailures: failures, error: message });
    } finally {
      clock.clearTimeout(timeout);
      runSignal.removeEventListener('abort', onRunAbort);
    }
  }

  async #keyMissing(target: HealthCheckTarget): Promise<boolean> {
    try {
      return (await target.keyMissing?.()) === true;
    } catch {
      // Unknown: the check itself will tell.
      return false;
    }
  }

  #record(health: ProviderHealth): void {
    this.#health.set(health.providerId, health);
    this.#changed();
  }
}

/** "healthy · 230 ms", "failing: unreachable", "not checked in the background": a state in a few words. */
export function describeHealth(health: ProviderHealth): string {
  const ms = health.lastMs !== undefined ? ` · ${health.lastMs.toLocaleString()} ms` : '';
  switch (health.state) {
    case 'healthy':
      return `healthy${ms}`;
    case 'slow':
      return `slow${ms}`;
    case 'failing':
      return `failing${health.error ? `: ${health.error}` : ''}${health.lastMs !== undefined ? ` (last answer ${health.lastMs.toLocaleString()} ms)` : ''}`;
    case 'no-free-call':
      return 'not checked in the background (no model list to ask)';
    case 'no-key':
      return 'no key set: not checked';
    case 'unchecked':
      return 'not checked yet';
  }
}
