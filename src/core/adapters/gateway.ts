import * as z from '../zod';
import { periodKey, type EnforcedBudget } from '../cost/budgets';
import { ProviderError } from '../errors';
import { RequestScope, send, type TransportConfig } from '../http';
import { readJson } from '../httpBody';
import { liteLlmKeyHash, readLiteLlmSpendLog, spendLogPath, type GatewayDay } from './gatewaySpend';
import { valid } from './listings';

// What a team's gateway knows about the key Switchboard sends: its spend, its budget and when that
// resets, the team's budget, the models the key may use. Read from LiteLLM proxy's `/key/info` and
// `/team/info` and OpenRouter's `/api/v1/key`. Every number passes a zod check on its own: a bad
// field is dropped, never the whole answer, and never read as a budget of $0 or of infinity.

/** Which gateway a provider is (a template's `modelListing`: LiteLLM proxy or OpenRouter). */
export type GatewayKind = 'litellm' | 'openrouter';

/** A spend limit as the gateway keeps it, in US dollars. */
export interface GatewayBudget {
  spentUsd?: number;
  /** Undefined: the gateway sets no limit. */
  limitUsd?: number;
  /** What is left: the lower of the gateway's own figure and the limit minus the spend; 0 to the limit. */
  remainingUsd?: number;
  /** When the spend goes back to 0 (ms since the epoch). */
  resetAt?: number;
  /** "30d", "monthly", … as the gateway says it. */
  period?: string;
}

export interface GatewayStatus {
  gateway: GatewayKind;
  /** When this was read (ms since the epoch). */
  at: number;
  key: GatewayBudget & {
    name?: string;
    expiresAt?: number;
    /** The models the key may use; undefined: every model the gateway has. */
    models?: string[];
    teamId?: string;
    freeTier?: boolean;
  };
  /** LiteLLM: the team the key belongs to, where the key may read it. */
  team?: GatewayBudget & { name?: string; models?: string[] };
}

/** A JSON GET on the gateway with the key: rejects with a ProviderError (a 404 says the route is not there). */
export type GatewayGet = (path: string, signal?: AbortSignal) => Promise<unknown>;

const dollars = z.number().check(z.nonnegative());
const text = z.string().check(z.minLength(1), z.maxLength(200));
const instant = z.pipe(
  z.string().check(z.maxLength(64)),
  z.transform((value, context) => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) {
      context.issues.push({ code: 'custom', message: 'not a date', input: value });
      return z.NEVER;
    }
    return ms;
  }),
);
const modelNames = z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.maxLength(10_000));
/** LiteLLM's names for "no restriction" in a key's or team's model list. */
const EVERY_MODEL = new Set(['*', 'all-proxy-models', 'all-team-models']);

function allowed(raw: unknown): string[] | undefined {
  const names = valid(modelNames, raw);
  if (!names || names.length === 0 || names.some((name) => EVERY_MODEL.has(name))) return undefined;
  return names;
}

function budget(spent: unknown, limit: unknown, remaining: unknown, resetAt: unknown, period: unknown): GatewayBudget {
  const spentUsd = valid(dollars, spent);
  const limitUsd = valid(dollars, limit);
  const stated = valid(z.number(), remaining);
  // The smaller of what the gateway says is left and what its own figures leave: one wrong number
  // must not let more through.
  const candidates = [stated, spentUsd === undefined ? undefined : limitUsd! - spentUsd].filter(
    (value) => value !== undefined,
  );
  const remainingUsd =
    limitUsd === undefined || candidates.length === 0 ? undefined : Math.max(0, Math.min(limitUsd, ...candidates));
  return { spentUsd, limitUsd, remainingUsd, resetAt: valid(instant, resetAt), period: valid(text, period) };
}

const record = z.record(z.string(), z.unknown());

/** LiteLLM `GET /key/info`: `{ key, info: { spend, max_budget, budget_duration, budget_reset_at, models, team_id, expires, key_alias } }`. */
export function readLiteLlmKeyInfo(json: unknown, at: number): GatewayStatus | undefined {
  const info = valid(record, valid(record, json)?.info);
  if (!info) return undefined;
  return {
    gateway: 'litellm',
    at,
    key: {
      ...budget(info.spend, info.max_budget, undefined, info.budget_reset_at, info.budget_duration),
      name: valid(text, info.key_alias),
      expiresAt: valid(instant, info.expires),
      models: allowed(info.models),
      teamId: valid(text, info.team_id),
    },
  };
}

