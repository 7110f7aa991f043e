import type { EventSourceMessage } from 'eventsource-parser';
import * as z from '../zod';
import { classifyStreamError } from '../errorClassification';
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
import { FastDeltas, type DeltaShape } from './fastDelta';
import { answerBatches, pushDelta, safeJson, textOf, unexpected, type StreamParser } from './shared';
import { parseJsonEvent } from './streamJson';
import { argumentsText, producedArguments } from './toolArguments';
import { optionalCount, reportedCost, tokenCount, usageEvents, wireUsage } from './usage';
import { RequestScope, send, type TransportConfig } from '../http';
import { readJson } from '../httpBody';
import type {
  ChatEvent,
  ChatMessage,
  ChatRequest,
  FinishReason,
  ModelInfo,
  Provider,
  ProviderType,
  ResponseMetadata,
  Usage,
} from '../types';

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

// Provider payloads: only what Switchboard reads is described. z.object tolerates other fields and
// drops them (looseObject would copy each one: a fifth of the parse time on a real chunk).
const toolCallDelta = z.object({
  index: z.nullish(z.number()),
  id: z.nullish(z.string()),
  function: z.nullish(z.object({ name: z.nullish(z.string()), arguments: z.nullish(z.string()) })),
});
// Read apart from the chunk it came in (see usage.ts): a bad count must not fail the answer.
const usageSchema = z.object({
  // Both totals are required (as in OpenAI's own schema): without them there is nothing to price.
  prompt_tokens: tokenCount,
  completion_tokens: tokenCount,
  total_tokens: optionalCount,
  prompt_tokens_details: z.nullish(z.object({ cached_tokens: optionalCount, cache_write_tokens: optionalCount })),
  completion_tokens_details: z.nullish(z.object({ reasoning_tokens: optionalCount })),
  // DeepSeek's own names for the cached part of the prompt.
  prompt_cache_hit_tokens: optionalCount,
  // OpenRouter reports the cost it charged; an unusable cost is dropped, the counts kept.
  cost: z.optional(z.unknown()),
});
const reasoningFields = {
  // DeepSeek and vLLM say reasoning_content; OpenRouter and Groq say reasoning.
  reasoning_content: z.nullish(z.string()),
  reasoning: z.nullish(z.string()),
};
const chunkSchema = z.object({
  object: z.nullish(z.string()),
  model: z.nullish(z.string()),
  choices: z.nullish(
    z.array(
      z.object({
        delta: z.nullish(
          z.object({
            content: z.nullish(z.string()),
            ...reasoningFields,
            tool_calls: z.nullish(z.array(toolCallDelta)),
          }),
        ),
        finish_reason: z.nullish(z.string()),
      }),
    ),
  ),
  usage: z.optional(z.unknown()),
  // Groq puts streaming usage here, on the finish chunk.
  x_groq: z.nullish(z.object({ usage: z.optional(z.unknown()) })),
  error: z.optional(z.unknown()),
});
const completionSchema = z.object({
  model: z.nullish(z.string()),
  choices: z.array(
    z.object({
      message: z.object({
        content: z.nullish(z.string()),
        ...reasoningFields,
        tool_calls: z.nullish(
          z.array(
            z.object({
              id: z.nullish(z.string()),
              function: z.object({ name: z.string(), arguments: z.nullish(z.string()) }),
            }),
          ),
        ),
      }),
      finish_reason: z.nullish(z.string()),
    }),
  ),
  usage: z.optional(z.unknown()),
});
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

