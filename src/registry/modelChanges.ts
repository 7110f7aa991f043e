import type * as vscode from 'vscode';
import * as z from '../core/zod';
import {
  changeText,
  combineChanges,
  compareSnapshots,
  modelKey,
  parseModelKey,
  type KeyValueStore,
  type Logger,
  type ModelChange,
  type ModelInfo,
  type ModelSnapshot,
  type Registry,
} from '../core';
import type { ModelChangeMark, ModelChanges, PriceData } from '../services';

/** Snapshots and unseen marks, in globalState (not synced). */
export const MODEL_CHANGES_KEY = 'switchboard.modelChanges';
const SCHEMA_VERSION = 1;
/** Models remembered per provider (OpenRouter lists about 350). */
const MAX_MODELS = 2_000;

const pricePoint = z.object({
  input: z.number().check(z.nonnegative()),
  output: z.number().check(z.nonnegative()),
  own: z.optional(z.boolean()),
});
const change = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('new') }),
  z.object({ kind: z.literal('gone'), was: z.nullable(pricePoint) }),
  z.object({ kind: z.literal('price'), from: z.nullable(pricePoint), to: z.nullable(pricePoint) }),
]);
const mark = z.object({ change, at: z.number(), seenBy: z.optional(z.string()) });
const snapshot = z.object({ at: z.number(), models: z.record(z.string(), z.nullable(pricePoint)) });
const stored = z.object({
  schemaVersion: z.int().check(z.positive()),
  snapshots: z.record(z.string(), z.unknown()),
  marks: z.record(z.string(), z.unknown()),
});

type Mark = z.infer<typeof mark>;

/**
 * Remembers each provider's models as last seen (their prices as shown) and marks what changed at
 * each refresh: a model list read (the models table, a picker, a request's first use) or new price
 * data. A mark stays until a view (the models table, a model picker) has shown it: that view keeps
 * showing it while it is open, the next one does not. Remembered per model in globalState,
 * versioned; data of a newer format is read, never written over.
 */
export class ModelChangeTracker implements ModelChanges, vscode.Disposable {
  readonly #snapshots = new Map<string, { at: number; models: ModelSnapshot }>();
  readonly #marks = new Map<string, Mark>();
  #newer = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #subscriptions: Array<{ dispose(): void }>;

  constructor(
    private readonly registry: Registry,
    prices: PriceData,
    private readonly kv: KeyValueStore,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.#read();
    this.#subscriptions = [
      registry.onDidListModels((event) => this.#enqueue(() => this.#listed(event.providerId, event.models))),
      prices.onDidChange(() => this.#enqueue(() => this.#repriced())),
      // A removed provider's models are forgotten: another one may be added under its id.
      registry.onDidChange(() => {
        for (const providerId of this.#snapshots.keys()) if (!registry.get(providerId)) this.forget(providerId);
      }),
    ];
  }

  #read(): void {
    const parsed = stored.safeParse(this.kv.get<unknown>(MODEL_CHANGES_KEY));
    if (!parsed.success) return;
    this.#newer = parsed.data.schemaVersion > SCHEMA_VERSION;
    for (const [providerId, raw] of Object.entries(parsed.data.snapshots)) {
      const value = snapshot.safeParse(raw);
      if (value.success) this.#snapshots.set(providerId, value.data);
    }
    for (const [key, raw] of Object.entries(parsed.data.marks)) {
      const value = mark.safeParse(raw);
      if (value.success) this.#marks.set(key, value.data);
    }
  }

  #enqueue(run: () => Promise<void>): void {
    this.#queue = this.#queue
      .then(run)
      .catch((error: unknown) => this.log.warn('could not compare the model lists', error));
  }

  /** Resolves once every list read and price change so far has been compared. */
  settled(): Promise<void> {
    return this.#queue.then(() => undefined);
  }

