import { MAX_MESSAGE_CHARS, patterns, ProviderError, type ProviderErrorKind } from './errors';
import type { Redactor } from './redact';

/**
 * A provider's error answer as a ProviderError: the body read in any API family's shape, its code
 * or type (then its wording, then the HTTP status) deciding the kind, Retry-After read from the
 * headers or the body, and a message a person can act on.
 */

/** What an error body said, whichever provider's shape it came in. */
interface ErrorBody {
  code?: string;
  type?: string;
  message?: string;
  /** Gemini's google.rpc details: ErrorInfo reason, QuotaFailure quota ids, RetryInfo delay. */
  reasons: string[];
  quotaIds: string[];
  retryDelayMs?: number;
  /** OpenRouter's moderation metadata: the input was flagged (`reasons`, `flagged_input`). */
  moderation?: { reasons: string[] };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** `"33s"` or `"1.5s"` (google.protobuf.Duration in JSON) to milliseconds. */
function parseDuration(value: unknown): number | undefined {
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/**
 * Reads the error shapes of every API family:
 * OpenAI-style `{error:{message,type,code}}`, Anthropic `{type:"error",error:{type,message}}`,
 * Gemini `{error:{code,message,status,details}}`, Ollama `{error:"…"}`, xAI `{code,error:"…"}`.
 */
export function parseErrorBody(json: unknown): ErrorBody {
  const body: ErrorBody = { reasons: [], quotaIds: [] };
  const root = Array.isArray(json) ? asRecord(json[0]) : asRecord(json);
  if (!root) return body;
  const error = asRecord(root.error);
  if (error) {
    body.message = asString(error.message);
    body.type = asString(error.type) ?? asString(error.status);
    body.code = asString(error.code);
    for (const detail of Array.isArray(error.details) ? error.details : []) {
      const entry = asRecord(detail);
      if (!entry) continue;
      const reason = asString(entry.reason);
      if (reason) body.reasons.push(reason);
      for (const violation of Array.isArray(entry.violations) ? entry.violations : []) {
        const quotaId = asString(asRecord(violation)?.quotaId);
        if (quotaId) body.quotaIds.push(quotaId);
      }
      body.retryDelayMs ??= parseDuration(entry.retryDelay);
    }
    // OpenRouter: `{error:{code:403, message, metadata:{reasons:[…], flagged_input, provider_name, model_slug}}}`.
    const metadata = asRecord(error.metadata);
    if (metadata && (Array.isArray(metadata.reasons) || typeof metadata.flagged_input === 'string')) {
      const reasons = Array.isArray(metadata.reasons) ? metadata.reasons : [];
      body.moderation = { reasons: reasons.filter((reason): reason is string => typeof reason === 'string') };
    }
  } else {
    body.message = asString(root.error) ?? asString(root.message) ?? asString(root.detail);
    body.code = asString(root.code);
    body.type = asString(root.type);
  }
  return body;
}

/** `retry-after-ms`, else `retry-after` as seconds or an HTTP date, else a body's retry delay. */
export function parseRetryAfter(headers: Headers, bodyDelayMs?: number, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value !== null && value.trim() !== '') {
    if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return bodyDelayMs;
}

// Provider codes and types (lower-cased), checked before any wording.
const CODE_KINDS: Array<[ProviderErrorKind, string[]]> = [
  [
    'invalid_credentials',
    ['api_key_invalid', 'invalid_api_key', 'authentication_error', 'unauthenticated', 'incorrect_api_key'],
  ],
  [
    'quota_exceeded',
    [
      'insufficient_quota',
      'billing_hard_limit_reached',
      'insufficient_balance',
      'insufficient_credits',
      // LiteLLM proxy: a key's, team's or user's budget is spent (status 400, 429 or 422 by release).
      'budget_exceeded',
    ],
  ],
  ['content_filter', ['content_filter', 'content_policy_violation', 'image_content_policy_violation']],
  ['overloaded', ['overloaded_error', 'overloaded', 'unavailable']],
  ['timeout', ['deadline_exceeded', 'timeout', 'request_timeout']],
  ['model_not_found', ['model_not_found', 'deploymentnotfound']],
  ['rate_limited', ['rate_limit_exceeded', 'rate_limit_error', 'rate_limited', 'too_many_requests']],
  // Responses API `response.failed` codes for input the model will never accept.
  [
    'bad_request',
    [
      'invalid_prompt',
      'invalid_image',
      'invalid_image_format',
      'invalid_base64_image',
      'invalid_image_url',
      'image_too_large',
      'image_too_small',
      'image_parse_error',
      'unsupported_image_media_type',
      'empty_image_file',
    ],
  ],
];
const CONTEXT_CODES = ['context_length_exceeded', 'string_above_max_length'];

// Wording, for providers whose bodies carry no usable code; each applies only where noted.
// Bounded gaps: an unbounded [\w\s-]* backtracks quadratically on a long hostile message.
const INVALID_KEY_WORDS =
  /\b(invalid|incorrect|missing|malformed)\b[\w\s-]{0,40}api[\s_-]?key|api[\s_-]?key[\w\s-]{0,40}\b(invalid|not valid|expired)\b|invalid x-api-key/i;
const QUOTA_WORDS =
  /credit balance is too low|insufficient[\s_]?(balance|quota|credits)|exceeded your current quota|out of credits/i;
const MODEL_WORDS =
  /model[\w\s`'"./:-]{0,80}(not found|does not exist|unknown|is not supported|not available)|unknown model|no such model/i;
const CONTEXT_WORDS = /context[_\s-]?length|maximum context|context window|prompt is too long|input is too long/i;
const FILTER_WORDS = /content[_\s-]?(filter|policy|management)|safety system|responsibleai/i;
// Gateways (LiteLLM proxy, OpenRouter) refusing the key they issued, not the request.
const LITELLM_MODEL_DENIED = [
  'key_model_access_denied',
  'team_model_access_denied',
  'user_model_access_denied',
  'org_model_access_denied',
];
const MODEL_DENIED_WORDS = /not allowed to access (this )?model|does not have access to (this |the )?model/i;
const KEY_LIMIT_WORDS = /\bkey limit exceeded|budget[\w\s]{0,30}(exceeded|reached|spent)|exceeded[\w\s]{0,30}budget/i;
const EXPIRED_KEY_WORDS = /\bexpired key|key (has )?expired/i;
const BLOCKED_KEY_WORDS = /key is blocked|blocked key/i;

const MESSAGES: Record<ProviderErrorKind, (provider: string, status: number, said: string) => string> = {
  invalid_credentials: (p, s, said) => `${p} rejected the API key (${s})${said}`,
  quota_exceeded: (p, s, said) => `${p} quota or credit is used up (${s})${said}`,
  content_filter: (p, s, said) => `${p} blocked the request with its content filter (${s})${said}`,
  overloaded: (p, s, said) => `${p} is overloaded (${s}); try again shortly${said}`,
  timeout: (p, s, said) => `${p} timed out (${s})${said}`,
  model_not_found: (p, s, said) => `${p} does not have this model (${s})${said}`,
  rate_limited: (p, s, said) => `${p} rate limit reached (${s})${said}`,
  server_error: (p, s, said) => `${p} had a server error (${s})${said}`,
  bad_request: (p, s, said) => `${p} rejected the request (${s})${said}`,
  network: (p, _s, said) => `Could not reach ${p}${said}`,
  cancelled: () => 'The request was cancelled',
};

export interface HttpErrorInput {
  /** Who answered, for the message: "OpenAI", "Anthropic", … */
  providerName: string;
  status: number;
  headers: Headers;
  bodyText: string;
  now?: number;
  /** The request's: knows its key. */
  redactor?: Redactor;
}

function bodyJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

function isHtml(text: string): boolean {
  return /^\s*(<!doctype html|<html|<head|<body|<center|<h1)/i.test(text);
}

function requestIdOf(headers: Headers): string | undefined {
  return (
    headers.get('x-request-id') ??
    headers.get('request-id') ??
    headers.get('x-goog-request-id') ??
    headers.get('cf-ray') ??
    undefined
  );
}

/** Classifies an HTTP error response: by the body's code or type first, then by the status. */
export function classifyHttpError(input: HttpErrorInput): ProviderError {
  const { providerName, status, headers } = input;
  const json = bodyJson(input.bodyText);
  const body = parseErrorBody(json);
  const html = json === undefined && isHtml(input.bodyText);
  const rawMessage = body.message ?? (html || input.bodyText.trim() === '' ? undefined : input.bodyText.trim());
  // Matched on, never shown: what is shown is redacted first and cut after.
  const sample = rawMessage?.slice(0, MAX_MESSAGE_CHARS) ?? '';
  const providerMessage =
    rawMessage === undefined ? undefined : (input.redactor ?? patterns).clip(rawMessage, MAX_MESSAGE_CHARS);
  const codes = [body.code, body.type, ...body.reasons]
    .filter((value): value is string => value !== undefined)
    .map((value) => value.toLowerCase());
  const text = `${codes.join(' ')} ${sample}`;
  const has = (...names: string[]) => names.some((name) => codes.includes(name));
  const details = {
    status,
    // The most specific: Gemini's reason, else a non-numeric code, else the type.
    code: body.reasons[0] ?? (body.code !== undefined && !/^\d+$/.test(body.code) ? body.code : undefined) ?? body.type,
    providerMessage,
    requestId: requestIdOf(headers),
    retryAfterMs: parseRetryAfter(headers, body.retryDelayMs, input.now),
    redactor: input.redactor,
  };
  const said = providerMessage ? `: ${providerMessage}` : '';
  // A used-up quota does not come back in seconds: a Retry-After there would invite a pointless wait.
  const make = (kind: ProviderError['kind'], message: string) =>
    new ProviderError(kind, message, kind === 'quota_exceeded' ? { ...details, retryAfterMs: undefined } : details);

  // The body's code first: the same status means different things per provider.
  if (has(...CONTEXT_CODES) || ([400, 413, 422].includes(status) && CONTEXT_WORDS.test(text))) {
    return new ProviderError(
      'bad_request',
      `The prompt is longer than the model's context window (${providerName}, ${status})${said}`,
      {
        ...details,
        code: 'context_length_exceeded',
      },
    );
  }
  // In order; the first that holds decides. Gemini says RESOURCE_EXHAUSTED both for a per-day
  // quota that is used up and for a per-minute limit that resets.
  const rules: Array<[boolean, ProviderErrorKind]> = [
    // OpenRouter answers flagged input with a 403, which would otherwise read as a rejected key.
    [body.moderation !== undefined, 'content_filter'],
    [body.quotaIds.some((id) => /per_?day/i.test(id)), 'quota_exceeded'],
    ...CODE_KINDS.map(([kind, names]): [boolean, ProviderErrorKind] => [has(...names), kind]),
    [has('resource_exhausted'), 'rate_limited'],
    [status === 400 && INVALID_KEY_WORDS.test(text), 'invalid_credentials'],
    [QUOTA_WORDS.test(text), 'quota_exceeded'],
    [status === 400 && FILTER_WORDS.test(text), 'content_filter'],
    [status === 404 && MODEL_WORDS.test(text), 'model_not_found'],
    // Anthropic says not_found_error for a missing model ("model: <id>") and for a wrong path ("Not Found").
    [has('not_found_error') && /^model\b/i.test(sample), 'model_not_found'],
  ];
  const kind = rules.find(([holds]) => holds)?.[1];
  // A gateway's refusal of its own key wins over the rules: older LiteLLM sends `auth_error` (a
  // rejected key by its code) for a model the key may not use.
  const gateway = gatewayRefusal(has, sample, status);
  if (gateway) return make(gateway.kind, gateway.words(providerName, status, said));
  // A request bigger than a per-minute limit (OpenAI 429, Groq 413) fails the same way on every retry.
  if (status === 413 || /request too large/i.test(sample)) {
    return new ProviderError('bad_request', `The request is too large for ${providerName} (${status})${said}`, {
      ...details,
      code: 'request_too_large',
    });
  }
  if (kind === 'content_filter' && body.moderation?.reasons.length) {
    const reasons = (input.redactor ?? patterns).clip(body.moderation.reasons.join(', '), 200);
    return make(kind, `${MESSAGES[kind](providerName, status, said)} (flagged: ${reasons})`);
  }
  if (kind) return make(kind, MESSAGES[kind](providerName, status, said));