/** Usage in the contract's terms (input includes cached tokens, output includes reasoning); undefined if unusable. */
function normalizeOpenAiUsage(wire: unknown): Usage | undefined {
  const raw = wireUsage(usageSchema, wire);
  if (!raw) return undefined;
  const input = raw.prompt_tokens;
  const completion = raw.completion_tokens;
  const reasoning = raw.completion_tokens_details?.reasoning_tokens ?? undefined;
  // xAI leaves reasoning out of completion_tokens but counts it in total_tokens; OpenAI and
  // DeepSeek include it. total − prompt is right under both.
  const output =
    raw.total_tokens != null && raw.total_tokens > input + completion ? raw.total_tokens - input : completion;
  const usage: Usage = { inputTokens: input, outputTokens: output };
  // DeepSeek reports both names and may leave cached_tokens at 0 while its own count is right.
  const cached = Math.max(raw.prompt_tokens_details?.cached_tokens ?? 0, raw.prompt_cache_hit_tokens ?? 0);
  if (cached > 0) usage.cachedInputTokens = cached;
  const cacheWrite = raw.prompt_tokens_details?.cache_write_tokens;
  if (cacheWrite != null && cacheWrite > 0) usage.cacheWriteInputTokens = cacheWrite;
  if (reasoning != null && reasoning > 0) usage.reasoningTokens = reasoning;
  const cost = reportedCost(raw.cost);
  if (cost !== undefined) usage.costUsd = cost;
  return usage;
}

function mapFinish(reason: string | null | undefined): FinishReason | undefined {
  switch (reason) {
    case 'stop':
    case 'end_turn':
    case 'eos':
      return 'stop';
    case 'length':
    case 'max_tokens':
    case 'model_length': // Mistral: the model's context is full
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return undefined;
  }
}

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

interface PendingToolCall {
  index?: number;
  id?: string;
  name: string;
  arguments: string;
}

/**
 * Joins tool-call fragments. A fragment continues the call at its index, unless it names a new
 * function under a new id: Ollama-style servers reuse index 0 for every call of a parallel batch.
 */
