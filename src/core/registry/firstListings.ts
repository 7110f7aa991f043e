import { findTemplate } from '../templates';
import type { ProviderEntry } from './schema';

/** Model lists whose prices Switchboard reads: asked for on a provider's first request when none is kept. */
const PRICED_LISTINGS: ReadonlySet<string> = new Set(['openrouter', 'litellm']);
/** A kept list older than this is read again in the background on the provider's first request of a session. */
export const LISTING_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** How long a request waits for a first list it needs for its price; the list goes on loading after. */
const FIRST_LISTING_WAIT_MS = 5_000;
/** After a failed list, it is not asked for again by requests for this long. */
const LISTING_RETRY_MS = 10 * 60 * 1000;

/** Waits for `promise`, but no longer than `ms`. */
function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * When a request needs a provider's own model list for its price (OpenRouter, a LiteLLM proxy), and
 * when it is read again: per provider, one listing at a time, not again soon after a failure.
 */
export class FirstListings {
  readonly #state = new Map<string, { running?: Promise<unknown>; failedAt?: number; checked?: boolean }>();

  constructor(
    private readonly now: () => number,
    /** Reads the provider's list and keeps it (the registry's refreshModels). */
    private readonly read: (id: string) => Promise<unknown>,
    /** When the kept list of the provider (at its current address) was read, if one is kept. */
    private readonly keptAt: (entry: ProviderEntry) => number | undefined,
  ) {}

  /** The provider was removed. */
  forget(id: string): void {
    this.#state.delete(id);
  }

  /** A list was read, whoever asked for it. */
  listed(id: string): void {
    const state = this.#state.get(id) ?? {};
    this.#state.set(id, Object.assign(state, { checked: true, failedAt: undefined }));
  }

  /**
   * Before a provider's request is priced: a provider whose own list has prices and that has no list
   * kept is asked for it once (waiting a few seconds at most), unless the user set the model's prices.
   * A kept list older than a day is read again in the background. Never throws: without the list the
   * catalog's price (or none) applies.
   */
  async ensure(entry: ProviderEntry, modelId: string): Promise<void> {
    const listing = findTemplate(entry.template ?? '')?.modelListing;
    if (!listing || !PRICED_LISTINGS.has(listing)) return;
    const own = entry.models.find((model) => model.id === modelId)?.prices;
    if (own?.input !== undefined && own.output !== undefined) return;
    const state = this.#state.get(entry.id) ?? {};
    this.#state.set(entry.id, state);
    const keptAt = this.keptAt(entry);
    if (state.running) {
      if (keptAt === undefined) await withTimeout(state.running, FIRST_LISTING_WAIT_MS);
      return;
    }
    if (keptAt !== undefined) {
      if (!state.checked && this.now() - keptAt > LISTING_MAX_AGE_MS) void this.#inBackground(entry.id, state);
      state.checked = true;
      return;
    }
    if (state.failedAt !== undefined && this.now() - state.failedAt < LISTING_RETRY_MS) return;
    await withTimeout(this.#inBackground(entry.id, state), FIRST_LISTING_WAIT_MS);
  }

  #inBackground(id: string, state: { running?: Promise<unknown>; failedAt?: number }): Promise<unknown> {
    const running = this.read(id).then(
      () => (state.failedAt = undefined),
      () => (state.failedAt = this.now()),
    );
    state.running = running.finally(() => (state.running = undefined));
    return state.running;
  }
}