  switch (true) {
    case status === 401 || status === 403:
      return make('invalid_credentials', MESSAGES.invalid_credentials(providerName, status, said));
    case status === 402:
      return make('quota_exceeded', MESSAGES.quota_exceeded(providerName, status, said));
    case status === 429:
      return make('rate_limited', MESSAGES.rate_limited(providerName, status, said));
    case status === 503 || status === 529:
      return make('overloaded', MESSAGES.overloaded(providerName, status, said));
    case status === 504 || status === 408:
      return make('timeout', MESSAGES.timeout(providerName, status, said));
    case status === 404:
      return make('bad_request', `${providerName} has no such endpoint (404); check the base URL${said}`);
    case status >= 500:
      return make(
        'server_error',
        html
          ? `${providerName} (or a proxy in front of it) returned an HTML error page (${status})`
          : MESSAGES.server_error(providerName, status, said),
      );
    case html:
      return make('bad_request', `${providerName} (or a proxy in front of it) returned an HTML error page (${status})`);
    default:
      return make('bad_request', MESSAGES.bad_request(providerName, status, said));
  }
}

/**
 * A team gateway refusing the key it issued: by LiteLLM's `error.type` (never its status, which
 * changed across releases and is also a rate limit's) or, for OpenRouter, by its wording on 402/403.
 */
