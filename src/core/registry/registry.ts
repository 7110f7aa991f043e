import { withCatalog } from '../catalog';
import type { ConnectionTestReport, ModelCheck, StageResult } from '../connectionTest';
import { ProviderError } from '../errors';
import { DeferredEvents } from '../events';
import { modelFacts, type ModelFacts } from '../modelFacts';
import { findTemplate } from '../templates';
import type { ChatEvent, ChatRequest, ModelInfo, Provider } from '../types';
import type { AuditEntry, AuditLog } from './audit';
import { adapterOptions, keyFor, secretHeadersFor, withOverrides, type AdapterHost } from './connection';
import {
  checked,
  checkedPatch,
  defaultChoice,
  draftEntry,
  idFor,
  newProvider,
  type NewProvider,
  type ProviderPatch,
} from './input';
import type { KeyState, KeyStore } from './keys';
import { FirstListings } from './firstListings';
import { ModelListStore, type ProviderListing } from './modelLists';
import { mergeLayers, parseExport, planImport, type FileLimit, type SourcedEntry } from './portable';
import { isValidModelId, type ProviderEntry, type RegistryState } from './schema';
import type { GatewayReader } from '../adapters/gateway';
import { RegistryError, type KeptCopy, type ReadOnlyReport, type RegistryStore } from './store';
import type { TeamPolicy } from './teamPolicy';
import { inferTemplate, isLocalProvider } from './templateOf';

// The adapters and the connection test are most of the core's code and no start-up path needs them:
// they load with a provider's first request or test, or ahead of it with `prepareRequests`.
const adapters = () => import('../provider');
const connectionTests = () => import('../connectionTest');

/** One (provider, model) of a fallback chain as configured. */
export interface FallbackStep {
  provider: string;
  model: string;
}

export interface ImportCounts {
  added: number;
  replaced: number;
  skipped: number;
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
  readonly #built = new Map<string, { fingerprint: string; provider: Provider }>();
  /** Providers declared in settings and in the workspace file: listed and usable, never edited here. */
  #declared: { settings: ProviderEntry[]; workspace: ProviderEntry[] } = { settings: [], workspace: [] };
  /** The fallback chain a team committed in its workspace file (used when the user set none). */
  #workspaceFallback: FallbackStep[] = [];
  /** The team's policy from the workspace file (allowed models, budgets, data policy), by provider id. */
  #teamPolicy: TeamPolicy = {};
  readonly #lists: ModelListStore;
  readonly #listListeners = new Set<(event: ModelListEvent) => void>();
  readonly #firstListings: FirstListings;

