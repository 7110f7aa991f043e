/**
 * The storage the core needs, as small interfaces the host implements
 * (in VS Code: SecretStorage and globalState). The core never sees `vscode`.
 */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  store(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Fires with the key whose value changed, also when another window changed it. */
  onDidChange(listener: (key: string) => void): { dispose(): void };
}

export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Promise<void>;
  keys(): readonly string[];
}

/**
 * A small document shared by every window of the machine (in VS Code: a file in globalStorageUri,
 * behind a lock file), changed one window at a time. What windows must agree on lives here:
 * budget reservations of requests in flight, and usage records not yet visible in every window's
 * copy of globalState.
 */
export interface SharedStore {
  /**
   * Reads the document, lets `change` edit it, and writes it back, while no other window can do the
   * same. `change` is synchronous and quick: the other windows wait for it.
   */
  update<T>(change: (document: unknown) => { document: unknown; result: T }): Promise<T>;
  /** The document as last written by any window (undefined when none has been). */
  read(): Promise<unknown>;
}

/** One window's SharedStore, in memory: for hosts with a single window, tests and benchmarks. */
export class MemorySharedStore implements SharedStore {
  #document: unknown;
  #queue: Promise<unknown> = Promise.resolve();

  update<T>(change: (document: unknown) => { document: unknown; result: T }): Promise<T> {
    // A copy in and out, as a file would give: a change that throws leaves the document as it was.
    const run = () =>
      new Promise<T>((resolve) => {
        const { document, result } = change(structuredClone(this.#document));
        this.#document = structuredClone(document);
        resolve(result);
      });
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  read(): Promise<unknown> {
    return Promise.resolve(structuredClone(this.#document));
  }
}
