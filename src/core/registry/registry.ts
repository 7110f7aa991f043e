import type { ConnectionTestReport, ModelCheck } from '../connectionTest';
import type { ModelFacts } from '../modelFacts';
import { findTemplate } from '../templates';
import type { ModelInfo, Provider } from '../types';
import type { AuditEntry, AuditLog } from './audit';
import type { AdapterHost } from './connection';
import {
  checked,
  checkedPatch,
  defaultChoice,
  idFor,
  newProvider,
  type NewProvider,
  type ProviderPatch,
} from './input';
import type { KeyState, KeyStore } from './keys';
import {
  LiveProviders,
  type CheckModelOptions,
  type TestConnectionOptions,
  type TestDraftOptions,
} from './liveProviders';
import type { ModelListStore, ProviderListing } from './modelLists';
import {
  applyImport,
  mergeLayers,
  parseExport,
  planImport,
  type FileLimit,
  type ImportCounts,
  type SourcedEntry,
} from './portable';
import { ProviderModels } from './providerModels';
import type { ProviderEntry, RegistryState } from './schema';
import type { GatewayReader } from '../adapters/gateway';
import { RegistryError, type KeptCopy, type ReadOnlyReport, type RegistryStore } from './store';
import type { TeamPolicy } from './teamPolicy';

/** One (provider, model) of a fallback chain as configured. */
export interface FallbackStep {
  provider: string;
  model: string;
}

export type RegistryChange = { type: 'providers' } | { type: 'key'; providerId: string };

/** A provider's model list was read: its models (the catalog filling what it left out), and whether what it says changed. */
export interface ModelListEvent {
  providerId: string;
  models: ModelInfo[];
  at: number;
  /** What the provider itself said (a price, a limit, a model) differs from the list kept before. */
  changed: boolean;
}

export interface RegistryOptions extends AdapterHost {
  store: RegistryStore;
  keys: KeyStore;
  audit: AuditLog;
  /** Where providers' model lists are kept between listings (default: memory only). */
  modelLists?: ModelListStore;
  now?: () => number;
}

/**
 * The user's providers: what is configured (validated, versioned, written in order), their keys
 * (secret storage only, bound to their origin), and ready Providers that read the key at request
 * time. Every change fires onDidChange so the panel, status bar, chat and model list stay in step.
 */
export class Registry {
  readonly #options: RegistryOptions;
  readonly #listeners = new Set<(change: RegistryChange) => void>();
  readonly #now: () => number;
  /** Adapters built for the entries, and the connection test. */
  readonly #live: LiveProviders;
  /** Providers declared in settings and in the workspace file: listed and usable, never edited here. */
  #declared: { settings: ProviderEntry[]; workspace: ProviderEntry[] } = { settings: [], workspace: [] };
  /** The fallback chain a team committed in its workspace file (used when the user set none). */
  #workspaceFallback: FallbackStep[] = [];
  /** The team's policy from the workspace file (allowed models, budgets, data policy), by provider id. */
  #teamPolicy: TeamPolicy = {};
  /** Each provider's own model list, and what is known of each model. */
  readonly #models: ProviderModels;