  constructor(options: RegistryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#lists = options.modelLists ?? new ModelListStore();
    this.#firstListings = new FirstListings(
      this.#now,
      (id) => this.refreshModels(id),
      (entry) => this.#lists.get(entry.id, entry.baseUrl)?.at,
    );
    options.keys.onDidChange((providerId) => {
      this.#built.delete(providerId);
      this.#fire({ type: 'key', providerId });
    });
  }

  onDidChange(listener: (change: RegistryChange) => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  /** Fires after each model list read (the models table, a picker, a request's first use). */
  onDidListModels(listener: (event: ModelListEvent) => void): { dispose(): void } {
    this.#listListeners.add(listener);
    return { dispose: () => this.#listListeners.delete(listener) };
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
    this.#built.clear();
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
    this.#built.delete(id);
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
    this.#built.delete(id);
    this.#firstListings.forget(id);
    await this.#lists.delete(id).catch(() => undefined);
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
    this.#built.delete(id);
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
    this.#built.delete(id);
    await this.#options.audit.record('key-set', id, `secret headers: ${Object.keys(values).join(', ') || 'none'}`);
  }

  /** Each secret header's mask, for the panel (never a value). */
  secretHeaderMasks(id: string): Promise<Record<string, string>> {
    return this.#options.keys.headerMasks(id);
  }

  async clearKey(id: string): Promise<void> {
    await this.#options.keys.clear(id);
    this.#built.delete(id);
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
    const counts = { added: 0, replaced: 0, skipped: 0 };
    await this.#update((state) => {
      // One lookup per entry: a search of the list for each made 40,000 providers take seconds.
      const at = new Map(state.providers.map((entry, index) => [entry.id, index]));
      const now = this.#now();
      for (const entry of entries) {
        // One without a template is taken for the one its type and address name, as a declared one is.
        const inferred = entry.template ? undefined : inferTemplate(entry.type, entry.baseUrl);
        const incoming = inferred ? { ...entry, template: inferred.id } : entry;
        const index = at.get(incoming.id);
        if (index === undefined) {
          at.set(incoming.id, state.providers.push({ ...incoming, updatedAt: now }) - 1);
          counts.added++;
        } else if (replaceExisting) {
          state.providers[index] = { ...incoming, updatedAt: now };
          this.#built.delete(incoming.id);
          counts.replaced++;
        } else counts.skipped++;
      }
      state.defaultProvider ??= state.providers[0]?.id;
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
    return (await this.#build(id)).gateway;
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
    this.#built.clear();
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
    const { prepareStreaming } = await adapters();
    for (const type of new Set(this.list().map((entry) => entry.type))) prepareStreaming(type);
  }

  /** The adapter for an entry and its current key; rebuilt whenever either changes. */
  async #build(id: string): Promise<Provider> {
    const entry = this.get(id);
    if (!entry) throw new ProviderError('bad_request', `No provider "${id}".`);
    const key = await keyFor(this.#options.keys, entry);
    const headers = await secretHeadersFor(this.#options.keys, entry);
    const fingerprint = `${entry.updatedAt}\u0000${key ?? ''}\u0000${JSON.stringify(headers)}`;
    const cached = this.#built.get(id);
    if (cached?.fingerprint === fingerprint) return cached.provider;
    const provider = (await adapters()).createProvider(await adapterOptions(this.#options, entry, key, headers));
    this.#built.set(id, { fingerprint, provider });
    return provider;
  }

  /** A Provider for an entry that reads its key when each request starts: a key change applies to the next request. */
  providerFor(id: string): Provider {
    const type = this.get(id)?.type;
    if (!type) throw new Error(`No provider "${id}".`);
    return {
      type,
      chat: (request: ChatRequest, options?: { signal?: AbortSignal }): AsyncIterable<ChatEvent> =>
        new DeferredEvents(async () => (await this.#build(id)).chat(withOverrides(this.get(id), request), options)),
      listModels: async (options) => (await this.#build(id)).listModels(options),
    };
  }

  /** The provider's cheapest free request (its ping where it has one, else its model list): for the background health checks. */
  async freeCall(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const provider = await this.#build(id);
    await (provider.ping ? provider.ping(options) : provider.listModels(options));
  }

  /**
   * What is known of one of a provider's models, with where each value came from (the user's
   * settings, `listed` from the provider's own list, the catalog, or the default for its kind of
   * provider): the one answer every surface uses for limits, capabilities and prices.
   */
  async modelFacts(id: string, modelId: string, listed?: ModelInfo): Promise<ModelFacts> {
    const entry = this.get(id);
    listed ??= entry ? this.#lists.get(id, entry.baseUrl)?.models.get(modelId) : undefined;
    const chosen = entry?.models.find((model) => model.id === modelId);
    const template = findTemplate(entry?.template ?? '');
    return modelFacts({
      type: entry?.type ?? 'openai-compatible',
      template: { catalogIds: template?.catalogIds ?? [], local: entry ? isLocalProvider(entry) : false },
      modelId,
      ...(chosen
        ? {
            user: {
              ...(chosen.name ? { name: chosen.name } : {}),
              ...(chosen.baseModel ? { baseModel: chosen.baseModel } : {}),
              contextWindow: chosen.contextWindow,
              maxOutputTokens: chosen.maxOutputTokens,
              prices: chosen.prices,
            },
          }
        : {}),
      ...(listed ? { listed } : {}),
    });
  }

  /** The provider's models, filled in from the catalog (each value says where it came from). */
  async refreshModels(id: string, options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    const entry = this.get(id);
    if (!entry) throw new Error(`No provider "${id}".`);
    const provider = await this.#build(id);
    // An id that could not be chosen (a control character, say) is not offered.
    const listed = (await provider.listModels(options)).filter((model) => isValidModelId(model.id));
    // A long list comes back partly bare (Ollama describes only its first models): the models in use
    // (chosen, or the default) are described now, one request each; the rest only when chosen.
    const inUse = new Set([...entry.models.map((model) => model.id), entry.defaultModel]);
    const describe = provider.describeModel?.bind(provider);
    const models = describe
      ? await Promise.all(
          listed.map((model) =>
            model.contextWindow === undefined && inUse.has(model.id)
              ? describe(model.id, options).catch(() => model)
              : Promise.resolve(model),
          ),
        )
      : listed;
    const at = this.#now();
    // Kept for the next request and the next session; a store that cannot be written leaves it in memory.
    const changed = await this.#lists.set(id, entry.baseUrl, models, at).catch(() => true);
    this.#firstListings.listed(id);
    const filled = await withCatalog(models, findTemplate(entry.template ?? '')?.catalogIds ?? []);
    for (const listener of [...this.#listListeners]) listener({ providerId: id, models: filled, at, changed });
    return filled;
  }

  /** The last model list read from a provider (at its current base URL), with when it was read. */
  modelList(id: string): ProviderListing | undefined {
    const entry = this.get(id);
    return entry ? this.#lists.get(id, entry.baseUrl) : undefined;
  }

  /** Before a provider's request is priced: its own list, where it has prices and none is kept (see FirstListings). */
  async ensureModelList(id: string, modelId: string): Promise<void> {
    const entry = this.get(id);
    if (entry) await this.#firstListings.ensure(entry, modelId);
  }

  /** Runs the connection test with the stored key and records the result on the entry. */
  async testConnection(
    id: string,
    options: {
      model?: string;
      signal?: AbortSignal;
      onStage?: (stage: StageResult) => void;
      wrapChat?: (provider: Provider) => Provider;
    } = {},
  ): Promise<ConnectionTestReport> {
    const entry = this.get(id);
    if (!entry) throw new Error(`No provider "${id}".`);
    let key: string | undefined;
    let headers: Record<string, string>;
    try {
      key = await keyFor(this.#options.keys, entry);
      headers = await secretHeadersFor(this.#options.keys, entry);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      const stage: StageResult = { stage: 'auth', status: 'fail', message: error.message, code: error.code };
      options.onStage?.(stage);
      await this.#recordTest(id, false, error.message);
      return { ok: false, stages: [stage] };
    }
    const report = await (
      await connectionTests()
    ).runConnectionTest({
      ...(await adapterOptions(this.#options, entry, key, headers)),
      model: options.model ?? entry.defaultModel,
      signal: options.signal,
      onStage: options.onStage,
      wrapChat: asRequested(entry, options.wrapChat),
    });
    // A test stopped half-way says nothing about the provider: the last real result stays.
    if (options.signal?.aborted) return report;
    await this.recordTest(id, report);
    return report;
  }

  /** Records a connection test's result on an entry: its own test, or the one its draft passed just before it was saved. */
  async recordTest(id: string, report: ConnectionTestReport, at?: number): Promise<void> {
    const failed = report.stages.find((stage) => stage.status === 'fail');
    await this.#recordTest(id, report.ok, failed?.message ?? 'All stages passed.', at);
  }

  /**
   * Runs the connection test on a provider not saved yet (the panel's add wizard): nothing is stored, the
   * key included, until the user saves it with `add`.
   */
  async testDraft(
    draft: NewProvider,
    options: { model?: string; signal?: AbortSignal; onStage?: (stage: StageResult) => void } = {},
  ): Promise<ConnectionTestReport> {
    const entry = draftEntry(draft);
    return (await connectionTests()).runConnectionTest({
      ...(await adapterOptions(this.#options, entry, draft.apiKey?.trim() || undefined)),
      model: options.model,
      signal: options.signal,
      onStage: options.onStage,
    });
  }

  /** `checkModel` for a provider not saved yet (the add wizard): nothing is stored. */
  async checkDraftModel(
    draft: NewProvider,
    modelId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ModelCheck> {
    const report = await this.testDraft(draft, { model: modelId, signal: options.signal });
    return (await connectionTests()).modelCheck(report);
  }

  /**
   * Whether a provider serves a model: the connection test's one-token chat with that model (for an
   * id the user typed, where the provider lists none). Nothing is recorded on the entry: the check is
   * of the model, not of the provider.
   */
  async checkModel(
    id: string,
    modelId: string,
    options: { signal?: AbortSignal; wrapChat?: (provider: Provider) => Provider } = {},
  ): Promise<ModelCheck> {
    const entry = this.get(id);
    if (!entry) throw new Error(`No provider "${id}".`);
    let key: string | undefined;
    let headers: Record<string, string>;
    try {
      key = await keyFor(this.#options.keys, entry);
      headers = await secretHeadersFor(this.#options.keys, entry);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      return { ok: false, stage: { stage: 'auth', status: 'fail', message: error.message, code: error.code } };
    }
    const { modelCheck, runConnectionTest } = await connectionTests();
    return modelCheck(
      await runConnectionTest({
        ...(await adapterOptions(this.#options, entry, key, headers)),
        model: modelId,
        signal: options.signal,
        wrapChat: asRequested(entry, options.wrapChat),
      }),
    );
  }

  async #recordTest(id: string, ok: boolean, summary: string, at = this.#now()): Promise<void> {
    // Read-only data is never written over, not even with a test result.
    if (this.readOnly()) return;
    await this.#update((state) => {
      const entry = state.providers.find((candidate) => candidate.id === id);
      if (entry) entry.lastTest = { at, ok, summary };
      return state;
    });
  }
}

/**
 * The connection test's chat as a real request goes: with the provider's sampling and the model's
 * settings filled in, under the host's wrapper (the meter) as ever.
 */
function asRequested(
  entry: ProviderEntry,
  wrap: ((provider: Provider) => Provider) | undefined,
): (provider: Provider) => Provider {
  return (provider) => {
    const filled: Provider = {
      type: provider.type,
      chat: (request, options) => provider.chat(withOverrides(entry, request), options),
      listModels: (options) => provider.listModels(options),
    };
    return wrap ? wrap(filled) : filled;
  };
}
