import * as z from '../zod';
import { classifyStreamError } from '../errorClassification';
import { ProviderError } from '../errors';
import type { RequestScope, TransportConfig } from '../http';
import { readText } from '../httpBody';
import type { ChatEvent, FinishReason, Usage } from '../types';
import { FastDeltas, type DeltaShape } from './fastDelta';
import { pushDelta } from './shared';
import { producedArguments } from './toolArguments';
import { optionalCount, usageEvents, wireUsage } from './usage';

// Reading Ollama's answer from /api/chat: one JSON object per line when streamed, one object when not.

// Only what Switchboard reads; z.object drops the rest (durations, created_at, …) without copying it.
// Recent servers give tool calls an id; the documented payloads have none.
const toolCallSchema = z.object({
  id: z.nullish(z.string()),
  function: z.object({ name: z.string(), arguments: z.unknown() }),
});
const chunkSchema = z.object({
  message: z.nullish(
    z.object({
      content: z.nullish(z.string()),
      thinking: z.nullish(z.string()),
      tool_calls: z.nullish(z.array(toolCallSchema)),
    }),
  ),
  done: z.nullish(z.boolean()),
  done_reason: z.nullish(z.string()),
  // Read apart from the chunk (see usage.ts): a bad count must not fail the answer.
  prompt_eval_count: z.optional(z.unknown()),
  prompt_eval_cached_count: z.optional(z.unknown()),
  eval_count: z.optional(z.unknown()),
  error: z.optional(z.unknown()),
});
// Ollama's Go structs leave zero counts out (omitempty), so either may be missing.
const usageSchema = z.object({
  prompt_eval_count: optionalCount,
  prompt_eval_cached_count: optionalCount,
  eval_count: optionalCount,
});

type ToolCallEvent = Extract<ChatEvent, { type: 'tool-call' }>;

/** A line longer than this (a server that never ends one) is refused, not buffered. */
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** The body as batches of lines (maybe blank, maybe ending in `\r`), one batch per network read. */
export async function* readLineBatches(
  response: Response,
  scope: RequestScope,
  providerName: string,
): AsyncGenerator<string[]> {
  let buffer = '';
  for await (const text of readText(response, scope)) {
    // Only the new text is searched: rescanning the buffer would be quadratic on a long line.
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      buffer += text;
      if (buffer.length > MAX_LINE_CHARS)
        throw new ProviderError(
          'server_error',
          `${providerName} sent a line longer than ${MAX_LINE_CHARS / 2 ** 20} MB`,
        );
      continue;
    }
    const lines = (buffer + text.slice(0, end)).split('\n');
    buffer = text.slice(end + 1);
    yield lines;
  }
  if (buffer.trim()) yield [buffer];
}

/** A line of text; each carries the time it was made. */
export const OLLAMA_DELTA: DeltaShape = { textPath: ['message', 'content'], ignored: new Set(['created_at']) };

/** One answer as it arrives: text and reasoning go out at once; tool calls, usage and finish at the end. */
export class Turn {
  readonly #transport: TransportConfig;
  readonly #fast: FastDeltas;
  readonly #calls: ToolCallEvent[] = [];
  #usage: Usage | undefined;
  #finish: FinishReason = 'stop';
  done = false;

  constructor(transport: TransportConfig, fastPath = true) {
    this.#transport = transport;
    this.#fast = new FastDeltas(OLLAMA_DELTA, fastPath);
  }

  acceptLine(line: string, out: ChatEvent[]): void {
    const text = line.trim();
    if (!text) return;
    // The frequent text line, checked by hand against a shape the full path learned.
    const fast = this.#fast.match(undefined, text);
    if (fast !== undefined) {
      if (fast) pushDelta(out, 'text', fast);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProviderError('server_error', `${this.#transport.providerName} sent a line that is not JSON`, {
        providerMessage: this.#transport.redactor.clip(text, 200),
      });
    }
    const content = this.accept(json, out);
    if (content !== undefined) this.#fast.learn(undefined, text, content);
  }

  /** Takes one chunk; returns its text when it said nothing else (a plain text line). */
  accept(json: unknown, out: ChatEvent[]): string | undefined {
    const parsed = chunkSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProviderError(
        'server_error',
        `${this.#transport.providerName} sent an unexpected response (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`,
      );
    }
    const chunk = parsed.data;
    // The status is already 200: an error mid-stream is a line of its own.
    if (chunk.error != null) throw classifyStreamError(this.#transport.providerName, json);
    const message = chunk.message;
    if (message?.thinking) pushDelta(out, 'reasoning', message.thinking);
    if (message?.content) pushDelta(out, 'text', message.content);
    for (const call of message?.tool_calls ?? []) {
      // Arguments arrive parsed, as an object (not JSON text as on OpenAI's wire).
      this.#calls.push({
        type: 'tool-call',
        ...(call.id ? { id: call.id } : {}),
        name: call.function.name,
        arguments: producedArguments(call.function.arguments, this.#transport.providerName),
      });
    }
    if (!chunk.done)
      return !message?.thinking && !message?.tool_calls?.length && typeof message?.content === 'string'
        ? message.content
        : undefined;
    this.done = true;
    // Ollama says "stop" after tool calls too, and "load"/"unload" for calls that only (un)load a model.
    if (chunk.done_reason === 'length') this.#finish = 'length';
    const counts = wireUsage(usageSchema, chunk);
    // A done line with no counts at all (a model load or unload) reports nothing.
    if (counts && (counts.prompt_eval_count != null || counts.eval_count != null)) {
      this.#usage = { inputTokens: counts.prompt_eval_count ?? 0, outputTokens: counts.eval_count ?? 0 };
      const cached = counts.prompt_eval_cached_count;
      if (cached != null && cached > 0) this.#usage.cachedInputTokens = cached;
    }
    return undefined;
  }

  *finish(): Generator<ChatEvent> {
    yield* this.#calls;
    yield* usageEvents(this.#usage);
    yield { type: 'finish', reason: this.#calls.length > 0 ? 'tool_calls' : this.#finish };
  }
}

/** A streamed answer's line parser (`fastPath` false: every line through JSON.parse and the schema). */
export function ollamaStream(
  transport: TransportConfig,
  fastPath = true,
): { acceptLine(line: string, out: ChatEvent[]): void; readonly done: boolean; finish(): Iterable<ChatEvent> } {
  return new Turn(transport, fastPath);
}
