import type { ConnectionTestReport, ModelCheck, StageResult } from '../connectionTest';
import { ProviderError } from '../errors';
import { DeferredEvents } from '../events';
import type { ChatEvent, ChatRequest, Provider, ProviderType } from '../types';
import { adapterOptions, keyFor, secretHeadersFor, withOverrides, type AdapterHost } from './connection';
import { draftEntry, type NewProvider } from './input';
import type { KeyStore } from './keys';
import type { ProviderEntry } from './schema';

// The adapters and the connection test are most of the core's code and no start-up path needs them:
// they load with a provider's first request or test, or ahead of it with `prepare`.
const adapters = () => import('../provider');
const connectionTests = () => import('../connectionTest');

export interface TestConnectionOptions {
  model?: string;
  signal?: AbortSignal;
  onStage?: (stage: StageResult) => void;
  wrapChat?: (provider: Provider) => Provider;
}

export type TestDraftOptions = Omit<TestConnectionOptions, 'wrapChat'>;

export type CheckModelOptions = Pick<TestConnectionOptions, 'signal' | 'wrapChat'>;

/**
 * The registry's entries as providers that answer: adapters built with the key and secret headers
 * read when a request starts (kept until the entry, the key or a header changes), and the connection
 * test on a saved entry or on a draft. What is configured, and where a result is recorded, is the
 * registry's.
 */
export class LiveProviders {
  readonly #built = new Map<string, { fingerprint: string; provider: Provider }>();

  constructor(
    private readonly host: AdapterHost,
    private readonly keys: KeyStore,
    /** The entry with this id, wherever it is declared. */
    private readonly find: (id: string) => ProviderEntry | undefined,
    /** Records a test's result on a saved entry (the registry's recordTest). */
    private readonly recordTest: (id: string, report: ConnectionTestReport) => Promise<void>,
  ) {}

  /** The entry or its key changed: its adapter is built again on its next use. */
  forget(id: string): void {
    this.#built.delete(id);
  }

  forgetAll(): void {
    this.#built.clear();
  }

  /** Loads the adapters and prepares what the first streamed answer of each of these kinds of provider needs. */
  async prepare(types: Iterable<ProviderType>): Promise<void> {
    const { prepareStreaming } = await adapters();
    for (const type of new Set(types)) prepareStreaming(type);
  }

  /** The adapter for an entry and its current key; rebuilt whenever either changes. */
  async build(id: string): Promise<Provider> {
    const entry = this.find(id);
    if (!entry) throw new ProviderError('bad_request', `No provider "${id}".`);
    const key = await keyFor(this.keys, entry);
    const headers = await secretHeadersFor(this.keys, entry);
    const fingerprint = `${entry.updatedAt}\u0000${key ?? ''}\u0000${JSON.stringify(headers)}`;
    const cached = this.#built.get(id);
    if (cached?.fingerprint === fingerprint) return cached.provider;
    const provider = (await adapters()).createProvider(await adapterOptions(this.host, entry, key, headers));
    this.#built.set(id, { fingerprint, provider });
    return provider;
  }

  providerFor(id: string): Provider {
    const type = this.find(id)?.type;
    if (!type) throw new Error(`No provider "${id}".`);
    return {
      type,
      chat: (request: ChatRequest, options?: { signal?: AbortSignal }): AsyncIterable<ChatEvent> =>
        new DeferredEvents(async () => (await this.build(id)).chat(withOverrides(this.find(id), request), options)),
      listModels: async (options) => (await this.build(id)).listModels(options),
    };
  }

  /** The entry's key and secret headers, or the failed auth stage a test reports when they cannot be read. */
  async #credentials(
    entry: ProviderEntry,
  ): Promise<{ key: string | undefined; headers: Record<string, string> } | { failed: StageResult }> {
    try {
      return { key: await keyFor(this.keys, entry), headers: await secretHeadersFor(this.keys, entry) };
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      return { failed: { stage: 'auth', status: 'fail', message: error.message, code: error.code } };
    }
  }

  async testConnection(id: string, options: TestConnectionOptions = {}): Promise<ConnectionTestReport> {
    const entry = this.find(id);
    if (!entry) throw new Error(`No provider "${id}".`);
    const credentials = await this.#credentials(entry);
    if ('failed' in credentials) {
      options.onStage?.(credentials.failed);
      const report: ConnectionTestReport = { ok: false, stages: [credentials.failed] };
      await this.recordTest(id, report);
      return report;
    }
    const report = await (
      await connectionTests()
    ).runConnectionTest({
      ...(await adapterOptions(this.host, entry, credentials.key, credentials.headers)),
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

  /** The connection test on a provider not saved yet: nothing is stored, the key included. */
  async testDraft(draft: NewProvider, options: TestDraftOptions = {}): Promise<ConnectionTestReport> {
    const entry = draftEntry(draft);
    return (await connectionTests()).runConnectionTest({
      ...(await adapterOptions(this.host, entry, draft.apiKey?.trim() || undefined)),
      model: options.model,
      signal: options.signal,
      onStage: options.onStage,
    });
  }

  async checkDraftModel(
    draft: NewProvider,
    modelId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ModelCheck> {
    const report = await this.testDraft(draft, { model: modelId, signal: options.signal });
    return (await connectionTests()).modelCheck(report);
  }

  /** The connection test's one-token chat with a model; nothing is recorded on the entry. */
  async checkModel(id: string, modelId: string, options: CheckModelOptions = {}): Promise<ModelCheck> {
    const entry = this.find(id);
    if (!entry) throw new Error(`No provider "${id}".`);
    const credentials = await this.#credentials(entry);
    if ('failed' in credentials) return { ok: false, stage: credentials.failed };
    const { modelCheck, runConnectionTest } = await connectionTests();
    return modelCheck(
      await runConnectionTest({
        ...(await adapterOptions(this.host, entry, credentials.key, credentials.headers)),
        model: modelId,
        signal: options.signal,
        wrapChat: asRequested(entry, options.wrapChat),
      }),
    );
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
