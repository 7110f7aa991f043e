import * as z from '../zod';
import { ProviderError } from '../errors';
import { BatchedEvents } from '../events';
import {
  openRouterPrices,
  readLiteLlmInfo,
  readLmStudioModels,
  tokenLimit,
  valid,
  withListedFacts,
  type ListedFacts,
  type ModelListing,
} from './listings';
import { openAiChatStream, readCompletion } from './openaiChatStream';
import { answerBatches, textOf } from './shared';
import { argumentsText } from './toolArguments';
import { RequestScope, send, type TransportConfig } from '../http';
import { readJson } from '../httpBody';
import type { ChatEvent, ChatMessage, ChatRequest, ModelInfo, Provider, ProviderType } from '../types';

/** One Chat Completions endpoint: OpenAI, any OpenAI-compatible server, or (with its URL and header) Azure OpenAI. */
export interface OpenAiChatConfig {
  type: ProviderType;
  transport: TransportConfig;
  /** Full URL of the chat endpoint for a model (Azure puts the deployment in the path), and of the model list (undefined: none). */
  chatUrl: (model: string) => string;
  modelsUrl?: string;
  /** Auth and extra headers, resolved per request so a changed key applies at once. */
  headers: () => Record<string, string>;
  /** OpenAI's reasoning models reject `max_tokens`; most compatible servers only know it. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Azure deployments are addressed by URL; the body carries no model. */
  modelInBody: boolean;
  /**
   * What the server's lists say beyond the plain `/models`: OpenRouter's prices (in that list), a
   * LiteLLM proxy's `/model/info` or LM Studio's `/api/v0/models` (one more request each).
   */
  modelListing?: ModelListing;
}

/** OpenRouter's `GET /key`: `{ data: { label, limit, usage, … } }`; only its shape is checked. */
const openRouterKey = z.object({ data: z.object({}) });

// A model list entry: the id is all it must have; each other field is checked on its own (listings.ts).
const modelEntry = z.object({
  id: z.string(),
  name: z.optional(z.unknown()),
  display_name: z.optional(z.unknown()),
  // Context windows under each server's own name: OpenRouter/Together, Groq, Mistral, vLLM.
  context_length: z.optional(z.unknown()),
  context_window: z.optional(z.unknown()),
  max_context_length: z.optional(z.unknown()),
  max_model_len: z.optional(z.unknown()),
  // OpenRouter: the output limit of the provider it routes to first, and prices per token.
  top_provider: z.optional(z.unknown()),
  pricing: z.optional(z.unknown()),
});
const topProvider = z.object({ max_completion_tokens: tokenLimit });
// Together answers with a bare array; everyone else with `{ data: [...] }`.
const modelList = z.union([z.object({ data: z.array(z.unknown()) }), z.array(z.unknown())]);

function toOpenAiMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: textOf(message.content) };
    case 'assistant': {
      const text = textOf(message.content);
      if (!message.toolCalls?.length) return { role: 'assistant', content: text };
      return {
        role: 'assistant',
        content: text === '' ? null : text,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: argumentsText(call) },
        })),
      };
    }
    default:
      if (typeof message.content === 'string') return { role: message.role, content: message.content };
      return {
        role: message.role,
        content: message.content.map((part) =>
          part.type === 'text'
            ? { type: 'text', text: part.text }
            : { type: 'image_url', image_url: { url: `data:${part.mimeType};base64,${part.data}` } },
        ),
      };
  }
}

/**
 * OpenAI lists every model of the account in one /models answer; these cannot chat: embeddings,
 * speech (tts, whisper, transcribe), images (dall-e, gpt-image), video (sora), moderation, realtime,
 * and the legacy completions models (babbage, davinci, gpt-3.5-turbo-instruct).
 */
const OPENAI_NOT_CHAT =
  /embedding|(^|-)tts(-|$)|whisper|transcribe|^dall-e|^gpt-image|^sora|moderation|realtime|^babbage|^davinci|^gpt-3\.5-turbo-instruct/i;

/** Whether a model in OpenAI's own list can answer a chat. */
const openAiCanChat = (id: string): boolean => !OPENAI_NOT_CHAT.test(id);

export class OpenAiChatProvider implements Provider {
  readonly type: ProviderType;
  readonly #config: OpenAiChatConfig;
  /** Set once a server rejects `stream_options`; later requests leave it out. */
  #streamOptionsRejected = false;

  readonly ping?: (options?: { signal?: AbortSignal }) => Promise<void>;

