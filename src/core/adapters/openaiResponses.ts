import type { EventSourceMessage } from 'eventsource-parser';
import * as z from '../zod';
import { classifyStreamError } from '../errorClassification';
import { ProviderError } from '../errors';
import { BatchedEvents } from '../events';
import { RequestScope, send, type TransportConfig } from '../http';
import { readJson } from '../httpBody';
import type {
  ChatEvent,
  ChatMessage,
  ChatRequest,
  ContentPart,
  FinishReason,
  ModelInfo,
  Provider,
  ToolCall,
  Usage,
} from '../types';
import { FastDeltas, type DeltaShape } from './fastDelta';
import { answerBatches, pushDelta, safeJson, textOf, unexpected, type StreamParser } from './shared';
import { parseJsonEvent } from './streamJson';
import { argumentsText, producedArguments } from './toolArguments';
import { optionalCount, tokenCount, usageEvents, wireUsage } from './usage';

/** OpenAI's Responses API (`POST /v1/responses`). Research notes: /tmp/research/openai-responses.md. */
export interface OpenAiResponsesConfig {
  transport: TransportConfig;
  /** Full URL of the responses endpoint, e.g. https://api.openai.com/v1/responses; the model list is its sibling /models. */
  url: string;
  /** Authorization and extra headers, resolved per request so a changed key applies at once. */
  headers: () => Record<string, string>;
}

/**
 * Encrypted reasoning items that led to a turn's tool calls. With `store: false` the server keeps
 * nothing, so they travel with the first call and go back before it on the next turn.
 */
const REASONING_KEY = 'openaiReasoning';

// Provider payloads: only what Switchboard reads. z.object drops the rest (see openaiChat.ts).
// Read apart from the response it came in (see usage.ts): a bad count must not fail the answer.
const usageSchema = z.object({
  // Both totals are required, as in OpenAI's schema: without them there is nothing to price.
  input_tokens: tokenCount,
  input_tokens_details: z.nullish(z.object({ cached_tokens: optionalCount, cache_write_tokens: optionalCount })),
  output_tokens: tokenCount,
  output_tokens_details: z.nullish(z.object({ reasoning_tokens: optionalCount })),
});

const itemSchema = z.object({
  type: z.string(),
  id: z.nullish(z.string()),
  // function_call
  call_id: z.nullish(z.string()),
  name: z.nullish(z.string()),
  arguments: z.nullish(z.string()),
  // message: output_text and refusal parts
  content: z.nullish(
    z.array(z.object({ type: z.string(), text: z.nullish(z.string()), refusal: z.nullish(z.string()) })),
  ),
  // reasoning
  summary: z.nullish(z.array(z.object({ type: z.string(), text: z.nullish(z.string()) }))),
  encrypted_content: z.nullish(z.string()),
});
type Item = z.infer<typeof itemSchema>;

const responseSchema = z.object({
  status: z.nullish(z.string()),
  output: z.nullish(z.array(itemSchema)),
  usage: z.optional(z.unknown()),
  incomplete_details: z.nullish(z.object({ reason: z.nullish(z.string()) })),
  error: z.optional(z.unknown()),
});
type ResponseObject = z.infer<typeof responseSchema>;

// Every streamed event has a type; the rest is read per type, so event types Switchboard does not
// know (web search, images, audio, …) can never fail a stream.
const envelope = z.object({
  type: z.string(),
  delta: z.optional(z.unknown()),
  item_id: z.nullish(z.string()),
  output_index: z.nullish(z.number()),
  summary_index: z.nullish(z.number()),
  arguments: z.optional(z.unknown()),
  item: z.optional(z.unknown()),
  response: z.optional(z.unknown()),
  // The `error` event: flat as documented, or nested as OpenAI actually sends it.
  code: z.optional(z.unknown()),
  message: z.optional(z.unknown()),
  param: z.optional(z.unknown()),
  error: z.optional(z.unknown()),
});
type Envelope = z.infer<typeof envelope>;

const modelEntry = z.object({ id: z.string() });
const modelList = z.union([z.object({ data: z.array(modelEntry) }), z.array(modelEntry)]);

