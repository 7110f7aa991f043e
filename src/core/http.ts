import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { classifyHttpError, classifyStreamError } from './errorClassification';
import { ProviderError } from './errors';
import { type Redactor } from './redact';
import type { Clock, RateLimitInfo, ResponseMetadata, Timeouts } from './types';

export const DEFAULT_TIMEOUTS: Required<Timeouts> = { firstByteMs: 60_000, idleMs: 90_000 };
/** Non-streaming answers arrive whole, after the model has finished: their first byte comes late. */
export const NON_STREAMING_FIRST_BYTE_MS = 600_000;
/** Error bodies are read up to this size; a proxy's HTML page can be large and is never needed whole. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** A whole JSON answer or model list larger than this is not an answer: stop reading. */
const MAX_JSON_BODY_CHARS = 32 * 1024 * 1024;
/** One SSE event larger than this (a server that never ends an event) is refused, not buffered. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/** Socket error codes that mean the certificate, not the connection, failed. */
export const TLS_ERROR_CODE =
  /^(CERT_|ERR_TLS_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_|HOSTNAME_MISMATCH)/;
/** undici's own timeouts (its defaults, or a dispatcher's) are timeouts too, not unreachable hosts. */
const UNDICI_TIMEOUT = /^UND_ERR_(HEADERS|BODY|CONNECT)_TIMEOUT$/;

export interface TransportConfig {
  providerName: string;
  fetch: typeof fetch;
  clock: Clock;
  timeouts: Required<Timeouts>;
  /** Resolves the `dispatcher` passed to fetch (an undici Agent with a custom CA); VS Code's patched fetch keeps it. */
  dispatcher?: () => Promise<unknown>;
  /** Holds the provider's key, so no message can repeat it, whatever its shape. */
  redactor: Redactor;
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  /** false: the answer arrives whole, after the model has finished, so a longer first-byte limit applies. */
  streaming?: boolean;
}

/**
 * One request's lifetime: the caller's cancellation, the first-byte and idle timers (on the
 * injected clock), and the AbortController that ends the connection when any of them fires or
 * the consumer stops reading.
 */
export class RequestScope {
  readonly #controller = new AbortController();
  readonly #config: TransportConfig;
  readonly #external?: AbortSignal;
  #failure?: ProviderError;
  #timer: unknown;

  constructor(config: TransportConfig, signal?: AbortSignal) {
    this.#config = config;
    this.#external = signal;
    if (signal?.aborted) this.#cancel();
    else signal?.addEventListener('abort', this.#cancel, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  readonly #cancel = () => this.#abort(new ProviderError('cancelled', 'The request was cancelled'));

  #abort(failure: ProviderError): void {
    this.#failure ??= failure;
    this.#clearTimer();
    this.#controller.abort(failure);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#config.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** (Re)arms the one timer: waiting for headers, or waiting for the next piece of the body. */
  arm(phase: 'first-byte' | 'idle', ms: number = this.#config.timeouts.idleMs): void {
    this.#clearTimer();
    if (this.#failure) return;
    this.#timer = this.#config.clock.setTimeout(() => {
      const what = phase === 'first-byte' ? 'did not start answering' : 'stopped sending';
      this.#abort(
        new ProviderError('timeout', `${this.#config.providerName} ${what} within ${Math.round(ms / 1000)} s`),
      );
    }, ms);
  }

