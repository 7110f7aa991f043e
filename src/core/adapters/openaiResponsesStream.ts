import type { EventSourceMessage } from 'eventsource-parser';
import * as z from '../zod';
import { classifyStreamError } from '../errorClassification';
import { ProviderError } from '../errors';
import type { TransportConfig } from '../http';
import type { ChatEvent, FinishReason, ToolCall, Usage } from '../types';
import { FastDeltas, type DeltaShape } from './fastDelta';
import { REASONING_KEY } from './openaiResponsesMessages';
import { pushDelta, safeJson, unexpected, type StreamParser } from './shared';
import { parseJsonEvent } from './streamJson';
import { producedArguments } from './toolArguments';
import { optionalCount, tokenCount, usageEvents, wireUsage } from './usage';

// Reading a Responses API answer: typed SSE events when streamed, one response object when not.

// Provider payloads: only what Switchboard reads. z.object drops the rest (see openaiChatStream.ts).
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

/** A whole (unstreamed) response's events. */
export function responseEvents(transport: TransportConfig, json: unknown): ChatEvent[] {
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) throw unexpected(transport, parsed.error);
  const response = parsed.data;
  if (response.status === 'failed')
    throw classifyStreamError(transport.providerName, streamErrorBody(undefined, response));
  // Anything but a finished answer (queued, in_progress, or no status) is not an answer.
  if (response.status !== 'completed' && response.status !== 'incomplete') {
    throw new ProviderError(
      'server_error',
      `${transport.providerName} answered with an unfinished response (status ${String(response.status ?? 'missing')})`,
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
          transport.providerName,
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

interface PendingCall {
  callId?: string;
  name: string;
  arguments: string;
  emitted: boolean;
}

/** An output text delta; every event is numbered, and OpenAI pads it with a random `obfuscation` string. */
export const RESPONSES_DELTA: DeltaShape = {
  textPath: ['delta'],
  ignored: new Set(['sequence_number', 'obfuscation']),
};

/** One stream's function calls by item id, the encrypted reasoning so far, and how it ended. */
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