/** Usage in the contract's terms (input_tokens already counts cached ones; output_tokens counts reasoning); undefined if unusable. */
function normalizeResponsesUsage(wire: unknown): Usage | undefined {
  const raw = wireUsage(usageSchema, wire);
  if (!raw) return undefined;
  const usage: Usage = { inputTokens: raw.input_tokens, outputTokens: raw.output_tokens };
  const cached = raw.input_tokens_details?.cached_tokens;
  if (cached != null && cached > 0) usage.cachedInputTokens = cached;
  const cacheWrite = raw.input_tokens_details?.cache_write_tokens;
  if (cacheWrite != null && cacheWrite > 0) usage.cacheWriteInputTokens = cacheWrite;
  const reasoning = raw.output_tokens_details?.reasoning_tokens;
  if (reasoning != null && reasoning > 0) usage.reasoningTokens = reasoning;
  return usage;
}

/** How a finished (completed or incomplete) response ended. */
function mapStatus(response: ResponseObject): FinishReason {
  if (response.status !== 'incomplete') return 'stop';
  switch (response.incomplete_details?.reason) {
    case 'max_output_tokens':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** The error a `response.failed` or `error` event carries, in the `{ error: {…} }` shape classifyStreamError reads. */
function streamErrorBody(event: Envelope | undefined, response?: ResponseObject): unknown {
  if (response) return { error: response.error ?? { message: 'the response failed' } };
  if (event?.error != null) return { error: event.error };
  return {
    error: {
      code: event?.code ?? undefined,
      message: event?.message ?? 'the provider ended the stream with an error',
      param: event?.param ?? undefined,
    },
  };
}

function contentParts(content: string | ContentPart[]): Array<Record<string, unknown>> {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'input_text', text: part.text }
      : { type: 'input_image', image_url: `data:${part.mimeType};base64,${part.data}`, detail: 'auto' },
  );
}

/**
 * Responses input items. System messages become `instructions`; no item carries a server id (with
 * `store: false` the server would look it up and fail), only `call_id`.
 */
export function toResponsesInput(messages: ChatMessage[]): {
  instructions?: string;
  input: Array<Record<string, unknown>>;
} {
  const system = messages.filter((message) => message.role === 'system').map((message) => textOf(message.content));
  const input: Array<Record<string, unknown>> = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        break;
      case 'tool':
        input.push({ type: 'function_call_output', call_id: message.toolCallId, output: textOf(message.content) });
        break;
      case 'assistant': {
        for (const call of message.toolCalls ?? []) {
          const reasoning = call.providerMetadata?.[REASONING_KEY];
          if (Array.isArray(reasoning)) input.push(...(reasoning as Array<Record<string, unknown>>));
        }
        const text = textOf(message.content);
        if (text !== '') input.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
        for (const call of message.toolCalls ?? [])
          input.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: argumentsText(call) });
        break;
      }
      default:
        input.push({ type: 'message', role: 'user', content: contentParts(message.content) });
    }
  }
  return { ...(system.length > 0 ? { instructions: system.join('\n\n') } : {}), input };
}

/** A reasoning item as it goes back in `input`: no id (nothing is stored), summary and encrypted content. */
function reasoningInput(item: Item): Record<string, unknown> {
  return {
    type: 'reasoning',
    summary: (item.summary ?? []).map((part) => ({ type: 'summary_text', text: part.text ?? '' })),
    encrypted_content: item.encrypted_content,
  };
}

function toolCall(
  providerName: string,
  callId: string | undefined,
  name: string,
  args: string,
  reasoning: Array<Record<string, unknown>>,
): Extract<ChatEvent, { type: 'tool-call' }> {
  const event: Extract<ChatEvent, { type: 'tool-call' }> = {
    type: 'tool-call',
    id: callId,
    name,
    arguments: producedArguments(args, providerName),
  };
  if (reasoning.length > 0)
    event.providerMetadata = { [REASONING_KEY]: reasoning } satisfies ToolCall['providerMetadata'];
  return event;
}

/** The sibling model-list URL of a responses URL (query kept, e.g. Azure's api-version); undefined if it is not one. */
function modelsUrlOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!/\/responses\/?$/.test(parsed.pathname)) return undefined;
  parsed.pathname = parsed.pathname.replace(/\/responses\/?$/, '/models');
  return parsed.toString();
}

