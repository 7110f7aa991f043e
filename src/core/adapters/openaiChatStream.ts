import type { EventSourceMessage } from 'eventsource-parser';
import * as z from '../zod';
import { classifyStreamError } from '../errorClassification';
import { ProviderError } from '../errors';
import type { RequestScope, TransportConfig } from '../http';
import { readJson } from '../httpBody';
import type { ChatEvent, FinishReason, ResponseMetadata, Usage } from '../types';
import { FastDeltas, type DeltaShape } from './fastDelta';
import { pushDelta, safeJson, unexpected, type StreamParser } from './shared';
import { parseJsonEvent } from './streamJson';
import { producedArguments } from './toolArguments';
import { optionalCount, reportedCost, tokenCount, usageEvents, wireUsage } from './usage';

// Reading a Chat Completions answer: SSE chunks when streamed, one completion object when not.

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

/** A whole (unstreamed) completion's events; `metadata` takes the model the server names. */
export async function readCompletion(
  transport: TransportConfig,
  response: Response,
  scope: RequestScope,
  metadata: ResponseMetadata,
): Promise<ChatEvent[]> {
  const json = await readJson(transport, response, scope);
  const parsed = completionSchema.safeParse(json);
  if (!parsed.success) throw unexpected(transport, parsed.error);
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
    arguments: producedArguments(call.function.arguments ?? '', transport.providerName),
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
