/**
 * The provider contract: what the rest of Switchboard (and outside tools) build on.
 * Documented in docs/core-api.md. Fields may be added; existing fields keep their meaning.
 */
import type { GatewayReader } from './adapters/gateway';
import type { ModelPrices } from './cost/pricing';

export type ProviderType = 'openai' | 'openai-compatible' | 'anthropic' | 'gemini' | 'azure-openai' | 'ollama';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export type ContentPart =
  | { type: 'text'; text: string }
  /** Base64 image data, e.g. `{ type: 'image', mimeType: 'image/png', data: 'iVBOR…' }`. */
  | { type: 'image'; mimeType: string; data: string };

/** A tool call as the assistant made it, echoed back in later turns. */
export interface ToolCall {
  id: string;
  name: string;
  /** Parsed JSON arguments. */
  arguments: unknown;
  /** Opaque data the provider needs echoed back with this call (e.g. Gemini's thought signature). */
  providerMetadata?: Record<string, unknown>;
}

/** In a call's providerMetadata: the id was made up by the caller (the provider sent none), so it is not sent back. */
export const LOCAL_CALL_ID = 'localCallId';

export interface ChatMessage {
  role: Role;
  content: string | ContentPart[];
  /** `assistant` only: the tool calls it made. */
  toolCalls?: ToolCall[];
  /** `tool` only: which call this message answers. */
  toolCallId?: string;
  /** `tool` only: the tool's name (Gemini and Ollama match results by name). */
  toolName?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: object;
}

export interface ProviderRequestOptions {
  /** OpenAI-style reasoning effort for reasoning models. */
  reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high';
  /** Anthropic / Gemini thinking budget in tokens (0 turns Gemini thinking off where allowed). */
  thinkingBudget?: number;
  /** Extra top-level request-body fields, merged last (they win over Switchboard's own). */
  extraBody?: Record<string, unknown>;
}

export interface ChatRequest {
  /** The model id; for Azure OpenAI, the deployment name. */
  model: string;
  messages: ChatMessage[];
  /** Default true. `false` uses the provider's non-streaming endpoint but yields the same events. */
  stream?: boolean;
  maxTokens?: number;
  temperature?: number;
  /** Nucleus sampling; and the OpenAI-style penalties (-2 to 2), where the provider takes them. */
  topP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  tools?: ToolDefinition[];
  /**
   * `required`: the answer must call one of `tools` (VS Code's LanguageModelChatToolMode.Required).
   * Ollama has no such switch, and Anthropic refuses it while extended thinking is on: both stay on auto.
   */
  toolChoice?: 'auto' | 'required';
  providerOptions?: ProviderRequestOptions;
}

export interface Usage {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  /** All generated tokens, reasoning included. */
  outputTokens: number;
  /** Of inputTokens, read from the provider's prompt cache. */
  cachedInputTokens?: number;
  /** Of inputTokens, written to the provider's prompt cache. */
  cacheWriteInputTokens?: number;
  /** Of outputTokens, spent on reasoning. */
  reasoningTokens?: number;
  /** Cost the provider itself reported (OpenRouter), in US dollars. */
  costUsd?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface RateLimitInfo {
  limitRequests?: number;
  remainingRequests?: number;
  limitTokens?: number;
  remainingTokens?: number;
  /** Milliseconds until the request window resets, where the provider says. */
  resetRequestsMs?: number;
  resetTokensMs?: number;
}

export interface ResponseMetadata {
  status: number;
  requestId?: string;
  /** The model the provider says answered (may be a dated snapshot of the one asked for). */
  model?: string;
  rateLimit?: RateLimitInfo;
}

export type ChatEvent =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool-call'; id?: string; name: string; arguments: unknown; providerMetadata?: Record<string, unknown> }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason }
  /** First event of every successful response: HTTP status, request id, rate-limit headroom. */
  | { type: 'response-metadata'; metadata: ResponseMetadata };

export type ValueSource = 'provider' | 'catalog' | 'user';

export interface ModelInfo {
  id: string;
  name?: string;
  /**
   * The context to fit prompts to. On a local server that has the model loaded, the context it runs
   * with (Ollama `/api/ps`, LM Studio's loaded context), which may be far less than the model could take.
   */
  contextWindow?: number;
  /** The most the model could take (its trained context), where the server runs it with less (`contextWindow`). */
  maxContextWindow?: number;
  maxOutputTokens?: number;
  capabilities?: { tools?: boolean; vision?: boolean; reasoning?: boolean };
  /** The provider's own prices (OpenRouter, a LiteLLM proxy), per million tokens. */
  prices?: ModelPrices;
  /** A local server says the model is in memory now (true) or not (false); absent where it does not say. */
  loaded?: boolean;
  /** Where each value came from: the provider's own model list, the built-in catalog, or the user. */
  sources?: Partial<Record<ModelInfoField, ValueSource>>;
}

/** The ModelInfo values that record a source. */
export type ModelInfoField = 'name' | 'contextWindow' | 'maxOutputTokens' | 'capabilities' | 'prices';

export interface Provider {
  readonly type: ProviderType;
  chat(request: ChatRequest, options?: { signal?: AbortSignal }): AsyncIterable<ChatEvent>;
  listModels(options?: { signal?: AbortSignal }): Promise<ModelInfo[]>;
  /**
   * A free request smaller than the model list that shows the provider answers and takes the key,
   * where there is one (OpenRouter's `GET /key`: a few hundred bytes where its list is about 1 MB).
   * The background health checks use it; rejects with a ProviderError.
   */
  ping?(options?: { signal?: AbortSignal }): Promise<void>;
  /** The provider's own count of a prompt's input tokens (a network call), where its API has one (Anthropic, Gemini). */
  countTokens?(request: ChatRequest, options?: { signal?: AbortSignal }): Promise<number>;
  /**
   * One model's details (a network call), where the provider's list leaves some models without them:
   * Ollama describes only the first models it lists (each costs a request) and the rest come back
   * bare, to be described here when one is shown or used. Rejects with a ProviderError
   * (model_not_found for a model the server does not have).
   */
  describeModel?(id: string, options?: { signal?: AbortSignal }): Promise<ModelInfo>;
  /** A team gateway (LiteLLM proxy, OpenRouter): what it says about the key's spend, limits and models. */
  readonly gateway?: GatewayReader;
}

/** Timers the core uses for timeouts; injectable so tests need not wait. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface Timeouts {
  /** From sending the request to the response headers. */
  firstByteMs?: number;
  /** Longest silence between two pieces of the response body. */
  idleMs?: number;
}