export class OpenAiResponsesProvider implements Provider {
  readonly type = 'openai' as const;
  readonly #config: OpenAiResponsesConfig;
  /** Set once the server refuses `reasoning.summary` (unverified organisations); later requests leave it out. */
  #summaryRejected = false;

  constructor(config: OpenAiResponsesConfig) {
    this.#config = config;
  }

  #body(request: ChatRequest, stream: boolean): Record<string, unknown> {
    const options = request.providerOptions;
    const { instructions, input } = toResponsesInput(request.messages);
    const body: Record<string, unknown> = { model: request.model };
    if (instructions !== undefined) body.instructions = instructions;
    body.input = input;
    body.stream = stream;
    // Switchboard keeps the history itself; nothing needs to live on OpenAI's side.
    body.store = false;
    // The Responses API refuses fewer than 16 (integer_below_min_value); the connection test's one-token chat asks for 1.
    if (request.maxTokens !== undefined) body.max_output_tokens = Math.max(16, request.maxTokens);
    if (request.temperature !== undefined) body.temperature = request.temperature;
    // The Responses API has no penalties.
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.tools?.length) {
      body.tools = request.tools.map((tool) => ({
        type: 'function',
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.parameters,
        // Omitted means strict here (unlike Chat Completions): optional arguments would be filled in.
        strict: false,
      }));
      if (request.toolChoice === 'required') body.tool_choice = 'required';
    }
    if (options?.reasoningEffort) {
      body.reasoning = { effort: options.reasoningEffort, ...(this.#summaryRejected ? {} : { summary: 'auto' }) };
      // Only reasoning models take `reasoning`; only they accept this include (others answer 400).
      body.include = ['reasoning.encrypted_content'];
    }
    return { ...body, ...options?.extraBody };
  }

  async #open(request: ChatRequest, stream: boolean, scope: RequestScope): Promise<Response> {
    const post = () =>
      send(this.#config.transport, scope, {
        url: this.#config.url,
        headers: { accept: stream ? 'text/event-stream' : 'application/json', ...this.#config.headers() },
        body: this.#body(request, stream),
        streaming: stream,
      });
    try {
      return await post();
    } catch (error) {
      // "Your organization must be verified to generate reasoning summaries": ask once more without one.
      const rejectsSummary =
        request.providerOptions?.reasoningEffort !== undefined &&
        !this.#summaryRejected &&
        error instanceof ProviderError &&
        error.kind === 'bad_request' &&
        /reasoning[\s._]summar/i.test(`${error.providerMessage ?? ''} ${error.message}`);
      if (!rejectsSummary) throw error;
      this.#summaryRejected = true;
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
      whole: async (response, scope) => this.#fromResponse(await readJson(this.#config.transport, response, scope)),
      parser: () => new StreamState(this.#config.transport),
    });
  }

  #fromResponse(json: unknown): ChatEvent[] {
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) throw unexpected(this.#config.transport, parsed.error);
    const response = parsed.data;
    if (response.status === 'failed')
      throw classifyStreamError(this.#config.transport.providerName, streamErrorBody(undefined, response));
    // Anything but a finished answer (queued, in_progress, or no status) is not an answer.
    if (response.status !== 'completed' && response.status !== 'incomplete') {
      throw new ProviderError(
        'server_error',
        `${this.#config.transport.providerName} answered with an unfinished response (status ${String(response.status ?? 'missing')})`,
      );
    }
    const events: ChatEvent[] = [];
    const reasoning: Array<Record<string, unknown>> = [];
    let calls = 0;
    for (const item of response.output ?? []) {
      if (item.type === 'reasoning') {
        const summary = (item.summary ?? []).map((part) => part.text ?? '').filter((text) => text !== '');
        if (summary.length > 0) events.push({ type: 'reasoning', text: summary.join('\n\n') });
        if (item.encrypted_content) reasoning.push(reasoningInput(item));
      } else if (item.type === 'message') {
        for (const part of item.content ?? []) {
          const text = part.type === 'refusal' ? part.refusal : part.text;
          if (text) events.push({ type: 'text', text });
        }
      } else if (item.type === 'function_call' && item.name) {
        events.push(
          toolCall(
            this.#config.transport.providerName,
            item.call_id ?? undefined,
            item.name,
            item.arguments ?? '',
            calls++ === 0 ? reasoning.splice(0) : [],
          ),
        );
      }
    }
    events.push(...usageEvents(normalizeResponsesUsage(response.usage)));
    events.push({ type: 'finish', reason: calls > 0 ? 'tool_calls' : mapStatus(response) });
    return events;
  }

  async listModels(options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    const url = modelsUrlOf(this.#config.url);
    if (!url) return [];
    const scope = new RequestScope(this.#config.transport, options.signal);
    try {
      const response = await send(this.#config.transport, scope, { url, headers: this.#config.headers() });
      const parsed = modelList.safeParse(await readJson(this.#config.transport, response, scope));
      if (!parsed.success)
        throw new ProviderError(
          'server_error',
          `${this.#config.transport.providerName} sent a model list Switchboard cannot read`,
        );
      const entries = Array.isArray(parsed.data) ? parsed.data : parsed.data.data;
      return entries.map((entry) => ({ id: entry.id }));
    } finally {
      scope.close();
    }
  }
}

interface PendingCall {
  callId?: string;
  name: string;
  arguments: string;
  emitted: boolean;
}

/** One stream's function calls by item id, the encrypted reasoning so far, and how it ended. */
/** An output text delta; every event is numbered, and OpenAI pads it with a random `obfuscation` string. */
export const RESPONSES_DELTA: DeltaShape = {
  textPath: ['delta'],
  ignored: new Set(['sequence_number', 'obfuscation']),
};

class StreamState implements StreamParser<EventSourceMessage> {
  readonly #transport: TransportConfig;
  readonly #fast: FastDeltas;
  readonly #calls = new Map<string, PendingCall>();
  readonly #reasoning: Array<Record<string, unknown>> = [];
  #callCount = 0;
  #reasoningEmitted = false;
  #usage: unknown;
  #finish: FinishReason = 'stop';
  done = false;

  constructor(transport: TransportConfig, fastPath = true) {
    this.#transport = transport;
    this.#fast = new FastDeltas(RESPONSES_DELTA, fastPath);
  }

  /** Takes one SSE event; pushes what it means for the caller onto `out`. */
  accept(event: EventSourceMessage, out: ChatEvent[]): void {
    // The frequent text delta, checked by hand against a shape the full path below learned.
    const fast = this.#fast.match(event.event, event.data);
    if (fast !== undefined) {
      if (fast) pushDelta(out, 'text', fast);
      return;
    }
    const providerName = this.#transport.providerName;
    // Not sent by OpenAI (the stream just ends), but by some proxies.
    if (event.data === '[DONE]') return;
    if (event.event === 'error') {
      const json = safeJson(event.data);
      const parsed = envelope.safeParse(json);
      throw classifyStreamError(providerName, parsed.success ? streamErrorBody(parsed.data) : json);
    }
    const data = parseJsonEvent(this.#transport, envelope, event.data);
    if (data.type === 'response.output_text.delta' && typeof data.delta === 'string')
      this.#fast.learn(event.event, event.data, data.delta);
    switch (data.type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        if (typeof data.delta === 'string' && data.delta !== '') pushDelta(out, 'text', data.delta);
        return;
      case 'response.reasoning_summary_part.added':
        // Summary parts arrive without a separator; keep them apart as paragraphs.
        if (this.#reasoningEmitted) pushDelta(out, 'reasoning', '\n\n');
        return;
      case 'response.reasoning_summary_text.delta':
        if (typeof data.delta === 'string' && data.delta !== '') {
          this.#reasoningEmitted = true;
          pushDelta(out, 'reasoning', data.delta);
        }
        return;
      case 'response.output_item.added': {
        const item = this.#item(data.item);
        if (item.type === 'function_call') {
          this.#calls.set(this.#key(item.id, data.output_index), {
            callId: item.call_id ?? undefined,
            name: item.name ?? '',
            arguments: item.arguments ?? '',
            emitted: false,
          });
        }
        return;
      }
      case 'response.function_call_arguments.delta': {
        const call = this.#calls.get(this.#key(data.item_id, data.output_index));
        if (call && typeof data.delta === 'string') call.arguments += data.delta;
        return;
      }
      case 'response.function_call_arguments.done': {
        const call = this.#calls.get(this.#key(data.item_id, data.output_index));
        if (!call) return;
        if (typeof data.arguments === 'string') call.arguments = data.arguments;
        this.#emit(call, out);
        return;
      }
      case 'response.output_item.done': {
        const item = this.#item(data.item);
        if (item.type === 'reasoning' && item.encrypted_content) this.#reasoning.push(reasoningInput(item));
        if (item.type === 'function_call') this.#doneCall(item, data.output_index, out);
        return;
      }
      case 'response.completed':
      case 'response.incomplete': {
        const response = this.#response(data.response);
        // The final output lists every call; one whose own events went missing still reaches the caller.
        for (const item of response.output ?? [])
          if (item.type === 'function_call') this.#doneCall(item, undefined, out);
        this.#usage = response.usage;
        this.#finish = data.type === 'response.incomplete' ? mapStatus({ ...response, status: 'incomplete' }) : 'stop';
        this.done = true;
        return;
      }
      case 'response.failed':
        throw classifyStreamError(providerName, streamErrorBody(data, this.#response(data.response)));
      case 'error':
        throw classifyStreamError(providerName, streamErrorBody(data));
      default:
    }
  }

  #key(itemId: string | null | undefined, outputIndex: number | null | undefined): string {
    return itemId ?? `#${outputIndex ?? 0}`;
  }

  #item(value: unknown): Item {
    const parsed = itemSchema.safeParse(value);
    if (!parsed.success) throw unexpected(this.#transport, parsed.error);
    return parsed.data;
  }

  #response(value: unknown): ResponseObject {
    const parsed = responseSchema.safeParse(value ?? {});
    if (!parsed.success) throw unexpected(this.#transport, parsed.error);
    return parsed.data;
  }

  /** A finished function_call item: the call it completes, or a new one if its start never arrived. */
  #doneCall(item: Item, outputIndex: number | null | undefined, out: ChatEvent[]): void {
    const key = item.id ?? (outputIndex == null ? undefined : this.#key(undefined, outputIndex));
    let call =
      (key === undefined ? undefined : this.#calls.get(key)) ??
      [...this.#calls.values()].find((pending) => item.call_id != null && pending.callId === item.call_id);
    if (!call) {
      call = { callId: item.call_id ?? undefined, name: item.name ?? '', arguments: '', emitted: false };
      this.#calls.set(key ?? `call:${this.#calls.size}`, call);
    }
    call.callId ??= item.call_id ?? undefined;
    if (!call.name && item.name) call.name = item.name;
    if (item.arguments != null && item.arguments !== '') call.arguments = item.arguments;
    this.#emit(call, out);
  }

  #emit(call: PendingCall, out: ChatEvent[]): void {
    if (call.emitted || !call.name) return;
    call.emitted = true;
    // The reasoning that led to the calls travels with the first of them.
    out.push(
      toolCall(
        this.#transport.providerName,
        call.callId,
        call.name,
        call.arguments,
        this.#callCount++ === 0 ? this.#reasoning.splice(0) : [],
      ),
    );
  }

  finish(): ChatEvent[] {
    if (!this.done)
      throw new ProviderError(
        'network',
        `${this.#transport.providerName}'s stream ended before it was complete (no response.completed)`,
      );
    const events: ChatEvent[] = [];
    // Calls whose done events never came (some compatible servers only send deltas).
    for (const call of this.#calls.values()) this.#emit(call, events);
    events.push(...usageEvents(normalizeResponsesUsage(this.#usage)));
    // A turn that produced tool calls finishes with tool_calls whatever the server said.
    events.push({ type: 'finish', reason: this.#callCount > 0 ? 'tool_calls' : this.#finish });
    return events;
  }
}

/** A Responses API stream's parser (`fastPath` false: every event through JSON.parse and the schema). */
export function responsesStream(transport: TransportConfig, fastPath = true): StreamParser<EventSourceMessage> {
  return new StreamState(transport, fastPath);
}
