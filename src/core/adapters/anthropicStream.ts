import type { EventSourceMessage } from 'eventsource-parser';
import * as z from '../zod';
import { classifyStreamError } from '../errorClassification';
import { ProviderError } from '../errors';
import type { TransportConfig } from '../http';
import type { ChatEvent, FinishReason, ToolCall, Usage } from '../types';
import { THINKING_KEY } from './anthropicMessages';
import { FastDeltas, type DeltaShape } from './fastDelta';
import { pushDelta, safeJson, unexpected, type StreamParser } from './shared';
import { parseJsonEvent } from './streamJson';
import { producedArguments } from './toolArguments';
import { optionalCount, tokenCount, usageEvents, wireUsage } from './usage';

// Reading Anthropic's answer from /v1/messages: server-sent events when streamed, one message when not.

// Read apart from the event it came in (see usage.ts): a bad count must not fail the answer.
const usageSchema = z.object({
  // Required in Anthropic's schema; a stream has both once message_start and message_delta are merged.
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: optionalCount,
  cache_read_input_tokens: optionalCount,
  output_tokens_details: z.nullish(z.object({ thinking_tokens: optionalCount })),
});

const block = z.object({
  type: z.string(),
  text: z.nullish(z.string()),
  thinking: z.nullish(z.string()),
  signature: z.nullish(z.string()),
  data: z.nullish(z.string()),
  id: z.nullish(z.string()),
  name: z.nullish(z.string()),
  input: z.optional(z.unknown()),
});
type Block = z.infer<typeof block>;

// Every event type Switchboard reads; unknown ones (Anthropic adds types over time) are skipped.
const eventSchema = z.object({
  type: z.string(),
  index: z.nullish(z.number()),
  message: z.nullish(z.object({ model: z.nullish(z.string()), usage: z.optional(z.unknown()) })),
  content_block: z.nullish(block),
  delta: z.nullish(
    z.object({
      type: z.nullish(z.string()),
      text: z.nullish(z.string()),
      thinking: z.nullish(z.string()),
      signature: z.nullish(z.string()),
      partial_json: z.nullish(z.string()),
      stop_reason: z.nullish(z.string()),
    }),
  ),
  usage: z.optional(z.unknown()),
  error: z.optional(z.unknown()),
});

// Nearly every event of a stream is a delta: it gets a schema of its own, much cheaper to check.
const deltaEventSchema = z.object({
  type: z.literal('content_block_delta'),
  index: z.nullish(z.number()),
  delta: z.object({
    type: z.nullish(z.string()),
    text: z.nullish(z.string()),
    thinking: z.nullish(z.string()),
    signature: z.nullish(z.string()),
    partial_json: z.nullish(z.string()),
  }),
});
type StreamEvent = z.infer<typeof eventSchema>;
const schemaFor = (json: unknown): z.ZodMiniType<StreamEvent> =>
  (json as { type?: unknown } | null)?.type === 'content_block_delta' ? deltaEventSchema : eventSchema;

const messageSchema = z.object({
  model: z.nullish(z.string()),
  content: z.array(block),
  stop_reason: z.nullish(z.string()),
  usage: z.optional(z.unknown()),
});

/** Contract usage (input counts cached reads and cache writes too; output already includes thinking); undefined if unusable. */
function normalizeAnthropicUsage(wire: unknown): Usage | undefined {
  const raw = wireUsage(usageSchema, wire);
  if (!raw) return undefined;
  const read = raw.cache_read_input_tokens ?? 0;
  const write = raw.cache_creation_input_tokens ?? 0;
  const usage: Usage = { inputTokens: raw.input_tokens + read + write, outputTokens: raw.output_tokens };
  if (read > 0) usage.cachedInputTokens = read;
  if (write > 0) usage.cacheWriteInputTokens = write;
  const thinking = raw.output_tokens_details?.thinking_tokens;
  if (thinking) usage.reasoningTokens = thinking;
  return usage;
}

function mapStop(reason: string | null | undefined): FinishReason | undefined {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return undefined;
  }
}

/** A whole (not streamed) message's events. */
export function fromAnthropicMessage(transport: TransportConfig, json: unknown): ChatEvent[] {
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) throw unexpected(transport, parsed.error);
  const events: ChatEvent[] = [];
  const thinking: Array<Record<string, unknown>> = [];
  let calls = 0;
  for (const item of parsed.data.content) {
    if (item.type === 'text' && item.text) events.push({ type: 'text', text: item.text });
    else if (item.type === 'thinking' || item.type === 'redacted_thinking') {
      if (item.thinking) events.push({ type: 'reasoning', text: item.thinking });
      thinking.push(thinkingBlock(item));
    } else if (item.type === 'tool_use' && item.name) {
      events.push(
        toolCall(
          item.id ?? undefined,
          item.name,
          producedArguments(item.input, transport.providerName),
          calls++ === 0 ? thinking : [],
        ),
      );
    }
  }
  events.push(...usageEvents(normalizeAnthropicUsage(parsed.data.usage)));
  events.push({ type: 'finish', reason: calls > 0 ? 'tool_calls' : (mapStop(parsed.data.stop_reason) ?? 'stop') });
  return events;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function thinkingBlock(item: Block): Record<string, unknown> {
  return item.type === 'redacted_thinking'
    ? { type: 'redacted_thinking', data: item.data }
    : { type: 'thinking', thinking: item.thinking ?? '', signature: item.signature ?? '' };
}