  constructor(config: OpenAiChatConfig) {
    this.type = config.type;
    this.#config = config;
    // OpenRouter's key status (label, limit, usage; free) beside its models: the model list is about 1 MB.
    const keyUrl = config.modelListing === 'openrouter' ? config.modelsUrl?.replace(/\/models$/, '/key') : undefined;
    if (keyUrl)
      this.ping = async (options = {}) => {
        if (!openRouterKey.safeParse(await this.#getJson(keyUrl, options.signal)).success)
          throw new ProviderError(
            'server_error',
            `${config.transport.providerName} sent a key status Switchboard cannot read`,
          );
      };
  }

  #body(request: ChatRequest, stream: boolean): Record<string, unknown> {
    const options = request.providerOptions;
    const body: Record<string, unknown> = {};
    if (this.#config.modelInBody) body.model = request.model;
    body.messages = request.messages.map(toOpenAiMessage);
    body.stream = stream;
    // Without it most servers send no usage at all in a stream.
    if (stream && !this.#streamOptionsRejected) body.stream_options = { include_usage: true };
    if (request.maxTokens !== undefined) body[this.#config.maxTokensField] = request.maxTokens;
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
    if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
    if (request.tools?.length) {
      body.tools = request.tools.map((tool) => ({
        type: 'function',
        function: {
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          parameters: tool.parameters,
        },
      }));
      if (request.toolChoice === 'required') body.tool_choice = 'required';
    }
    if (options?.reasoningEffort) body.reasoning_effort = options.reasoningEffort;
    return { ...body, ...options?.extraBody };
  }

  async #open(request: ChatRequest, stream: boolean, scope: RequestScope): Promise<Response> {
    const post = () =>
      send(this.#config.transport, scope, {
        url: this.#config.chatUrl(request.model),
        headers: { accept: stream ? 'text/event-stream' : 'application/json', ...this.#config.headers() },
        body: this.#body(request, stream),
        streaming: stream,
      });
    try {
      return await post();
    } catch (error) {
      // Older vLLM, older Azure API versions and strict proxies refuse the field: ask once more without it.
      const rejectsStreamOptions =
        stream &&
        !this.#streamOptionsRejected &&
        error instanceof ProviderError &&
        error.kind === 'bad_request' &&
        /stream_options/i.test(`${error.providerMessage ?? ''} ${error.message}`);
      if (!rejectsStreamOptions) throw error;
      this.#streamOptionsRejected = true;
      return post();
    }
  }

  chat(request: ChatRequest, options: { signal?: AbortSignal } = {}): AsyncIterable<ChatEvent> {
    return new BatchedEvents(this.#batches(request, options.signal), this.#config.transport.redactor);
  }

  /** The answer as batches of events, one per network read. */
  #batches(request: ChatRequest, signal: AbortSignal | undefined): AsyncGenerator<ChatEvent[]> {
    const stream = request.stream ?? true;
    return answerBatches(this.#config.transport, signal, stream, (scope) => this.#open(request, stream, scope), {
      whole: (response, scope, _early, metadata) => readCompletion(this.#config.transport, response, scope, metadata),
      parser: () => openAiChatStream(this.#config.transport),
    });
  }

  async listModels(options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    if (!this.#config.modelsUrl) return [];
    const json = await this.#getJson(this.#config.modelsUrl, options.signal);
    const parsed = modelList.safeParse(json);
    if (!parsed.success)
      throw new ProviderError(
        'server_error',
        `${this.#config.transport.providerName} sent a model list Switchboard cannot read`,
      );
    const listing = this.#config.modelListing;
    const models = (Array.isArray(parsed.data) ? parsed.data : parsed.data.data).flatMap((raw) => {
      const entry = modelEntry.safeParse(raw);
      // OpenAI's own list holds models that cannot chat (embeddings, speech, images): not offered.
      if (entry.success && this.#config.type === 'openai' && !openAiCanChat(entry.data.id)) return [];
      return entry.success ? [listedModel(entry.data, listing)] : [];
    });
    const richer = await this.#richerList(options.signal);
    return richer ? models.map((model) => withListedFacts(model, richer.get(model.id) ?? {})) : models;
  }

  /** A LiteLLM proxy's or LM Studio's fuller list, by model id; undefined where there is none or it failed. */
  async #richerList(signal: AbortSignal | undefined): Promise<Map<string, ListedFacts> | undefined> {
    const listing = this.#config.modelListing;
    const base = this.#config.modelsUrl?.replace(/\/models$/, '');
    if (base === undefined || (listing !== 'litellm' && listing !== 'lmstudio')) return undefined;
    // LiteLLM serves /model/info under its root and under /v1; LM Studio's REST API sits beside /v1.
    const url = listing === 'litellm' ? `${base}/model/info` : `${base.replace(/\/v1$/, '')}/api/v0/models`;
    try {
      const json = await this.#getJson(url, signal);
      return listing === 'litellm' ? readLiteLlmInfo(json) : readLmStudioModels(json);
    } catch (error) {
      // The plain list stands without it (an older server, a key that may not read it); cancelling does not.
      if (error instanceof ProviderError && error.kind !== 'cancelled') return undefined;
      throw error;
    }
  }

  async #getJson(url: string, signal: AbortSignal | undefined): Promise<unknown> {
    const scope = new RequestScope(this.#config.transport, signal);
    try {
      const response = await send(this.#config.transport, scope, { url, headers: this.#config.headers() });
      return await readJson(this.#config.transport, response, scope);
    } finally {
      scope.close();
    }
  }
}

/** One entry of an OpenAI-style list, with the limits servers add and (OpenRouter) the prices. */
function listedModel(entry: z.infer<typeof modelEntry>, listing: ModelListing | undefined): ModelInfo {
  const name = [entry.name, entry.display_name].find((value) => typeof value === 'string' && value !== '');
  const contextWindow = [entry.context_length, entry.context_window, entry.max_context_length, entry.max_model_len]
    .map((value) => valid(tokenLimit, value))
    .find((value) => value !== undefined);
  return withListedFacts(
    { id: entry.id, sources: {} },
    {
      name: name as string | undefined,
      contextWindow,
      maxOutputTokens: valid(topProvider, entry.top_provider)?.max_completion_tokens,
      prices: listing === 'openrouter' ? openRouterPrices(entry.pricing) : undefined,
    },
  );
}