  /** Each model's price as the surfaces show it (the one source: the registry's model facts). */
  async #snapshotOf(providerId: string, models: ReadonlyArray<{ id: string; listed?: ModelInfo }>) {
    const out: ModelSnapshot = {};
    for (const { id, listed } of models.slice(0, MAX_MODELS)) {
      const { price } = await this.registry.modelFacts(providerId, id, listed);
      out[id] =
        price.source !== 'local' && price.prices
          ? {
              input: price.prices.input,
              output: price.prices.output,
              ...(price.source === 'user' ? { own: true } : {}),
            }
          : null;
    }
    return out;
  }

  async #listed(providerId: string, models: ModelInfo[]): Promise<void> {
    if (!this.registry.get(providerId)) return;
    const next = await this.#snapshotOf(
      providerId,
      models.map((model) => ({ id: model.id, listed: model })),
    );
    await this.#compare(providerId, next);
  }

  /** New price data: every remembered model's price again (the list is not read again). */
  async #repriced(): Promise<void> {
    for (const [providerId, seen] of [...this.#snapshots]) {
      if (!this.registry.get(providerId)) continue;
      await this.#compare(
        providerId,
        await this.#snapshotOf(
          providerId,
          Object.keys(seen.models).map((id) => ({ id })),
        ),
      );
    }
  }

  async #compare(providerId: string, next: ModelSnapshot): Promise<void> {
    const before = this.#snapshots.get(providerId)?.models;
    const at = this.now();
    for (const [modelId, found] of compareSnapshots(before, next)) {
      const key = modelKey({ providerId, modelId });
      const earlier = this.#marks.get(key);
      // A mark a view has shown is done with: this change is news of its own.
      const combined = combineChanges(earlier && !earlier.seenBy ? earlier.change : undefined, found);
      if (combined) this.#marks.set(key, { change: combined, at });
      else this.#marks.delete(key);
    }
    this.#snapshots.set(providerId, { at, models: next });
    await this.#write();
  }

  /**
   * The marks a view shows for a provider's models: the ones not yet shown, and the ones this same
   * view showed before (it is still open). They count as seen by this view from now on; marks other
   * views showed are done with and dropped.
   */
  async take(viewId: string, providerId: string): Promise<Map<string, ModelChangeMark>> {
    await this.settled();
    const shown = new Map<string, ModelChangeMark>();
    let changed = false;
    for (const [key, value] of [...this.#marks]) {
      const ref = parseModelKey(key);
      if (ref?.providerId !== providerId) continue;
      if (value.seenBy !== undefined && value.seenBy !== viewId) {
        this.#marks.delete(key);
        changed = true;
        continue;
      }
      if (value.seenBy === undefined) {
        value.seenBy = viewId;
        changed = true;
      }
      shown.set(ref.modelId, describe(value.change));
    }
    if (changed) await this.#write();
    return shown;
  }

  /** Forgets a removed provider's snapshot and marks. */
  forget(providerId: string): void {
    this.#enqueue(async () => {
      this.#snapshots.delete(providerId);
      for (const key of [...this.#marks.keys()])
        if (parseModelKey(key)?.providerId === providerId) this.#marks.delete(key);
      await this.#write();
    });
  }

  async #write(): Promise<void> {
    if (this.#newer) return;
    const current = stored.safeParse(this.kv.get<unknown>(MODEL_CHANGES_KEY));
    if (current.success && current.data.schemaVersion > SCHEMA_VERSION) {
      this.#newer = true;
      return;
    }
    await this.kv.update(MODEL_CHANGES_KEY, {
      schemaVersion: SCHEMA_VERSION,
      snapshots: Object.fromEntries(this.#snapshots),
      marks: Object.fromEntries(this.#marks),
    });
  }

  dispose(): void {
    for (const subscription of this.#subscriptions) subscription.dispose();
  }
}

function describe(change: ModelChange): ModelChangeMark {
  return {
    kind: change.kind,
    text: changeText(change),
    ...(change.kind === 'gone' && change.was ? { was: { input: change.was.input, output: change.was.output } } : {}),
  };
}
