/** Anything with `dispose` (VS Code's Disposable, the core's listeners). */
export interface DisposableLike {
  dispose(): unknown;
}

/** Disposes in reverse order of adding, as later resources may depend on earlier ones. */
export class DisposableStore implements DisposableLike {
  readonly #items: DisposableLike[] = [];

  add<T extends DisposableLike>(item: T): T {
    this.#items.push(item);
    return item;
  }

  dispose(): void {
    for (const item of this.#items.splice(0).reverse()) item.dispose();
  }
}
