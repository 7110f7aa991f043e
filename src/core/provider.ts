import { AnthropicProvider } from './adapters/anthropic';
import { gatewayReader } from './adapters/gateway';
import { AZURE_API_VERSION, parseAzureUrl } from './azureUrl';
import { GeminiProvider } from './adapters/gemini';
import { OllamaProvider } from './adapters/ollama';
import type { ModelListing } from './adapters/listings';
import { prepareStreaming } from './adapters/rehearsal';
import { OpenAiChatProvider } from './adapters/openaiChat';
import { OpenAiResponsesProvider } from './adapters/openaiResponses';
import { ProviderError } from './errors';
import { SwitchOnFirstFailure } from './events';
import { DEFAULT_TIMEOUTS, type TransportConfig } from './http';
import { Redactor } from './redact';
import {
  systemClock,
  type ChatEvent,
  type ChatRequest,
  type Clock,
  type ModelInfo,
  type Provider,
  type ProviderType,
  type Timeouts,
} from './types';

export interface CreateProviderOptions {
  type: ProviderType;
  baseUrl?: string;
  apiKey?: string;
  /** The host's fetch. In VS Code pass the extension host's global fetch (proxy, PAC and OS certificates apply). */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Headers whose values are secrets (from secret storage): sent like `headers`, and redacted everywhere. */
  secretHeaders?: Record<string, string>;
  timeouts?: Timeouts;
  apiVersion?: string;
  /** How messages name this provider ("DeepSeek rate limit reached"); defaults from the type. */
  name?: string;
  /** Timers for the first-byte and idle timeouts; tests inject a manual clock. */
  clock?: Clock;
  /** Passed to fetch as `dispatcher` (an undici Agent or compatible); wins over `ca`. */
  dispatcher?: unknown;
  /** PEM certificates a self-hosted endpoint is signed with, trusted in addition to the system's. */
  ca?: string;
  /**
   * type 'openai' only: which API to speak. 'auto' (default) uses Chat Completions and moves a model
   * to the Responses API when Chat Completions answers `unsupported_api_for_model`.
   */
  openaiApi?: 'auto' | 'chat' | 'responses';
  /**
   * type 'openai-compatible' only: what the server says about its models beyond `/models` (a template's
   * `modelListing`): `'openrouter'` reads the prices in OpenRouter's list; `'litellm'` and `'lmstudio'`
   * add one request to a LiteLLM proxy's `/model/info` or LM Studio's `/api/v0/models` (limits,
   * prices, the context a loaded model runs with). A failing extra request leaves the plain list.
   */
  modelListing?: ModelListing;
}

const DEFAULT_NAMES: Record<ProviderType, string> = {
  openai: 'OpenAI',
  'openai-compatible': 'The provider',
  anthropic: 'Anthropic',
  gemini: 'Google Gemini',
  'azure-openai': 'Azure OpenAI',
  ollama: 'Ollama',
};

const DEFAULT_BASE_URLS: Partial<Record<ProviderType, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
  // A local server; Ollama Cloud is https://ollama.com with a key.
  ollama: 'http://127.0.0.1:11434',
};

/** Ollama sends headers only once the model is loaded and the prompt read: a cold start takes minutes. */
const OLLAMA_FIRST_BYTE_MS = 300_000;

export { AZURE_API_VERSION } from './azureUrl';
export { prepareStreaming } from './adapters/rehearsal';

/** The Messages API version Switchboard speaks (the `anthropic-version` header). */
export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires max_tokens; sent when a request leaves it out. */
const ANTHROPIC_DEFAULT_MAX_TOKENS = 8192;

/**
 * An undici Agent that trusts the system's roots plus the given PEM bundle (Node's `ca` replaces
 * the roots, so they are passed along). npm undici (~530 KB, ~67 ms to import) loads only when a
 * provider with its own CA sends its first request.
 */
