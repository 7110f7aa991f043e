import * as z from '../zod';
import type { KeyValueStore } from '../storage';
import {
  describeIssues,
  emptyRegistry,
  providerEntry,
  REGISTRY_SCHEMA_VERSION,
  registryState,
  type ProviderEntry,
  type RegistryState,
} from './schema';

export const REGISTRY_KEY = 'switchboard.registry';

/**
 * Migrations by the version they start from: MIGRATIONS[n] turns version n into n + 1. Each one is
 * tested with data of its version. (Version 1 is the first; none exist yet.)
 */
const MIGRATIONS: Record<number, (state: Record<string, unknown>) => Record<string, unknown>> = {};

export interface CorruptionReport {
  /** The kept copy of the unreadable data, untouched (see keptCopies). */
  backupKey: string;
  problems: string[];
  /** Providers that were still valid and are kept in use. */
  salvaged: number;
}

/** Why the stored data is open read-only: nothing is written over it until the user restores a copy. */
export interface ReadOnlyReport {
  problem: string;
  /** Providers that could still be read, and are usable. */
  readable: number;
}

/** Where kept copies live: an envelope saying when and why, around the data as it was. */
export const KEPT_PREFIX = `${REGISTRY_KEY}.kept.`;
/** Raw copies set aside by earlier versions (which never read them back). */
const LEGACY_BACKUP_PREFIX = `${REGISTRY_KEY}.backup.`;

export type KeptReason = 'unreadable' | 'before-restore' | 'earlier-version';

const keptEnvelope = z.object({
  v: z.literal(1),
  at: z.number(),
  reason: z.enum(['unreadable', 'before-restore']),
  detail: z.optional(z.string()),
  data: z.unknown(),
});

export interface KeptCopy {
  key: string;
  at: number;
  reason: KeptReason;
  /** The problems that had it set aside, say. */
  detail?: string;
  /** How many providers the copy holds (valid or not). */
  providers: number;
  /** Why this version cannot restore it (a newer format, nothing readable), if so. */
  unrestorable?: string;
}