function toolCall(
  id: string | undefined,
  name: string,
  args: unknown,
  thinking: Array<Record<string, unknown>>,
): ChatEvent {
  const event: Extract<ChatEvent, { type: 'tool-call' }> = { type: 'tool-call', id, name, arguments: args };
  if (thinking.length > 0) event.providerMetadata = { [THINKING_KEY]: thinking } satisfies ToolCall['providerMetadata'];
  return event;
}

/** A `text_delta`'s text. */
export const ANTHROPIC_DELTA: DeltaShape = { textPath: ['delta', 'text'] };

/** One stream's blocks by index, the usage so far (cumulative, merged field by field) and the stop reason. */
class StreamState implements StreamParser<EventSourceMessage> {
  readonly #transport: TransportConfig;
  readonly #fast: FastDeltas;
  readonly #blocks = new Map<number, { block: Block; json: string }>();
  readonly #thinking: Array<Record<string, unknown>> = [];
  #usage: unknown;
  #stop: FinishReason | undefined;
  #calls = 0;
  #started = false;
  done = false;

  constructor(transport: TransportConfig, fastPath = true) {
    this.#transport = transport;
    this.#fast = new FastDeltas(ANTHROPIC_DELTA, fastPath);
  }

  accept(event: EventSourceMessage, out: ChatEvent[]): void {
    // The frequent text delta, checked by hand against a shape the full path below learned.
    const fast = this.#fast.match(event.event, event.data);
    if (fast !== undefined) {
      if (fast) pushDelta(out, 'text', fast);
      return;
    }
    if (event.event === 'ping') return;
    if (event.event === 'error') throw classifyStreamError(this.#transport.providerName, safeJson(event.data));
    const data = parseJsonEvent(this.#transport, schemaFor, event.data);
    // A text delta does nothing but give its text (the block it belongs to is not touched).
    if (data.type === 'content_block_delta' && data.delta?.type === 'text_delta' && typeof data.delta.text === 'string')
      this.#fast.learn(event.event, event.data, data.delta.text);
    const index = data.index ?? 0;
    switch (data.type) {
      case 'message_start':
        this.#started = true;
        this.#mergeUsage(data.message?.usage);
        return;
      case 'content_block_start':
        if (!data.content_block) return;
        this.#blocks.set(index, { block: { ...data.content_block }, json: '' });
        if (data.content_block.type === 'text' && data.content_block.text)
          pushDelta(out, 'text', data.content_block.text);
        return;
      case 'content_block_delta': {
        const delta = data.delta;
        const entry = this.#blocks.get(index);
        if (!delta) return;
        if (delta.type === 'text_delta' && delta.text) pushDelta(out, 'text', delta.text);
        else if (delta.type === 'thinking_delta' && delta.thinking) {
          pushDelta(out, 'reasoning', delta.thinking);
          if (entry) entry.block.thinking = (entry.block.thinking ?? '') + delta.thinking;
        } else if (delta.type === 'signature_delta' && entry)
          entry.block.signature = (entry.block.signature ?? '') + (delta.signature ?? '');
        else if (delta.type === 'input_json_delta' && entry) entry.json += delta.partial_json ?? '';
        return;
      }
      case 'content_block_stop': {
        const entry = this.#blocks.get(index);
        this.#blocks.delete(index);
        if (!entry) return;
        const { block: done, json } = entry;
        if (done.type === 'thinking' || done.type === 'redacted_thinking') this.#thinking.push(thinkingBlock(done));
        else if (done.type === 'tool_use' && done.name) {
          // The call is complete here; the thinking that led to it travels with the first call.
          out.push(
            toolCall(
              done.id ?? undefined,
              done.name,
              producedArguments(json, this.#transport.providerName),
              this.#calls++ === 0 ? this.#thinking.splice(0) : [],
            ),
          );
        }
        return;
      }
      case 'message_delta':
        this.#mergeUsage(data.usage);
        this.#stop = mapStop(data.delta?.stop_reason) ?? this.#stop;
        return;
      case 'message_stop':
        this.done = true;
        return;
      case 'error':
        throw classifyStreamError(this.#transport.providerName, data);
      default:
    }
  }

  /**
   * message_delta usage is cumulative and may repeat input and cache counts: latest value per field.
   * Values are merged unchecked; the merged report is checked once, at the end.
   */
  #mergeUsage(usage: unknown): void {
    if (usage == null) return;
    if (!isRecord(usage) || !isRecord(this.#usage)) {
      this.#usage = usage;
      return;
    }
    const merged = { ...this.#usage };
    for (const [key, value] of Object.entries(usage)) if (value !== null && value !== undefined) merged[key] = value;
    this.#usage = merged;
  }

  finish(): ChatEvent[] {
    if (!this.done) {
      throw new ProviderError(
        'network',
        `${this.#transport.providerName}'s stream ended before it was complete (no message_stop${this.#started ? '' : ', no message_start'})`,
      );
    }
    const events: ChatEvent[] = [];
    events.push(...usageEvents(normalizeAnthropicUsage(this.#usage)));
    events.push({ type: 'finish', reason: this.#calls > 0 ? 'tool_calls' : (this.#stop ?? 'stop') });
    return events;
  }
}

/** A Messages stream's parser (`fastPath` false: every event through JSON.parse and the schema). */
export function anthropicStream(transport: TransportConfig, fastPath = true): StreamParser<EventSourceMessage> {
  return new StreamState(transport, fastPath);
}