function caDispatcher(ca: string): () => Promise<unknown> {
  let agent: Promise<unknown> | undefined;
  return () => {
    agent ??= Promise.all([import('undici'), import('node:tls')]).then(([undici, { rootCertificates }]) => {
      // In the extension, undici is a CommonJS file of its own (dist/vendor): import() shows its names on `default` only.
      const { Agent } = (undici as unknown as { default?: typeof undici }).default ?? undici;
      // Switchboard's own first-byte and idle timers govern; undici's (300 s) would cut them short.
      return new Agent({ connect: { ca: [...rootCertificates, ca] }, headersTimeout: 0, bodyTimeout: 0 });
    });
    // A failed load is not remembered: the next request tries again.
    agent.catch(() => (agent = undefined));
    return agent;
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A ready Provider for one endpoint and key. */
export function createProvider(options: CreateProviderOptions): Provider {
  const providerName = options.name ?? DEFAULT_NAMES[options.type];
  const redactor = new Redactor();
  redactor.addSecret(options.apiKey);
  for (const value of Object.values(options.secretHeaders ?? {})) redactor.addSecret(value);
  const transport: TransportConfig = {
    providerName,
    fetch: options.fetch ?? globalThis.fetch,
    clock: options.clock ?? systemClock,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    dispatcher:
      options.dispatcher !== undefined
        ? () => Promise.resolve(options.dispatcher)
        : options.ca
          ? caDispatcher(options.ca)
          : undefined,
    redactor,
  };
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URLS[options.type];
  if (!baseUrl) throw new TypeError(`createProvider: baseUrl is required for type '${options.type}'`);
  const base = trimSlash(baseUrl);
  const extraHeaders = { ...options.headers, ...options.secretHeaders };
  // The first answer's one-time work (loading fetch, compiling the stream's schemas), ahead of it.
  prepareStreaming(options.type);

  const bearer = () => ({ ...extraHeaders, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) });
  switch (options.type) {
    case 'openai': {
      const chat = new OpenAiChatProvider({
        type: 'openai',
        transport,
        chatUrl: () => `${base}/chat/completions`,
        modelsUrl: `${base}/models`,
        headers: bearer,
        maxTokensField: 'max_completion_tokens',
        modelInBody: true,
      });
      const responses = new OpenAiResponsesProvider({ transport, url: `${base}/responses`, headers: bearer });
      if (options.openaiApi === 'chat') return chat;
      if (options.openaiApi === 'responses') return responses;
      return new OpenAiAutoApi(chat, responses);
    }
    case 'openai-compatible': {
      const provider = new OpenAiChatProvider({
        type: options.type,
        transport,
        chatUrl: () => `${base}/chat/completions`,
        modelsUrl: `${base}/models`,
        headers: bearer,
        maxTokensField: 'max_tokens',
        modelInBody: true,
        ...(options.modelListing ? { modelListing: options.modelListing } : {}),
      });
      // A team gateway also says what it knows about the key: its spend, limits and models.
      const kind = options.modelListing;
      if (kind !== 'litellm' && kind !== 'openrouter') return provider;
      return Object.assign(provider, { gateway: gatewayReader(kind, base, transport, bearer, options.apiKey) });
    }
    case 'azure-openai':
      return createAzureProvider(base, options, transport, extraHeaders);
    case 'gemini': {
      // A base URL pasted with its version (…/v1beta) names the version; paths add it again.
      const pasted = /\/(v1(?:alpha|beta)?)$/.exec(base);
      return new GeminiProvider({
        transport,
        baseUrl: pasted ? base.slice(0, pasted.index) : base,
        apiVersion: options.apiVersion ?? pasted?.[1] ?? 'v1beta',
        // The key goes in a header, never in the URL where logs and proxies would see it.
        headers: () => ({ ...extraHeaders, ...(options.apiKey ? { 'x-goog-api-key': options.apiKey } : {}) }),
      });
    }
    case 'ollama':
      return new OllamaProvider({
        transport: {
          ...transport,
          timeouts: { ...DEFAULT_TIMEOUTS, firstByteMs: OLLAMA_FIRST_BYTE_MS, ...options.timeouts },
        },
        baseUrl: base,
        headers: bearer,
      });
    case 'anthropic':
      return new AnthropicProvider({
        transport,
        // Paths are /v1/...; a base URL pasted with /v1 must not double it.
        baseUrl: base.replace(/\/v1$/, ''),
        headers: () => ({
          ...extraHeaders,
          'anthropic-version': options.apiVersion ?? ANTHROPIC_VERSION,
          ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
        }),
        defaultMaxTokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      });
    default:
      throw new TypeError(`createProvider: unknown type '${String(options.type)}'`);
  }
}

/**
 * Azure OpenAI in both URL forms: `{resource}/openai/v1` (model = deployment name in the body) and
 * the deployment form `{resource}/openai/deployments/{deployment}/chat/completions?api-version=…`
 * (model = deployment name in the path). Keys go in the `api-key` header.
 */
function createAzureProvider(
  base: string,
  options: CreateProviderOptions,
  transport: TransportConfig,
  extraHeaders: Record<string, string>,
): Provider {
  const headers = () => ({ ...extraHeaders, ...(options.apiKey ? { 'api-key': options.apiKey } : {}) });
  const address = parseAzureUrl(base);
  if (!address) throw new TypeError(`createProvider: "${base}" is not a URL`);
  if (address.form === 'v1') {
    const v1 = `${address.resource}/openai/v1`;
    return new OpenAiChatProvider({
      type: 'azure-openai',
      transport,
      chatUrl: () => `${v1}/chat/completions`,
      modelsUrl: `${v1}/models`,
      headers,
      maxTokensField: 'max_completion_tokens',
      modelInBody: true,
    });
  }
  // A pasted deployment URL still names the resource (and its api-version); the deployment comes from each request.
  const version = encodeURIComponent(options.apiVersion ?? address.apiVersion ?? AZURE_API_VERSION);
  return new OpenAiChatProvider({
    type: 'azure-openai',
    transport,
    chatUrl: (deployment) =>
      `${address.resource}/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${version}`,
    // The data plane has no deployment list; users name their deployments.
    modelsUrl: undefined,
    headers,
    maxTokensField: 'max_completion_tokens',
    modelInBody: false,
  });
}

/**
 * OpenAI with both APIs: Chat Completions first; a model it refuses with `unsupported_api_for_model`
 * (models served only by the Responses API) is asked again there, and remembered.
 */
class OpenAiAutoApi implements Provider {
  readonly type = 'openai' as const;
  readonly #responsesOnly = new Set<string>();

  constructor(
    private readonly chatApi: Provider,
    private readonly responsesApi: Provider,
  ) {}

  chat(request: ChatRequest, options: { signal?: AbortSignal } = {}): AsyncIterable<ChatEvent> {
    if (this.#responsesOnly.has(request.model)) return this.responsesApi.chat(request, options);
    const first = this.chatApi.chat(request, options)[Symbol.asyncIterator]();
    return new SwitchOnFirstFailure(first, (error) => {
      if (!(error instanceof ProviderError) || error.code !== 'unsupported_api_for_model') return undefined;
      this.#responsesOnly.add(request.model);
      return this.responsesApi.chat(request, options)[Symbol.asyncIterator]();
    });
  }

  listModels(options?: { signal?: AbortSignal }): Promise<ModelInfo[]> {
    return this.chatApi.listModels(options);
  }
}