function addToolCallDelta(calls: PendingToolCall[], delta: z.infer<typeof toolCallDelta>): void {
  const index = delta.index ?? undefined;
  let target = [...calls].reverse().find((call) => index === undefined || call.index === index);
  const startsAnother =
    delta.id != null && target?.id !== undefined && delta.id !== target.id && delta.function?.name != null;
  if (!target || startsAnother) {
    target = { index, name: '', arguments: '' };
    calls.push(target);
  }
  if (delta.id) target.id ??= delta.id;
  if (delta.function?.name) target.name = target.name || delta.function.name;
  if (delta.function?.arguments) target.arguments += delta.function.arguments;
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
      whole: (response, scope, _early, metadata) => this.#readCompletion(response, scope, metadata),
      parser: () => new StreamState(this.#config.transport),
    });
  }

  async #readCompletion(response: Response, scope: RequestScope, metadata: ResponseMetadata): Promise<ChatEvent[]> {
    const json = await readJson(this.#config.transport, response, scope);
    const parsed = completionSchema.safeParse(json);
    if (!parsed.success) throw unexpected(this.#config.transport, parsed.error);
    // Azure names the model a deployment runs here (e.g. gpt-4o-2024-11-20).
    if (parsed.data.model) metadata.model = parsed.data.model;
    const choice = parsed.data.choices[0];
    const message = choice?.message;
    const events: ChatEvent[] = [];
    const reasoning = message?.reasoning_content ?? message?.reasoning;
    if (reasoning) events.push({ type: 'reasoning', text: reasoning });
    if (message?.content) events.push({ type: 'text', text: message.content });
    const calls = (message?.tool_calls ?? []).map((call) => ({
      id: call.id ?? undefined,
      name: call.function.name,
      arguments: producedArguments(call.function.arguments ?? '', this.#config.transport.providerName),
    }));
    events.push(...finishEvents(calls, parsed.data.usage, mapFinish(choice?.finish_reason)));
    // A LiteLLM proxy says what a whole answer cost in a header (a stream's headers leave before the
    // cost is known: there it comes in the last chunk's usage). A cost in the body wins.
    const header = response.headers.get('x-litellm-response-cost')?.trim();
    const cost = header && /^\d+(\.\d+)?([eE][-+]?\d+)?$/.test(header) ? reportedCost(Number(header)) : undefined;
    for (const event of events)
      if (event.type === 'usage' && cost !== undefined && event.usage.costUsd === undefined) event.usage.costUsd = cost;
    return events;
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

/** A text delta's content; OpenAI pads each chunk with a random `obfuscation` string. */
export const OPENAI_CHAT_DELTA: DeltaShape = {
  textPath: ['choices', 0, 'delta', 'content'],
  ignored: new Set(['obfuscation']),
};

/** A chunk that says nothing but text: no reasoning, tool call, finish, usage or error. */
function plainText(chunk: z.infer<typeof chunkSchema>): string | undefined {
  if (chunk.error != null || (chunk.usage ?? chunk.x_groq?.usage) != null) return undefined;
  const choice = chunk.choices?.[0];
  const delta = choice?.delta;
  if (!delta || choice.finish_reason != null || delta.tool_calls?.length) return undefined;
  if (delta.reasoning_content ?? delta.reasoning) return undefined;
  return typeof delta.content === 'string' ? delta.content : undefined;
}

/** What a stream has said so far: tool-call fragments, the last usage, the finish reason. */
class StreamState implements StreamParser<EventSourceMessage> {
  readonly #transport: TransportConfig;
  readonly #fast: FastDeltas;
  readonly #toolCalls: PendingToolCall[] = [];
  #usage: unknown;
  #finish: FinishReason | undefined;
  done = false;

  constructor(transport: TransportConfig, fastPath = true) {
    this.#transport = transport;
    this.#fast = new FastDeltas(OPENAI_CHAT_DELTA, fastPath);
  }

  /** Takes one SSE event; pushes what it means for the caller onto `out`. */
  accept(event: EventSourceMessage, out: ChatEvent[]): void {
    const providerName = this.#transport.providerName;
    // The frequent plain text delta, checked by hand against a shape the full path below learned.
    const fast = this.#fast.match(event.event, event.data);
    if (fast !== undefined) {
      if (fast) pushDelta(out, 'text', fast);
      return;
    }
    if (event.data === '[DONE]') {
      this.done = true;
      return;
    }
    // llama.cpp once sent errors as `event: error`.
    if (event.event === 'error') throw classifyStreamError(providerName, safeJson(event.data));
    const chunk = parseJsonEvent(this.#transport, chunkSchema, event.data);
    if (chunk.error != null) throw classifyStreamError(providerName, chunk);
    const text = plainText(chunk);
    if (text !== undefined) this.#fast.learn(event.event, event.data, text);
    // Servers that repeat cumulative usage on every chunk: the last one wins, never a sum.
    const usage = chunk.usage ?? chunk.x_groq?.usage;
    if (usage != null) this.#usage = usage;
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const delta = choice.delta;
    if (delta) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning) pushDelta(out, 'reasoning', reasoning);
      if (delta.content) pushDelta(out, 'text', delta.content);
      if (delta.tool_calls) for (const call of delta.tool_calls) addToolCallDelta(this.#toolCalls, call);
    }
    if (choice.finish_reason === 'error')
      throw classifyStreamError(providerName, { error: { message: 'the provider ended the stream with an error' } });
    // DeepSeek ends a stream this way when it runs out of capacity mid-answer.
    if (choice.finish_reason === 'insufficient_system_resource')
      throw new ProviderError('overloaded', `${providerName} ran out of capacity during the answer`, {
        code: 'insufficient_system_resource',
      });
    this.#finish = mapFinish(choice.finish_reason) ?? this.#finish;
  }

  finish(): Generator<ChatEvent> {
    if (!this.done)
      throw new ProviderError(
        'network',
        `${this.#transport.providerName}'s stream ended before it was complete (no [DONE])`,
      );
    const calls = this.#toolCalls.map((call) => ({
      id: call.id,
      name: call.name,
      arguments: producedArguments(call.arguments, this.#transport.providerName),
    }));
    return finishEvents(calls, this.#usage, this.#finish);
  }
}

function* finishEvents(
  calls: Array<{ id?: string; name: string; arguments: unknown }>,
  usage: unknown,
  finish: FinishReason | undefined,
): Generator<ChatEvent> {
  for (const call of calls) yield { type: 'tool-call', ...call };
  yield* usageEvents(normalizeOpenAiUsage(usage));
  // A turn that produced tool calls finishes with tool_calls whatever the server said.
  yield { type: 'finish', reason: calls.length > 0 ? 'tool_calls' : (finish ?? 'stop') };
}

/** A Chat Completions stream's parser (`fastPath` false: every event through JSON.parse and the schema). */
export function openAiChatStream(transport: TransportConfig, fastPath = true): StreamParser<EventSourceMessage> {
  return new StreamState(transport, fastPath);
}
