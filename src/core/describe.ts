import { ProviderError, type ProviderErrorKind } from './errors';
import { SKIP_WORDS, type RouteEvent, type RouteTarget } from './routing';

/** Every surface (chat, notifications, progress, the log) puts an error kind into the same words. */
const ERROR_WORDS: Record<ProviderErrorKind, string> = {
  invalid_credentials: 'key refused',
  rate_limited: 'rate limited',
  quota_exceeded: 'out of quota',
  model_not_found: 'model not found',
  overloaded: 'overloaded',
  server_error: 'server error',
  bad_request: 'request refused',
  network: 'unreachable',
  timeout: 'timed out',
  content_filter: 'blocked by a content filter',
  cancelled: 'cancelled',
};

/** "rate limited", "key refused": a kind in a few words, to follow a model's name. */
export function describeError(kind: ProviderErrorKind): string {
  // Kinds arrive from stored data and other windows too: an unknown one is still readable.
  return (ERROR_WORDS as Partial<Record<string, string>>)[kind] ?? kind.replace(/_/g, ' ');
}

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))} s`;

/** "OpenAI: rate limited — retrying in 12 s": what a wait is for, in the user's words. */
export function describeWait(event: Extract<RouteEvent, { type: 'route-wait' }>): string {
  if (event.reason === 'pacing')
    return `${event.target.providerName} has no requests left for now (its rate-limit headers) — waiting ${seconds(event.delayMs)}`;
  return `${event.target.providerName}: ${describeError(event.reason.kind)} — retrying in ${seconds(event.delayMs)}`;
}

/** "Anthropic claude-sonnet-4-5", and why it was picked when the user did not list it. */
function trying(to: RouteTarget): string {
  return `trying ${to.providerName} ${to.model}${to.automatic ? ' (automatic failover: your fallback chain is empty, so the cheapest other provider that can take this request)' : ''}`;
}

/** "OpenAI gpt-4o failed (503); trying Anthropic claude-sonnet-4-5". */
export function describeSwitch(event: Extract<RouteEvent, { type: 'route-switch' }>): string {
  return `${event.from.providerName} ${event.from.model} failed (${event.error.status ?? describeError(event.error.kind)}); ${trying(event.to)}`;
}

/** "OpenAI gpt-4o skipped (paused after repeated failures); trying Anthropic claude-sonnet-4-5". */
export function describeSkipSwitch(event: Extract<RouteEvent, { type: 'route-skip-switch' }>): string {
  return `${event.from.providerName} ${event.from.model} skipped (${SKIP_WORDS[event.reason]}); ${trying(event.to)}`;
}

/** What any failure says to the user: its own sentence (errors here are written to be read), else its kind. */
export function describeFailure(error: unknown): string {
  if (error instanceof ProviderError) return error.message || describeError(error.kind);
  return error instanceof Error ? error.message : String(error);
}
