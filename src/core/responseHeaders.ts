import type { RateLimitInfo, ResponseMetadata } from './types';

// What a response's headers say: the request id and the rate-limit headroom, read the same for every provider.

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