/** LiteLLM `GET /team/info?team_id=…`: `{ team_id, team_info: { team_alias, spend, max_budget, budget_duration, budget_reset_at, models } }`. */
export function readLiteLlmTeamInfo(json: unknown): GatewayStatus['team'] {
  const info = valid(record, valid(record, json)?.team_info);
  if (!info) return undefined;
  return {
    ...budget(info.spend, info.max_budget, undefined, info.budget_reset_at, info.budget_duration),
    name: valid(text, info.team_alias),
    models: allowed(info.models),
  };
}

/** OpenRouter `GET /api/v1/key`: `{ data: { label, limit, usage, limit_remaining, limit_reset, is_free_tier, expires_at } }`. */
export function readOpenRouterKey(json: unknown, at: number): GatewayStatus | undefined {
  const data = valid(record, valid(record, json)?.data);
  if (!data) return undefined;
  const freeTier = valid(z.boolean(), data.is_free_tier);
  // `usage` is everything the key ever spent; a limit that resets holds the period's spend
  // (`usage_daily`, `usage_weekly`, `usage_monthly`), and `limit_remaining` is the period's too.
  const period = valid(z.enum(['daily', 'weekly', 'monthly']), data.limit_reset);
  const spent = period ? data[`usage_${period}`] : data.usage;
  return {
    gateway: 'openrouter',
    at,
    key: {
      ...budget(spent, data.limit, data.limit_remaining, undefined, data.limit_reset),
      name: valid(text, data.label),
      expiresAt: valid(instant, data.expires_at),
      freeTier,
    },
  };
}

/** Where each gateway answers for the key, relative to `gatewayUrl`'s root. */
function keyPath(kind: GatewayKind): string {
  return kind === 'litellm' ? '/key/info' : '/key';
}

/**
 * A gateway route as a URL: LiteLLM proxy's management routes (`/key/info`, `/team/info`,
 * `/spend/logs`) hang off the proxy's root, not its OpenAI-compatible `/v1`; OpenRouter's key route
 * is beside its models, under `/api/v1`.
 */
