import { ProviderError } from './errors';
import { redactError } from './http';
import type { Redactor } from './redact';
import type { ChatEvent } from './types';

/**
 * Serves events one at a time from batches (one batch per network read). An async generator
 * yielding every event costs several promise turns per delta; this costs one. Stopping early
 * (`break`, `return()`) ends the source, whose `finally` releases the connection. Every error
 * leaves through here, so here is where the provider's key is redacted from it, whatever its shape.
 */
export class BatchedEvents implements AsyncIterableIterator<ChatEvent> {
  readonly #source: AsyncIterator<ChatEvent[], void>;
  readonly #redactor: Redactor;
  #batch: ChatEvent[] = [];
  #next = 0;

  constructor(source: AsyncIterator<ChatEvent[], void>, redactor: Redactor) {
    this.#source = source;
    this.#redactor = redactor;
  }

  next(): Promise<IteratorResult<ChatEvent, undefined>> {
    if (this.#next < this.#batch.length) return Promise.resolve({ value: this.#batch[this.#next++]!, done: false });
    return this.#pull();
  }

  async #pull(): Promise<IteratorResult<ChatEvent, undefined>> {
    for (;;) {
      let result: IteratorResult<ChatEvent[], void>;
      try {
        result = await this.#source.next();
      } catch (error) {
        throw error instanceof ProviderError ? redactError(error, this.#redactor) : error;
      }
      if (result.done) return { value: undefined, done: true };
      if (result.value.length === 0) continue;
      this.#batch = result.value;
      this.#next = 1;
      return { value: this.#batch[0]!, done: false };
    }
  }

  async return(): Promise<IteratorResult<ChatEvent, undefined>> {
    this.#batch = [];
    await this.#source.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Iterates `first`; if its first step fails with an error `fallback` accepts, iterates what
 * `fallback` returns instead. Later steps pass straight through, at no cost per event.
 */
export class SwitchOnFirstFailure implements AsyncIterableIterator<ChatEvent> {
  #current: AsyncIterator<ChatEvent>;
  #started = false;
  readonly #fallback: (error: unknown) => AsyncIterator<ChatEvent> | undefined;

  constructor(first: AsyncIterator<ChatEvent>, fallback: (error: unknown) => AsyncIterator<ChatEvent> | undefined) {
    this.#current = first;
    this.#fallback = fallback;
  }

  next(): Promise<IteratorResult<ChatEvent>> {
    return this.#started ? this.#current.next() : this.#first();
  }

  async #first(): Promise<IteratorResult<ChatEvent>> {
    this.#started = true;
    try {
      return await this.#current.next();
    } catch (error) {
      const alternative = this.#fallback(error);
      if (!alternative) throw error;
      this.#current = alternative;
      return alternative.next();
    }
  }

  async return(): Promise<IteratorResult<ChatEvent>> {
    await this.#current.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Starts its source on the first `next()` (after async set-up such as reading a key), then passes events through. */
export class DeferredEvents implements AsyncIterableIterator<ChatEvent> {
  readonly #start: () => Promise<AsyncIterable<ChatEvent>>;
  #inner: AsyncIterator<ChatEvent> | undefined;

  constructor(start: () => Promise<AsyncIterable<ChatEvent>>) {
    this.#start = start;
  }

  next(): Promise<IteratorResult<ChatEvent>> {
    return this.#inner ? this.#inner.next() : this.#first();
  }

  async #first(): Promise<IteratorResult<ChatEvent>> {
    this.#inner = (await this.#start())[Symbol.asyncIterator]();
    return this.#inner.next();
  }

  async return(): Promise<IteratorResult<ChatEvent>> {
    await this.#inner?.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