  /** Whatever fetch or a read threw, as the ProviderError it means (our own abort reasons first). */
  failure(error: unknown): ProviderError {
    if (this.#failure) return this.#failure;
    if (error instanceof ProviderError) return error;
    return networkError(this.#config.providerName, error, this.#config.redactor);
  }

  throwIfFailed(): void {
    if (this.#failure) throw this.#failure;
  }

  /** Ends the request: stops the timers and, if the body was not read to the end, the connection. */
  close(): void {
    this.#clearTimer();
    this.#external?.removeEventListener('abort', this.#cancel);
    if (!this.#controller.signal.aborted)
      this.#controller.abort(new ProviderError('cancelled', 'The response was no longer needed'));
  }
}

/** Node's fetch hides the socket error in `cause`; its `code` tells DNS, refused, TLS and reset apart. */
export function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function networkError(providerName: string, error: unknown, redactor: Redactor): ProviderError {
  const code = errorCode(error);
  const detail =
    error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  if (code && UNDICI_TIMEOUT.test(code)) {
    return new ProviderError('timeout', `${providerName} did not answer in time (${code})`, {
      code,
      cause: error,
      redactor,
    });
  }
  const message =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `Could not find ${providerName}'s host (DNS lookup failed)`
      : code === 'ECONNREFUSED'
        ? `${providerName} refused the connection (nothing is listening at that address)`
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
          ? `The connection to ${providerName} was cut`
          : code && TLS_ERROR_CODE.test(code)
            ? `${providerName}'s TLS certificate is not trusted (${code})`
            : `Could not reach ${providerName}: ${detail}`;
  // An invalid URL's error carries the URL (which may hold a key) in its cause: the error keeps a redacted summary.
  return new ProviderError('network', message, { code, cause: error, redactor });
}

/**
 * Sends a request within the scope. Resolves with the response once its headers are in (for a
 * success); turns an error status into a classified ProviderError after reading a bounded body.
 */
export async function send(config: TransportConfig, scope: RequestScope, request: HttpRequest): Promise<Response> {
  scope.throwIfFailed();
  let body: string | undefined;
  try {
    body = request.body === undefined ? undefined : JSON.stringify(request.body);
  } catch (error) {
    // A body that cannot be written (nested past the engine's stack, a cycle) is the request's fault: never retried.
    throw new ProviderError(
      'bad_request',
      `The request could not be written as JSON: ${error instanceof Error ? error.message : String(error)}`,
      { code: 'unserializable_request' },
    );
  }
  scope.arm(
    'first-byte',
    request.streaming === false
      ? Math.max(NON_STREAMING_FIRST_BYTE_MS, config.timeouts.firstByteMs)
      : config.timeouts.firstByteMs,
  );
  let response: Response;
  try {
    const init: RequestInit = {
      method: request.method ?? (request.body === undefined ? 'GET' : 'POST'),
      headers: { ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
      body,
      signal: scope.signal,
      // Never follow a redirect with the key: undici drops Authorization across origins but not
      // x-api-key, api-key or x-goog-api-key.
      redirect: 'manual',
    };
    // Not in the WHATWG RequestInit; Node's fetch (and VS Code's patched one) read it.
    if (config.dispatcher) Object.assign(init, { dispatcher: await config.dispatcher() });
    response = await config.fetch(request.url, init);
  } catch (error) {
    throw scope.failure(error);
  }
  scope.arm('idle');
  if (response.ok) return response;
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location') ?? 'another address';
    await response.body?.cancel().catch(() => undefined);
    throw new ProviderError(
      'bad_request',
      `${config.providerName} redirected the request to ${location} (${response.status}). Switchboard does not follow redirects with your key; if you trust that address, use it as the base URL.`,
      {
        status: response.status,
        code: 'redirect',
        redactor: config.redactor,
      },
    );
  }
  const bodyText = await readBounded(response, scope, MAX_ERROR_BODY_BYTES);
  throw classifyHttpError({
    providerName: config.providerName,
    status: response.status,
    headers: response.headers,
    bodyText,
    now: config.clock.now(),
    redactor: config.redactor,
  });
}

/** An error built without the request's key (a stream's error event), redacted again with it: every field and the cause chain. */
export function redactError(error: ProviderError, redactor: Redactor): ProviderError {
  return error.redactedWith(redactor);
}

async function readBounded(response: Response, scope: RequestScope, limit: number): Promise<string> {
  let text = '';
  try {
    for await (const chunk of readText(response, scope)) {
      text += chunk;
      if (text.length >= limit) break;
    }
  } catch {
    // A body that breaks off still leaves the status to classify by.
  }
  return text.slice(0, limit);
}

/** Node's Buffer, where there is one: its UTF-8 decoding is several times faster than TextDecoder's. */
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

/** `1s`, `6m0s`, `20ms`, `0.5s` (OpenAI) or an RFC 3339 time (Anthropic) to milliseconds from now. */
function parseReset(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length > 0 && parts.map((part) => part[0]).join('') === value.trim()) {
    return Math.round(parts.reduce((sum, part) => sum + Number(part[1]) * (units[part[2]!] ?? 0), 0));
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** Rate-limit headroom from OpenAI-style `x-ratelimit-*` or Anthropic's `anthropic-ratelimit-*` headers. */
export function parseRateLimit(headers: Headers, now: number): RateLimitInfo | undefined {
  const info: RateLimitInfo = {};
  for (const [prefix, style] of [
    ['x-ratelimit-', 'openai'],
    ['anthropic-ratelimit-', 'anthropic'],
  ] as const) {
    const name = (what: 'limit' | 'remaining' | 'reset', unit: 'requests' | 'tokens') =>
      style === 'openai' ? `${prefix}${what}-${unit}` : `${prefix}${unit}-${what}`;
    info.limitRequests ??= numberHeader(headers, name('limit', 'requests'));
    info.remainingRequests ??= numberHeader(headers, name('remaining', 'requests'));
    info.limitTokens ??= numberHeader(headers, name('limit', 'tokens'));
    info.remainingTokens ??= numberHeader(headers, name('remaining', 'tokens'));
    info.resetRequestsMs ??= parseReset(headers.get(name('reset', 'requests')), now);
    info.resetTokensMs ??= parseReset(headers.get(name('reset', 'tokens')), now);
  }
  const known = Object.fromEntries(Object.entries(info).filter(([, value]) => value !== undefined)) as RateLimitInfo;
  return Object.keys(known).length > 0 ? known : undefined;
}

export function responseMetadata(response: Response, now: number): ResponseMetadata {
  const metadata: ResponseMetadata = { status: response.status };
  const requestId = response.headers.get('x-request-id') ?? response.headers.get('request-id') ?? undefined;
  if (requestId) metadata.requestId = requestId;
  const rateLimit = parseRateLimit(response.headers, now);
  if (rateLimit) metadata.rateLimit = rateLimit;
  return metadata;
}
