import { classifyHttpError } from './errorClassification';
import { ProviderError } from './errors';
import { readText } from './httpBody';
import { type Redactor } from './redact';
import type { Clock, Timeouts } from './types';

export const DEFAULT_TIMEOUTS: Required<Timeouts> = { firstByteMs: 60_000, idleMs: 90_000 };
/** Non-streaming answers arrive whole, after the model has finished: their first byte comes late. */
export const NON_STREAMING_FIRST_BYTE_MS = 600_000;
/** Error bodies are read up to this size; a proxy's HTML page can be large and is never needed whole. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

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