/**
 * The registry in a key-value store: validated on every read, migrated from older versions, written
 * through one queue so that two quick edits never overwrite each other. Data is never dropped:
 * damaged data is kept as a copy, the caller is told once, and the valid providers go on working;
 * data this version cannot interpret (a newer format) is opened read-only and never written over.
 * Kept copies are listed and can be restored.
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

  /** Set when the stored data is open read-only (edits are refused until a copy is restored). */
  readOnly(): ReadOnlyReport | undefined {
    return this.#load().readOnly;
  }

  /** At startup: sets damaged data aside (and reports it) now rather than at the next edit; says if the data is read-only. */
  check(): Promise<ReadOnlyReport | undefined> {
    return this.#enqueue(async () => {
      const { corrupt, readOnly } = this.#load();
      if (corrupt) await this.#setAside(corrupt);
      return readOnly;
    });
  }

  /**
   * Applies `change` to the latest state, in order with every other update, validates the result and
   * writes it. A change that would produce invalid state throws with every problem named, and writes
   * nothing; so does any change while the data is read-only.
   */
  update(change: (state: RegistryState) => RegistryState): Promise<RegistryState> {
    return this.#enqueue(async () => {
      const { state, corrupt, readOnly } = this.#load();
      if (readOnly) throw new RegistryReadOnlyError(readOnly.problem);
      if (corrupt) await this.#setAside(corrupt);
      const next = registryState.safeParse(change(structuredClone(state)));
      if (!next.success) throw new RegistryError(describeIssues(next.error));
      await this.#kv.update(REGISTRY_KEY, next.data);
      return next.data;
    });
  }

  /** Every kept copy, newest first. */
  keptCopies(): KeptCopy[] {
    const copies: KeptCopy[] = [];
    for (const key of this.#kv.keys()) {
      const copy = this.#copy(key);
      if (copy) copies.push(copy.info);
    }
    return copies.sort((a, b) => b.at - a.at);
  }

  /**
   * Puts a kept copy back in use, after keeping the current data as a copy of its own. A copy with
   * damaged entries gives back its valid providers; the copy itself stays kept either way.
   */
  restore(key: string): Promise<{ state: RegistryState; problems: string[]; copy: KeptCopy }> {
    return this.#enqueue(async () => {
      const copy = this.#copy(key);
      if (!copy) throw new Error('That kept copy is gone.');
      if (copy.info.unrestorable) throw new Error(`That copy cannot be restored: ${copy.info.unrestorable}`);
      const migrated = migrate(copy.data);
      if (!migrated.ok) throw new Error(`That copy cannot be restored: ${migrated.problem}`);
      const parsed = registryState.safeParse(migrated.value);
      const restored = parsed.success ? parsed.data : salvage(migrated.value);
      const current = this.#kv.get<unknown>(REGISTRY_KEY);
      if (current !== undefined) await this.#keep(current, 'before-restore');
      await this.#kv.update(REGISTRY_KEY, restored);
      return { state: restored, problems: parsed.success ? [] : describeIssues(parsed.error), copy: copy.info };
    });
  }

  /** Runs after every earlier write, whether it succeeded or not. */
  #enqueue<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #load(): {
    state: RegistryState;
    corrupt?: { raw: unknown; problems: string[]; salvaged: RegistryState };
    readOnly?: ReadOnlyReport;
  } {
    const raw = this.#kv.get<unknown>(REGISTRY_KEY);
    if (raw === undefined) return { state: emptyRegistry() };
    const migrated = migrate(raw);
    if (migrated.ok) {
      const parsed = registryState.safeParse(migrated.value);
      if (parsed.success) return { state: parsed.data };
      const salvaged = salvage(migrated.value);
      return { state: salvaged, corrupt: { raw, problems: describeIssues(parsed.error), salvaged } };
    }
    // Data of a format this version does not know is not damaged: it is someone else's to change.
    if (migrated.foreign) {
      const readable = salvage(raw as Record<string, unknown>);
      return { state: readable, readOnly: { problem: migrated.problem, readable: readable.providers.length } };
    }
    return { state: emptyRegistry(), corrupt: { raw, problems: [migrated.problem], salvaged: emptyRegistry() } };
  }

  async #keep(data: unknown, reason: 'unreadable' | 'before-restore', detail?: string): Promise<string> {
    const at = this.#now();
    let key = `${KEPT_PREFIX}${at}`;
    for (let n = 2; this.#kv.get(key) !== undefined; n++) key = `${KEPT_PREFIX}${at}-${n}`;
    await this.#kv.update(key, { v: 1, at, reason, ...(detail ? { detail } : {}), data });
    return key;
  }

  async #setAside(corrupt: { raw: unknown; problems: string[]; salvaged: RegistryState }): Promise<void> {
    const backupKey = await this.#keep(corrupt.raw, 'unreadable', corrupt.problems.join('; '));
    await this.#kv.update(REGISTRY_KEY, corrupt.salvaged);
    this.#onCorrupt({ backupKey, problems: corrupt.problems, salvaged: corrupt.salvaged.providers.length });
  }

  #copy(key: string): { info: KeptCopy; data: unknown } | undefined {
    let at: number;
    let reason: KeptReason;
    let detail: string | undefined;
    let data: unknown;
    if (key.startsWith(KEPT_PREFIX)) {
      const envelope = keptEnvelope.safeParse(this.#kv.get<unknown>(key));
      if (!envelope.success) return undefined;
      ({ at, reason, detail, data } = envelope.data);
    } else if (key.startsWith(LEGACY_BACKUP_PREFIX)) {
      at = Number(key.slice(LEGACY_BACKUP_PREFIX.length));
      if (!Number.isFinite(at)) return undefined;
      reason = 'earlier-version';
      data = this.#kv.get<unknown>(key);
    } else return undefined;
    const providers =
      typeof data === 'object' && data !== null && 'providers' in data && Array.isArray(data.providers)
        ? data.providers.length
        : 0;
    const migrated = migrate(data);
    const unrestorable = !migrated.ok
      ? migrated.problem
      : salvage(migrated.value).providers.length === 0 && providers > 0
        ? 'none of its providers can be read'
        : undefined;
    return {
      info: { key, at, reason, ...(detail ? { detail } : {}), providers, ...(unrestorable ? { unrestorable } : {}) },
      data,
    };
  }
}

/** An edit refused because the stored data is open read-only. */
export class RegistryReadOnlyError extends Error {
  override readonly name = 'RegistryReadOnlyError';
  constructor(readonly problem: string) {
    super(
      `Your providers are open read-only, so nothing was changed: ${problem}. Update Switchboard, or use "Switchboard: Restore Providers from a Kept Copy".`,
    );
  }
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** `foreign`: an object whose format version this Switchboard does not know (newer, or not a version number). */
function migrate(
  raw: unknown,
): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string; foreign?: true } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, problem: '(root): not an object' };
  let value = raw as Record<string, unknown>;
  if (!Number.isInteger(value.schemaVersion) || (value.schemaVersion as number) < 1) {
    return {
      ok: false,
      foreign: true,
      problem: `the data's format version (schemaVersion) is ${value.schemaVersion === undefined ? 'missing' : 'not a version number'}; it may have been written by a newer Switchboard or edited by hand`,
    };
  }
  let version = value.schemaVersion as number;
  if (version > REGISTRY_SCHEMA_VERSION) {
    return {
      ok: false,
      foreign: true,
      problem: `the data was saved by a newer Switchboard (data format ${version}; this version reads up to ${REGISTRY_SCHEMA_VERSION})`,
    };
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
