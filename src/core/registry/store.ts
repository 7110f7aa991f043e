import type { KeyValueStore } from '../storage';
import { describeIssues, emptyRegistry, providerEntry, REGISTRY_SCHEMA_VERSION, registryState, type ProviderEntry, type RegistryState } from './schema';

export const REGISTRY_KEY = 'switchboard.registry';

/**
 * Migrations by the version they start from: MIGRATIONS[n] turns version n into n + 1. Each one is
 * tested with data of its version. (Version 1 is the first; none exist yet.)
 */
const MIGRATIONS: Record<number, (state: Record<string, unknown>) => Record<string, unknown>> = {};

export interface CorruptionReport {
  /** Where the unreadable data was kept, untouched. */
  backupKey: string;
  problems: string[];
  /** Providers that were still valid and are kept in use. */
  salvaged: number;
}

/**
 * The registry in a key-value store: validated on every read, migrated from older versions, written
 * through one queue so that two quick edits never overwrite each other. Data that does not validate
 * is never dropped: it is kept aside under a backup key, the caller is told once, and the valid
 * providers go on working.
 */
export class RegistryStore {
  readonly #kv: KeyValueStore;
  readonly #onCorrupt: (report: CorruptionReport) => void;
  readonly #now: () => number;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(kv: KeyValueStore, onCorrupt: (report: CorruptionReport) => void, now: () => number = Date.now) {
    this.#kv = kv;
    this.#onCorrupt = onCorrupt;
    this.#now = now;
  }

  /** The current state. Reading never writes; a corrupt state is set aside by the next update. */
  read(): RegistryState {
    return this.#load().state;
  }

  /** At startup: sets damaged data aside (and reports it) now rather than at the next edit. */
  check(): Promise<void> {
    return this.#enqueue(async () => {
      const { corrupt } = this.#load();
      if (corrupt) await this.#setAside(corrupt);
    });
  }

  /**
   * Applies `change` to the latest state, in order with every other update, validates the result and
   * writes it. A change that would produce invalid state throws with every problem named, and writes nothing.
   */
  update(change: (state: RegistryState) => RegistryState): Promise<RegistryState> {
    return this.#enqueue(async () => {
      const { state, corrupt } = this.#load();
      if (corrupt) await this.#setAside(corrupt);
      const next = registryState.safeParse(change(structuredClone(state)));
      if (!next.success) throw new RegistryError(describeIssues(next.error));
      await this.#kv.update(REGISTRY_KEY, next.data);
      return next.data;
    });
  }

  /** Runs after every earlier write, whether it succeeded or not. */
  #enqueue<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #load(): { state: RegistryState; corrupt?: { raw: unknown; problems: string[]; salvaged: RegistryState } } {
    const raw = this.#kv.get<unknown>(REGISTRY_KEY);
    if (raw === undefined) return { state: emptyRegistry() };
    const migrated = migrate(raw);
    if (migrated.ok) {
      const parsed = registryState.safeParse(migrated.value);
      if (parsed.success) return { state: parsed.data };
      const salvaged = salvage(migrated.value);
      return { state: salvaged, corrupt: { raw, problems: describeIssues(parsed.error), salvaged } };
    }
    return { state: emptyRegistry(), corrupt: { raw, problems: [migrated.problem], salvaged: emptyRegistry() } };
  }

  async #setAside(corrupt: { raw: unknown; problems: string[]; salvaged: RegistryState }): Promise<void> {
    const backupKey = `${REGISTRY_KEY}.backup.${this.#now()}`;
    await this.#kv.update(backupKey, corrupt.raw);
    await this.#kv.update(REGISTRY_KEY, corrupt.salvaged);
    this.#onCorrupt({ backupKey, problems: corrupt.problems, salvaged: corrupt.salvaged.providers.length });
  }
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

function migrate(raw: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problem: '(root): not an object' };
  let value = raw as Record<string, unknown>;
  let version = typeof value.schemaVersion === 'number' ? value.schemaVersion : 0;
  if (version > REGISTRY_SCHEMA_VERSION) {
    return { ok: false, problem: `schemaVersion: ${version} is newer than this version of Switchboard understands (${REGISTRY_SCHEMA_VERSION})` };
  }
  while (version < REGISTRY_SCHEMA_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) return { ok: false, problem: `schemaVersion: no migration from version ${version}` };
    value = step(value);
    version++;
  }
  return { ok: true, value };
}

/** The providers of a damaged state that are still valid on their own. */
function salvage(value: Record<string, unknown>): RegistryState {
  const providers: ProviderEntry[] = [];
  for (const candidate of Array.isArray(value.providers) ? (value.providers as unknown[]) : []) {
    const parsed = providerEntry.safeParse(candidate);
    if (parsed.success && !providers.some((entry) => entry.id === parsed.data.id)) providers.push(parsed.data);
  }
  const state = emptyRegistry();
  state.providers = providers;
  if (typeof value.defaultProvider === 'string' && providers.some((entry) => entry.id === value.defaultProvider)) {
    state.defaultProvider = value.defaultProvider;
    if (typeof value.defaultModel === 'string') state.defaultModel = value.defaultModel;
  }
  return state;
}