export function gatewayUrl(kind: GatewayKind, baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${kind === 'litellm' ? base.replace(/\/v1$/, '') : base}${path}`;
}

/** A route the gateway does not have (an older LiteLLM) or the key may not read: not worth showing. */
const isMissing = (error: unknown) =>
  error instanceof ProviderError &&
  // OpenRouter says "Key limit exceeded" with a 403: that is the refusal, not a route it lacks.
  error.kind !== 'quota_exceeded' &&
  (error.status === 404 || error.status === 403 || error.status === 405);

/**
 * What the gateway says about the key (and, for LiteLLM, its team where the key may read it).
 * Undefined when the gateway offers neither route to this key; a refused key (expired, blocked,
 * over budget: every LiteLLM route checks it) rejects, so the caller sees the refusal itself.
 */
export async function readGatewayStatus(
  kind: GatewayKind,
  get: GatewayGet,
  now: () => number,
  signal?: AbortSignal,
): Promise<GatewayStatus | undefined> {
  let json: unknown;
  try {
    json = await get(keyPath(kind), signal);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  const status = kind === 'litellm' ? readLiteLlmKeyInfo(json, now()) : readOpenRouterKey(json, now());
  const teamId = status?.key.teamId;
  if (!status || teamId === undefined) return status;
  try {
    status.team = readLiteLlmTeamInfo(await get(`/team/info?team_id=${encodeURIComponent(teamId)}`, signal));
  } catch (error) {
    if (!isMissing(error) && !(error instanceof ProviderError && error.kind === 'invalid_credentials')) throw error;
  }
  return status;
}

/** The most this key may still spend by the gateway's last answer (key and team limits both hold); undefined: no limit known. */
export function gatewayRemaining(status: GatewayStatus): number | undefined {
  const limits = [status.key.remainingUsd, status.team?.remainingUsd].filter((value) => value !== undefined);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/** The models the key may use (the key's own list, else its team's); undefined: any. */
export function gatewayModels(status: GatewayStatus): string[] | undefined {
  return status.key.models ?? status.team?.models;
}

/** When the soonest limit that binds resets. */
export function gatewayResetAt(status: GatewayStatus): number | undefined {
  const binding = [status.key, status.team].filter(
    (limit): limit is GatewayBudget =>
      limit?.remainingUsd !== undefined && limit.remainingUsd === gatewayRemaining(status),
  );
  return binding.map((limit) => limit.resetAt).find((at) => at !== undefined);
}

/** A gateway status and what this machine had spent on the provider this month when it was read. */
export interface GatewayReading {
  status: GatewayStatus;
  /** The ledger's spend on the provider in the month of `status.at`, as it stood when the status was read. */
  monthSpentAtRead: number;
}

/** The ids of the budgets a team gateway's remaining credit makes (one per gateway provider). */
export const GATEWAY_BUDGET_PREFIX = 'gateway:';

/**
 * The gateway's last known remaining credit as a budget the guard enforces before sending, in the
 * user's mode. The guard counts this month's spend and every window's in-flight reservations
 * against it, so the headroom is what the gateway said was left, minus what this machine spent
 * since, minus what is in flight: the limit is that remainder plus the spend already counted at the
 * read. After a read in an earlier month, what was spent in that month after the read comes off the
 * remainder, and all of this month's spend counts as after it (`readMonthSpentNow`: the ledger's
 * spend in the read's month as it stands now). Teammates spend at the same time and the gateway
 * updates its figures late: it stays the authority, and its refusal is the backstop.
 */
export function gatewayBudget(
  providerId: string,
  providerName: string,
  reading: GatewayReading,
  mode: 'ask' | 'stop',
  now: number,
  readMonthSpentNow: number,
): EnforcedBudget | undefined {
  const remaining = gatewayRemaining(reading.status);
  if (remaining === undefined) return undefined;
  const sameMonth = periodKey('monthly', reading.status.at) === periodKey('monthly', now);
  const limitUsd = sameMonth
    ? remaining + reading.monthSpentAtRead
    : Math.max(0, remaining - Math.max(0, readMonthSpentNow - reading.monthSpentAtRead));
  return {
    id: `${GATEWAY_BUDGET_PREFIX}${providerId}`,
    scope: { kind: 'provider', providerId },
    period: 'monthly',
    limitUsd,
    // The low-credit warning is the gateway view's to give, once per period.
    alertAt: 1,
    mode,
    label: `${providerName} key's remaining credit`,
  };
}

/** What a provider that is a team gateway can say about the key it is given (Provider.gateway). */
export interface GatewayReader {
  readonly kind: GatewayKind;
  /** The key's (and its team's) spend and limits; undefined where the gateway offers no such route. */
  status(signal?: AbortSignal): Promise<GatewayStatus | undefined>;
  /** LiteLLM only: the key's spend log by day between two days (`YYYY-MM-DD`, inclusive); undefined where unreadable. */
  spendLog(
    from: string,
    to: string,
    signal?: AbortSignal,
  ): Promise<{ days: GatewayDay[]; skipped: number } | undefined>;
}

/** A gateway reader over the provider's own transport: its fetch, timeouts, key and redaction. */
export function gatewayReader(
  kind: GatewayKind,
  baseUrl: string,
  transport: TransportConfig,
  headers: () => Record<string, string>,
  apiKey: string | undefined,
): GatewayReader {
  const get: GatewayGet = async (path, signal) => {
    const scope = new RequestScope(transport, signal);
    try {
      const response = await send(transport, scope, { url: gatewayUrl(kind, baseUrl, path), headers: headers() });
      return await readJson(transport, response, scope);
    } finally {
      scope.close();
    }
  };
  return {
    kind,
    status: (signal) => readGatewayStatus(kind, get, transport.clock.now.bind(transport.clock), signal),
    async spendLog(from, to, signal) {
      if (kind !== 'litellm' || !apiKey) return undefined;
      try {
        return readLiteLlmSpendLog(await get(spendLogPath(await liteLlmKeyHash(apiKey), from, to), signal));
      } catch (error) {
        // A key that may not read the log (only admins may, in some setups) leaves nothing to compare.
        if (isMissing(error) || (error instanceof ProviderError && error.kind === 'invalid_credentials'))
          return undefined;
        throw error;
      }
    },
  };
}