function gatewayRefusal(
  has: (...names: string[]) => boolean,
  sample: string,
  status: number,
): { kind: ProviderErrorKind; words: (provider: string, status: number, said: string) => string } | undefined {
  if (has(...LITELLM_MODEL_DENIED) || MODEL_DENIED_WORDS.test(sample))
    return {
      kind: 'model_not_found',
      words: (p, s, said) => `${p} does not allow this model for this key (${s})${said}`,
    };
  if (has('expired_key') || EXPIRED_KEY_WORDS.test(sample))
    return { kind: 'invalid_credentials', words: (p, s, said) => `${p} says the key has expired (${s})${said}` };
  if (BLOCKED_KEY_WORDS.test(sample))
    return { kind: 'invalid_credentials', words: (p, s, said) => `${p} says the key is blocked (${s})${said}` };
  if (has('budget_exceeded') || ([402, 403].includes(status) && KEY_LIMIT_WORDS.test(sample)))
    return {
      kind: 'quota_exceeded',
      words: (p, s, said) => `${p} refused the request: the budget of this key or its team is spent (${s})${said}`,
    };
  return undefined;
}

/**
 * Classifies an error object that arrived inside a 200 stream (OpenAI-style `error`, Anthropic `event: error`).
 * Without the request's redactor the patterns apply; the provider redacts the error again as it leaves.
 */
export function classifyStreamError(
  providerName: string,
  json: unknown,
  headers: Headers = new Headers(),
  redactor?: Redactor,
): ProviderError {
  const body = parseErrorBody(json);
  const code = body.code ?? body.type;
  const numeric = code !== undefined && /^\d{3}$/.test(code) ? Number(code) : undefined;
  const error = classifyHttpError({
    providerName,
    // OpenRouter puts an HTTP status in `code`; otherwise let the code or type decide.
    status: numeric ?? 500,
    headers,
    bodyText: JSON.stringify(json),
    redactor,
  });
  return new ProviderError(error.kind, `${error.message} (during the response)`, {
    status: numeric,
    code: error.code,
    providerMessage: error.providerMessage,
    retryAfterMs: error.retryAfterMs,
    requestId: error.requestId,
    redactor,
  });
}