  constructor(options: RegistryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#live = new LiveProviders(
      options,
      options.keys,
      (id) => this.get(id),
      (id, report) => this.recordTest(id, report),
    );
    this.#models = new ProviderModels(
      this.#now,
      (id) => this.get(id),
      (id) => this.#live.build(id),
      options.modelLists,
    );
    options.keys.onDidChange((providerId) => {
      this.#live.forget(providerId);
      this.#fire({ type: 'key', providerId });
    });
  }

  onDidChange(listener: (change: RegistryChange) => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  /** Fires after each model list read (the models table, a picker, a request's first use). */
  onDidListModels(listener: (event: ModelListEvent) => void): { dispose(): void } {
    return this.#models.onDidList(listener);
  }

  #fire(change: RegistryChange): void {
    for (const listener of [...this.#listeners]) listener(change);
  }

  /** Every provider, with where it comes from: the user's own, then settings, then the workspace file. */
  list(): SourcedEntry[] {
    return mergeLayers({ user: this.#options.store.read().providers, ...this.#declared });
  }

  get(id: string): SourcedEntry | undefined {
    return this.list().find((entry) => entry.id === id);
  }

  /** Replaces the declared layers (called when settings or the workspace file change). */
  setDeclared(declared: {
    settings: ProviderEntry[];
    workspace: ProviderEntry[];
    workspaceFallback?: FallbackStep[];
    teamPolicy?: TeamPolicy;
  }): void {
    this.#declared = { settings: declared.settings, workspace: declared.workspace };
    this.#workspaceFallback = declared.workspaceFallback ?? [];
    this.#teamPolicy = declared.teamPolicy ?? {};
    this.#live.forgetAll();
    this.#fire({ type: 'providers' });
  }

  defaultProvider(): string | undefined {
    return this.#options.store.read().defaultProvider;
  }

  /** The default model: the one chosen with the default provider, else that provider's own default. */
  defaultModel(): string | undefined {
    const state = this.#options.store.read();
    return state.defaultModel ?? (state.defaultProvider ? this.get(state.defaultProvider)?.defaultModel : undefined);
  }

  async #update(change: (state: RegistryState) => RegistryState): Promise<RegistryState> {
    const state = await this.#options.store.update(change);
    this.#fire({ type: 'providers' });
    return state;
  }

  #require(state: RegistryState, id: string): ProviderEntry {
    const entry = state.providers.find((candidate) => candidate.id === id);
    if (entry) return entry;
    const declared = this.get(id);
    if (declared)
      throw new Error(
        `${declared.name} is declared in ${declared.source === 'settings' ? 'your settings (switchboard.providers)' : 'the workspace file .vscode/switchboard.json'}; change it there.`,
      );
    throw new Error(`No provider "${id}".`);
  }

  async add(input: NewProvider): Promise<ProviderEntry> {
    const template = findTemplate(input.template);
    if (!template) throw new Error(`Unknown template "${input.template}".`);
    const baseUrl = input.baseUrl ?? template.baseUrl;
    if (!baseUrl) throw new Error(`${template.name} needs a base URL.`);
    checked(newProvider, { baseUrl, headers: input.headers });
    const now = this.#now();
    let added: ProviderEntry | undefined;
    await this.#update((state) => {
      const name = input.name ?? template.name;
      added = {
        id: idFor(
          name,
          new Set(
            [...state.providers, ...this.#declared.settings, ...this.#declared.workspace].map((entry) => entry.id),
          ),
        ),
        name,
        template: template.id,
        type: template.type,
        baseUrl,
        ...(input.apiVersion ? { apiVersion: input.apiVersion } : {}),
        ...(input.headers ? { headers: input.headers } : {}),
        ...(input.caBundlePath ? { caBundlePath: input.caBundlePath } : {}),
        enabled: true,
        models: [],
        createdAt: now,
        updatedAt: now,
      };
      state.providers.push(added);
      state.defaultProvider ??= added.id;
      return state;
    });
    await this.#options.audit.record('provider-added', added!.id, template.id);
    if (input.apiKey) await this.setKey(added!.id, input.apiKey);
    return added!;
  }

  async update(id: string, patch: ProviderPatch): Promise<ProviderEntry> {
    const { fields, values } = checkedPatch(patch);
    const state = await this.#update((current) => {
      const entry: Record<string, unknown> = this.#require(current, id);
      for (const field of fields) {
        if (values[field] === undefined) delete entry[field];
        else entry[field] = values[field];
      }
      entry.updatedAt = this.#now();
      return current;
    });
    this.#live.forget(id);
    await this.#options.audit.record('provider-updated', id, fields.join(', '));
    return this.#require(state, id);
  }

  async remove(id: string): Promise<void> {
    await this.#update((state) => {
      this.#require(state, id);
      state.providers = state.providers.filter((entry) => entry.id !== id);
      if (state.defaultProvider === id) {
        state.defaultProvider = state.providers[0]?.id;
        state.defaultModel = undefined;
      }
      return state;
    });
    this.#live.forget(id);
    await this.#models.forget(id);
    await this.#options.keys.clear(id);
    await this.#options.audit.record('provider-removed', id);
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    await this.#update((state) => {
      Object.assign(this.#require(state, id), { enabled, updatedAt: this.#now() });
      return state;
    });
    await this.#options.audit.record(enabled ? 'provider-enabled' : 'provider-disabled', id);
  }

  async setDefault(id: string, modelId?: string): Promise<void> {
    if (!this.get(id)) throw new Error(`No provider "${id}".`);
    checked(defaultChoice, { defaultModel: modelId });
    await this.#update((state) => {
      state.defaultProvider = id;
      state.defaultModel = modelId;
      // The user's own entries remember it as their default model too; declared ones are read-only.
      const entry = state.providers.find((candidate) => candidate.id === id);
      if (entry && modelId) entry.defaultModel = modelId;
      return state;
    });
    await this.#options.audit.record('default-changed', id, modelId);
  }

  /**
   * The default model is the user's: a provider's model becomes the global default only when that
   * provider is the first one (the default provider, set when it was added) and no model is the
   * default yet. Any later provider leaves it where it is; its caller asks the user. True when set.
   */
  async adoptDefault(id: string, modelId: string): Promise<boolean> {
    if (this.defaultProvider() !== id || this.defaultModel() !== undefined) return false;
    await this.setDefault(id, modelId);
    return true;
  }

  async setKey(id: string, key: string): Promise<void> {
    const entry = this.get(id);
    if (!entry) throw new Error(`No provider "${id}".`);
    await this.#options.keys.set(id, key, entry.baseUrl);
    this.#live.forget(id);
    await this.#options.audit.record('key-set', id);
  }

  /**
   * Sets a provider's secret headers: their names on the entry, their values in secret storage (bound
   * to its origin). A name given without a value keeps the value stored for it; a name left out is
   * removed with its value.
   */
  async setSecretHeaders(id: string, headers: Array<{ name: string; value?: string }>): Promise<void> {
    const entry = this.get(id);
    if (!entry) throw new Error(`No provider "${id}".`);
    const stored = await this.#options.keys.headers(id, entry.baseUrl);
    const kept = stored.status === 'ok' ? stored.values : {};
    const values: Record<string, string> = {};
    for (const { name, value } of headers) {
      const next = value?.trim() || kept[name];
      if (!next) throw new RegistryError([`secretHeaders.${name}: enter its value`]);
      values[name] = next;
    }
    await this.update(id, { secretHeaders: headers.length > 0 ? headers.map((header) => header.name) : undefined });
    await this.#options.keys.setHeaders(id, values, entry.baseUrl);
    this.#live.forget(id);
    await this.#options.audit.record('key-set', id, `secret headers: ${Object.keys(values).join(', ') || 'none'}`);
  }

  /** Each secret header's mask, for the panel (never a value). */
  secretHeaderMasks(id: string): Promise<Record<string, string>> {
    return this.#options.keys.headerMasks(id);
  }

  async clearKey(id: string): Promise<void> {
    await this.#options.keys.clear(id);
    this.#live.forget(id);
    await this.#options.audit.record('key-cleared', id);
  }

  /**
   * Reads an export file and imports it: nothing changes unless the whole file is valid, and
   * `replaceExisting` is asked only when some of its ids exist already. Linear in the number of
   * providers (up to MAX_IMPORT_PROVIDERS).
   */
  async importFile(
    text: string,
    options: { fileName?: string; replaceExisting: (conflicts: ProviderEntry[]) => Promise<boolean> },
  ): Promise<({ ok: true } & ImportCounts) | { ok: false; errors: string[]; limit?: FileLimit }> {
    const parsed = parseExport(text, options.fileName);
    if (!parsed.ok) return parsed;
    const { conflicts } = planImport(this.state(), parsed.value.providers);
    const replace = conflicts.length > 0 && (await options.replaceExisting(conflicts));
    return { ok: true, ...(await this.importEntries(parsed.value.providers, replace)) };
  }

  /** Adds imported entries; existing ids are replaced only when the user said so. Keys are never imported. */
  async importEntries(entries: ProviderEntry[], replaceExisting: boolean): Promise<ImportCounts> {
    let counts: ImportCounts = { added: 0, replaced: 0, skipped: 0 };
    await this.#update((state) => {
      const applied = applyImport(state, entries, replaceExisting, this.#now());
      for (const id of applied.replaced) this.#live.forget(id);
      counts = applied.counts;
      return state;
    });
    await this.#options.audit.record(
      'imported',
      undefined,
      `${counts.added} added, ${counts.replaced} replaced, ${counts.skipped} kept`,
    );
    return counts;
  }

  workspaceFallback(): readonly FallbackStep[] {
    return this.#workspaceFallback;
  }

  /** The team's policy a trusted workspace file declares (empty without one). */
  teamPolicy(): TeamPolicy {
    return this.#teamPolicy;
  }

  /** What a provider that is a team gateway (LiteLLM proxy, OpenRouter) can read about its key; undefined otherwise. */
  async gatewayFor(id: string): Promise<GatewayReader | undefined> {
    return (await this.#live.build(id)).gateway;
  }

  /** A request moved down the fallback chain: recorded with who failed and who answered. */
  noteFallback(fromProviderId: string, detail: string): Promise<void> {
    return this.#options.audit.record('fallback-triggered', fromProviderId, detail);
  }

  /** The fallback chain lives in settings; the audit log still records each change. */
  noteFallbackChange(detail: string): Promise<void> {
    return this.#options.audit.record('fallback-changed', undefined, detail);
  }

  /** The audit log, newest first. */
  auditEntries(): AuditEntry[] {
    return this.#options.audit.list();
  }

  /** Budgets live in settings; the audit log still records each change. */
  noteBudgetChange(detail: string): Promise<void> {
    return this.#options.audit.record('budget-changed', undefined, detail);
  }

  /** Providers added from another tool's file (each add is recorded too): which, from where; never a key. */
  noteImport(detail: string): Promise<void> {
    return this.#options.audit.record('imported', undefined, detail);
  }

  /** Set when the stored providers are open read-only (written by a newer Switchboard, say): edits are refused. */
  readOnly(): ReadOnlyReport | undefined {
    return this.#options.store.readOnly();
  }

  /** Copies of provider data kept aside (damaged, unreadable, or replaced by a restore), newest first. */
  keptCopies(): KeptCopy[] {
    return this.#options.store.keptCopies();
  }

  /** Puts a kept copy back in use; what was in use is kept as a copy first. */
  async restore(key: string): Promise<{ providers: number; problems: string[] }> {
    const { state, problems, copy } = await this.#options.store.restore(key);
    this.#live.forgetAll();
    this.#fire({ type: 'providers' });
    await this.#options.audit.record(
      'restored',
      undefined,
      `${state.providers.length} provider(s) from the copy kept ${new Date(copy.at).toISOString()}`,
    );
    return { providers: state.providers.length, problems };
  }

  /** The registry as stored (the user's own providers), for export. */
  state(): RegistryState {
    return this.#options.store.read();
  }

  /** Removes every key Switchboard stored, for every provider it knows (declared ones included). */
  async clearAllKeys(): Promise<void> {
    const ids = new Set([...this.list().map((entry) => entry.id), ...this.#options.keys.storedIds()]);
    for (const id of ids) await this.clearKey(id);
  }

  keyState(id: string): Promise<KeyState> {
    return this.#options.keys.state(id);
  }

  /**
   * Loads the adapters and prepares, in the background, what the first streamed answer of each kind
   * of provider registered needs (see adapters/rehearsal.ts): the host calls it after activation so
   * that the first request waits for none of it.
   */
  async prepareRequests(): Promise<void> {
    return this.#live.prepare(this.list().map((entry) => entry.type));
  }

  /** A Provider for an entry that reads its key when each request starts: a key change applies to the next request. */
  providerFor(id: string): Provider {
    return this.#live.providerFor(id);
  }

  /** The provider's cheapest free request (its ping where it has one, else its model list): for the background health checks. */
  async freeCall(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const provider = await this.#live.build(id);
    await (provider.ping ? provider.ping(options) : provider.listModels(options));
  }

  /**
   * What is known of one of a provider's models, with where each value came from (the user's
   * settings, `listed` from the provider's own list, the catalog, or the default for its kind of
   * provider): the one answer every surface uses for limits, capabilities and prices.
   */
  modelFacts(id: string, modelId: string, listed?: ModelInfo): Promise<ModelFacts> {
    return this.#models.facts(id, modelId, listed);
  }

  /** The provider's models, filled in from the catalog (each value says where it came from). */
  refreshModels(id: string, options?: { signal?: AbortSignal }): Promise<ModelInfo[]> {
    return this.#models.refresh(id, options);
  }

  /** The last model list read from a provider (at its current base URL), with when it was read. */
  modelList(id: string): ProviderListing | undefined {
    return this.#models.listing(id);
  }

  /** Before a provider's request is priced: its own list, where it has prices and none is kept (see FirstListings). */
  ensureModelList(id: string, modelId: string): Promise<void> {
    return this.#models.ensureListing(id, modelId);
  }

  /** Runs the connection test with the stored key and records the result on the entry. */
  testConnection(id: string, options?: TestConnectionOptions): Promise<ConnectionTestReport> {
    return this.#live.testConnection(id, options);
  }

  /** Records a connection test's result on an entry: its own test, or the one its draft passed just before it was saved. */
  async recordTest(id: string, report: ConnectionTestReport, at = this.#now()): Promise<void> {
    // Read-only data is never written over, not even with a test result.
    if (this.readOnly()) return;
    const summary = report.stages.find((stage) => stage.status === 'fail')?.message ?? 'All stages passed.';
    await this.#update((state) => {
      const entry = state.providers.find((candidate) => candidate.id === id);
      if (entry) entry.lastTest = { at, ok: report.ok, summary };
      return state;
    });
  }

  /**
   * Runs the connection test on a provider not saved yet (the panel's add wizard): nothing is stored, the
   * key included, until the user saves it with `add`.
   */
  testDraft(draft: NewProvider, options?: TestDraftOptions): Promise<ConnectionTestReport> {
    return this.#live.testDraft(draft, options);
  }

  /** `checkModel` for a provider not saved yet (the add wizard): nothing is stored. */
  checkDraftModel(draft: NewProvider, modelId: string, options?: { signal?: AbortSignal }): Promise<ModelCheck> {
    return this.#live.checkDraftModel(draft, modelId, options);
  }

  /**
   * Whether a provider serves a model: the connection test's one-token chat with that model (for an
   * id the user typed, where the provider lists none). Nothing is recorded on the entry: the check is
   * of the model, not of the provider.
   */
  checkModel(id: string, modelId: string, options?: CheckModelOptions): Promise<ModelCheck> {
    return this.#live.checkModel(id, modelId, options);
  }
}
