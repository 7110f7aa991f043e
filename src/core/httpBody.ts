import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { classifyStreamError } from './errorClassification';
import { ProviderError } from './errors';
import type { RequestScope, TransportConfig } from './http';

// Reading a response's body: text as it arrives, a whole JSON answer, or server-sent events in batches.

/** A whole JSON answer or model list larger than this is not an answer: stop reading. */
const MAX_JSON_BODY_CHARS = 32 * 1024 * 1024;
/** One SSE event larger than this (a server that never ends an event) is refused, not buffered. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

interface NodeBuffer {
  from(
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ): { toString(encoding: 'utf8', start: number, end: number): string };
}
const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/**
 * UTF-8 text from a stream's chunks, a multi-byte character split across chunks held back until it
 * is whole. The same text as TextDecoder's (not fatal, BOM dropped: invalid bytes become U+FFFD),
 * faster with Node's Buffer where there is one.
 */
export class Utf8Pieces {
  readonly #fallback = nodeBuffer ? undefined : new TextDecoder();
  #held: Uint8Array | undefined;
  #started = false;

  decode(chunk: Uint8Array): string {
    if (this.#fallback) return this.#fallback.decode(chunk, { stream: true });
    let bytes = chunk;
    if (this.#held) {
      bytes = new Uint8Array(this.#held.length + chunk.length);
      bytes.set(this.#held);
      bytes.set(chunk, this.#held.length);
      this.#held = undefined;
    }
    const end = completeEnd(bytes);
    if (end < bytes.length) this.#held = bytes.slice(end);
    return this.#first(nodeBuffer!.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8', 0, end));
  }

  /** What is left: a character the stream ended inside is U+FFFD. */
  end(): string {
    if (this.#fallback) return this.#fallback.decode();
    const held = this.#held;
    this.#held = undefined;
    return held
      ? this.#first(nodeBuffer!.from(held.buffer, held.byteOffset, held.length).toString('utf8', 0, held.length))
      : '';
  }

  #first(text: string): string {
    if (this.#started || text === '') return text;
    this.#started = true;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

/** Where the last whole UTF-8 character of `bytes` ends (a lead byte whose sequence is cut short starts the rest). */
function completeEnd(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let index = length - 1; index >= 0 && index >= length - 4; index--) {
    const byte = bytes[index]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needs = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 ? (byte <= 0xef ? 3 : 1) : byte >= 0xc2 ? 2 : 1;
    return length - index < needs ? index : length;
  }
  return length;
}

/** The body as text pieces, decoded across chunk boundaries (a multi-byte character may be split). */
export async function* readText(response: Response, scope: RequestScope): AsyncGenerator<string> {
  const body = response.body;
  if (!body) return;
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const decoder = new Utf8Pieces();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        const tail = decoder.end();
        if (tail) yield tail;
        return;
      }
      scope.arm('idle');
      const text = decoder.decode(value);
      if (text) yield text;
    }
  } catch (error) {
    throw scope.failure(error);
  } finally {
    // Stopping early (consumer returned, or an error) must free the connection at once.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** A whole JSON body (non-streaming answers, model lists); leading blank lines are tolerated. */
export async function readJson(config: TransportConfig, response: Response, scope: RequestScope): Promise<unknown> {
  let text = '';
  for await (const chunk of readText(response, scope)) {
    text += chunk;
    if (text.length > MAX_JSON_BODY_CHARS)
      throw new ProviderError(
        'server_error',
        `${config.providerName} sent an answer larger than ${MAX_JSON_BODY_CHARS / 2 ** 20} MB`,
      );
  }
  let json: unknown;
  try {
    json = JSON.parse(text.trim());
  } catch {
    throw new ProviderError('server_error', `${config.providerName} answered with something that is not JSON`, {
      status: response.status,
      providerMessage: config.redactor.clip(text.trim(), 200),
      redactor: config.redactor,
    });
  }
  // Some servers answer 200 with an error object (OpenAI-style, Anthropic's type "error", vLLM's object "error").
  const record =
    typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  if (
    record &&
    ((record.error !== undefined && record.error !== null) || record.object === 'error' || record.type === 'error')
  ) {
    throw classifyStreamError(config.providerName, json, undefined, config.redactor);
  }
  return json;
}

/**
 * Server-sent events, parsed by eventsource-parser's callback parser fed straight from the body
 * reader, one batch per network read: a yield per event would cost a promise round trip each.
 */
export async function* readSseBatches(
  response: Response,
  scope: RequestScope,
  providerName: string,
): AsyncGenerator<EventSourceMessage[]> {
  let pending: EventSourceMessage[] = [];
  let tooLarge = false;
  const parser = createParser({
    onEvent: (event) => pending.push(event),
    maxBufferSize: MAX_EVENT_CHARS,
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') tooLarge = true;
    },
  });
  for await (const text of readText(response, scope)) {
    parser.feed(text);
    if (tooLarge)
      throw new ProviderError(
        'server_error',
        `${providerName} sent an event larger than ${MAX_EVENT_CHARS / 2 ** 20} MB`,
      );
    if (pending.length === 0) continue;
    const batch = pending;
    pending = [];
    yield batch;
  }
  // A last event without its closing blank line still counts.
  parser.reset({ consume: true });
  if (pending.length > 0) yield pending;
}
