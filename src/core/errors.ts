import { Redactor } from './redact';

export type ProviderErrorKind =
  | 'invalid_credentials'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'model_not_found'
  | 'overloaded'
  | 'server_error'
  | 'bad_request'
  | 'network'
  | 'timeout'
  | 'content_filter'
  | 'cancelled';

export interface ProviderErrorDetails {
  status?: number;
  retryAfterMs?: number;
  /** The provider's own error code or type, e.g. `insufficient_quota`, `overloaded_error`, `API_KEY_INVALID`. */
  code?: string;
  /** The provider's own message. */
  providerMessage?: string;
  requestId?: string;
  /** The budget that refused the request (a `quota_exceeded` with a `budget_` code): a budget's own id, `team:<provider>` or `gateway:<provider>`. */
  budgetId?: string;
  cause?: unknown;
  /** Knows the request's key; without it only the patterns apply (a redactor that knows it can redact the error again). */
  redactor?: Redactor;
}

/** The patterns only, for errors built where the request's key is not at hand. */
export const patterns = new Redactor();

/** Long enough to read, short enough to match and to show: bodies can be megabytes. */
export const MAX_MESSAGE_CHARS = 1000;
/** Our own sentence around a provider message, a redirect target or a socket error. */
const MAX_SENTENCE_CHARS = 2000;
/** Codes and request ids are short; one that is not is not shown whole. */
const MAX_ID_CHARS = 200;
const MAX_STACK_CHARS = 4000;
/** Foreign causes are summarised this deep; Node's own chains are two or three long. */
const MAX_CAUSE_DEPTH = 5;

/**
 * A foreign cause as a plain Error holding only redacted text: name, message, stack and a string
 * `code` (which tells DNS, refused and TLS apart), recursively. Anything else it carried (a URL
 * error's `input`, a socket's address, an AggregateError's errors) is left behind.
 */
function summarizeCause(cause: unknown, redactor: Redactor, depth = 0): unknown {
  if (cause === undefined || depth >= MAX_CAUSE_DEPTH) return undefined;
  if (cause instanceof ProviderError) return cause.redactedWith(redactor);
  if (!(cause instanceof Error))
    return new Error(redactor.clip(typeof cause === 'string' ? cause : describeValue(cause), MAX_MESSAGE_CHARS));
  const inner = summarizeCause(cause.cause, redactor, depth + 1);
  const summary = new Error(
    redactor.clip(String(cause.message), MAX_MESSAGE_CHARS),
    inner === undefined ? undefined : { cause: inner },
  );
  summary.name = redactor.clip(String(cause.name), MAX_ID_CHARS);
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(summary, { code: redactor.clip(code, MAX_ID_CHARS) });
  summary.stack =
    typeof cause.stack === 'string'
      ? redactor.clip(cause.stack, MAX_STACK_CHARS)
      : `${summary.name}: ${summary.message}`;
  return summary;
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function causeJson(cause: unknown): unknown {
  if (cause instanceof ProviderError) return cause.toJSON();
  if (!(cause instanceof Error)) return undefined;
  const code = (cause as { code?: unknown }).code;
  return {
    name: cause.name,
    message: cause.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(cause.cause === undefined ? {} : { cause: causeJson(cause.cause) }),
  };
}

/**
 * Every failure a provider call can end in, typed so callers can act on it (retry, fall back, ask
 * for a key). Redaction is built in: every string field is redacted (then cut short) here, the one
 * place they are set, and a foreign cause is kept only as a redacted summary, so neither the
 * fields, nor `cause`, nor JSON.stringify, nor util.inspect can show a key.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly code?: string;
  readonly providerMessage?: string;
  readonly requestId?: string;
  readonly budgetId?: string;

  constructor(kind: ProviderErrorKind, message: string, details: ProviderErrorDetails = {}) {
    const redactor = details.redactor ?? patterns;
    const cause = summarizeCause(details.cause, redactor);
    super(redactor.clip(message, MAX_SENTENCE_CHARS), cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.code = details.code === undefined ? undefined : redactor.clip(details.code, MAX_ID_CHARS);
    this.providerMessage =
      details.providerMessage === undefined ? undefined : redactor.clip(details.providerMessage, MAX_MESSAGE_CHARS);
    this.requestId = details.requestId === undefined ? undefined : redactor.clip(details.requestId, MAX_ID_CHARS);
    this.budgetId = details.budgetId === undefined ? undefined : redactor.clip(details.budgetId, MAX_ID_CHARS);
  }

  /** The same error redacted again by a redactor that knows the request's key (where it leaves the provider). */
  redactedWith(redactor: Redactor): ProviderError {
    const { kind, message, status, retryAfterMs, code, providerMessage, requestId, budgetId, cause } = this;
    return new ProviderError(kind, message, {
      status,
      retryAfterMs,
      code,
      providerMessage,
      requestId,
      budgetId,
      cause,
      redactor,
    });
  }

  /** Only the (redacted) fields, the cause as its summary: what a log or a report may show. */
  toJSON(): Record<string, unknown> {
    const { name, kind, message, status, retryAfterMs, code, providerMessage, requestId, budgetId } = this;
    return {
      name,
      kind,
      message,
      status,
      retryAfterMs,
      code,
      providerMessage,
      requestId,
      ...(budgetId === undefined ? {} : { budgetId }),
      cause: causeJson(this.cause),
    };
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}
