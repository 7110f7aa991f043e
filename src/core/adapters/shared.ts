import type { EventSourceMessage } from 'eventsource-parser';
import type * as z from '../zod';
import { ProviderError } from '../errors';
import { RequestScope, type TransportConfig } from '../http';
import { readSseBatches } from '../httpBody';
import { responseMetadata } from '../responseHeaders';
import type { ChatEvent, ContentPart, ResponseMetadata } from '../types';

/** A payload that does not have the documented shape, named by its first wrong field. */
export function unexpected(transport: TransportConfig, error: z.core.$ZodError): ProviderError {
  const issue = error.issues[0];
  return new ProviderError(
    'server_error',
    `${transport.providerName} sent an unexpected response (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`,
    { redactor: transport.redactor },
  );
}

export function textOf(content: string | ContentPart[]): string {
  return typeof content === 'string'
    ? content
    : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text } };
  }
}

/**
 * Adds a streamed text or reasoning delta to a network read's events, joined to the event before it
 * when that is of the same kind: deltas that arrived together reach the consumer together, as one
 * event. A provider's split of its text into deltas means nothing, and the consumer's work per event
 * (an allocation and a promise turn here; a render, an IPC message, a count further on) is then per
 * read, not per delta (OpenAI sends about 64 of them in one 16 KB read when it streams fast).
 */
export function pushDelta(out: ChatEvent[], type: 'text' | 'reasoning', text: string): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.type === type) last.text += text;
  else out.push({ type, text });
}

/** An adapter's stream parser: provider events in, chat events out, and how the answer ends. */
export interface StreamParser<E> {
  accept(event: E, out: ChatEvent[]): void;
  /** True once the provider's terminator arrived (`[DONE]`, `message_stop`, `done: true`). */
  readonly done?: boolean;
  /** The closing events; throws when the stream ended without its terminator. */
  finish(): Iterable<ChatEvent>;
}

/**
 * Runs a parser over batches of provider events (one batch per network read), yielding the chat
 * events of each batch. On a failure the events that arrived before it are yielded first. The scope
 * is closed before the last events go out, since the consumer may not ask for more.
 */
export async function* parseBatches<E>(
  source: AsyncIterable<E[]>,
  parser: StreamParser<E>,
  scope: RequestScope,
): AsyncGenerator<ChatEvent[]> {
  for await (const batch of source) {
    const out: ChatEvent[] = [];
    try {
      for (const event of batch) {
        parser.accept(event, out);
        if (parser.done) break;
      }
    } catch (error) {
      if (out.length > 0) yield out;
      throw error;
    }
    if (out.length > 0) yield out;
    if (parser.done) break;
  }
  const last = [...parser.finish()];
  scope.close();
  yield last;
}

/**
 * One answer as batches of chat events: the response's metadata first, then the whole body (stream
 * off) or the SSE stream through the adapter's parser. The request's scope (timeouts, cancellation)
 * starts with the first read, not before, and is closed however the answer ends. As with a stream,
 * events a whole-body reader put in `early` before it failed are yielded before its error (the usage
 * of a prompt the provider refused, say, which is billed).
 */
export async function* answerBatches(
  transport: TransportConfig,
  signal: AbortSignal | undefined,
  stream: boolean,
  open: (scope: RequestScope) => Promise<Response>,
  read: {
    whole: (
      response: Response,
      scope: RequestScope,
      early: ChatEvent[],
      metadata: ResponseMetadata,
    ) => Promise<ChatEvent[]>;
    parser: () => StreamParser<EventSourceMessage>;
  },
): AsyncGenerator<ChatEvent[]> {
  const scope = new RequestScope(transport, signal);
  try {
    const response = await open(scope);
    const metadata = responseMetadata(response, transport.clock.now());
    if (!stream) {
      // A whole body can say more about the answer (the model that answered), so its metadata comes with it.
      const early: ChatEvent[] = [];
      let events: ChatEvent[];
      try {
        events = await read.whole(response, scope, early, metadata);
      } catch (error) {
        yield [{ type: 'response-metadata', metadata }, ...early];
        throw error;
      }
      yield [{ type: 'response-metadata', metadata }, ...events];
    } else {
      yield [{ type: 'response-metadata', metadata }];
      yield* parseBatches(readSseBatches(response, scope, transport.providerName), read.parser(), scope);
    }
  } finally {
    scope.close();
  }
}
