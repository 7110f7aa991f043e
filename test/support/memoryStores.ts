// In-memory implementations of the core's storage interfaces (what VS Code's globalState and
// SecretStorage provide in the extension), with the asynchronous writes those have.
import type { KeyValueStore, SecretStore } from '../../src/core';

export class MemoryKeyValueStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  writes = 0;

  get<T>(key: string): T | undefined {
    // A copy, as a Memento hands out: callers must not be able to change stored data in place.
    const value = this.data.get(key);
    return value === undefined ? undefined : (structuredClone(value) as T);
  }

  async update(key: string, value: unknown): Promise<void> {
    // Yield first, as Memento.update does: concurrent writers interleave here.
    await new Promise((resolve) => setImmediate(resolve));
    this.writes++;
    if (value === undefined) this.data.delete(key);
    else this.data.set(key, structuredClone(value));
  }

  keys(): readonly string[] {
    return [...this.data.keys()];
  }
}

export class MemorySecretStore implements SecretStore {
  readonly data = new Map<string, string>();
  readonly #listeners = new Set<(key: string) => void>();

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.data.get(key));
  }

  store(key: string, value: string): Promise<void> {
    this.data.set(key, value);
    for (const listener of this.#listeners) listener(key);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    const had = this.data.delete(key);
    if (had) for (const listener of this.#listeners) listener(key);
    return Promise.resolve();
  }

  onDidChange(listener: (key: string) => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }
}

/**
 * globalState as several windows see it: one stored value of the extension's whole state, and each
 * window's own copy of it. A window's write replaces the whole stored state with its copy (as VS Code
 * stores an extension's globalState as one value), and another window's copy catches up only when the
 * test calls `propagate()`: the lag in which one window's write can overwrite another's.
 */
export class LaggingGlobalState {
  stored = new Map<string, unknown>();
  readonly #windows: Array<{ copy: Map<string, unknown> }> = [];

  window(): KeyValueStore {
    const view = { copy: structuredClone(this.stored) };
    this.#windows.push(view);
    return {
      get: <T>(key: string) => structuredClone(view.copy.get(key)) as T | undefined,
      update: async (key: string, value: unknown) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (value === undefined) view.copy.delete(key);
        else view.copy.set(key, structuredClone(value));
        this.stored = structuredClone(view.copy);
      },
      keys: () => [...view.copy.keys()],
    };
  }

  /** Every window's copy catches up with what is stored. */
  propagate(): void {
    for (const view of this.#windows) view.copy = structuredClone(this.stored);
  }
}
