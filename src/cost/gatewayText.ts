import { formatUsd as usd, type GatewayBudget, type GatewayStatus } from '../core';

// A team gateway's figures in words: "Team gateway: $41.20 of $100 this month, resets in 9 days".

const DAY_MS = 86_400_000;

/** A limit as people set it: "$100", "$1,000", "$12.50". */
const limitUsd = (value: number) => (Number.isInteger(value) ? `$${value.toLocaleString('en-US')}` : usd(value));

/** The gateway's budget period ("30d", "monthly", "1mo", OpenRouter's "daily") as the spend's span. */
export function periodWords(period: string | undefined): string {
  if (period === undefined) return 'in total';
  if (/^(1mo|30d|monthly|month|1 ?month)$/i.test(period)) return 'this month';
  if (/^(1d|24h|daily|day)$/i.test(period)) return 'today';
  if (/^(7d|1w|weekly|week)$/i.test(period)) return 'this week';
  return `per ${period}`;
}

/** "resets in 9 days", "resets in 5 hours"; nothing for a time passed or unknown. */
export function resetWords(resetAt: number | undefined, now: number): string | undefined {
  if (resetAt === undefined || resetAt <= now) return undefined;
  const days = Math.round((resetAt - now) / DAY_MS);
  if (days >= 1) return `resets in ${days} ${days === 1 ? 'day' : 'days'}`;
  const hours = Math.max(1, Math.round((resetAt - now) / 3_600_000));
  return `resets in ${hours} ${hours === 1 ? 'hour' : 'hours'}`;
}

/** One limit as the gateway keeps it, with this machine's spend since the read added. */
function limitLine(who: string, limit: GatewayBudget, since: number, now: number): string {
  const spent = (limit.spentUsd ?? 0) + since;
  if (limit.limitUsd === undefined) return `${who}: ${usd(spent)} spent ${periodWords(limit.period)}, no limit set`;
  const left = Math.max(0, (limit.remainingUsd ?? limit.limitUsd - (limit.spentUsd ?? 0)) - since);
  const reset = resetWords(limit.resetAt, now);
  return `${who}: ${usd(spent)} of ${limitUsd(limit.limitUsd)} ${periodWords(limit.period)}${reset ? `, ${reset}` : ''} (${usd(left)} left)`;
}

/**
 * The lines a provider's card, the status bar tooltip and the usage view show for a gateway's last
 * answer; `since`: what this machine spent on it after that answer (the ledger's, no request).
 */
export function gatewayLines(status: GatewayStatus, since: number, now: number, withModels = true): string[] {
  const lines = [limitLine('Team gateway', status.key, since, now)];
  if (status.team)
    lines.push(limitLine(`Team ${status.team.name ?? status.key.teamId ?? ''}`.trim(), status.team, since, now));
  const expires = status.key.expiresAt;
  if (expires !== undefined && expires > now && expires - now < 14 * DAY_MS)
    lines.push(`The key expires on ${new Date(expires).toLocaleDateString('en-CA')}`);
  const models = status.key.models ?? status.team?.models;
  if (withModels && models)
    lines.push(`Models this key may use: ${models.slice(0, 20).join(', ')}${models.length > 20 ? ', …' : ''}`);
  return lines;
}

/** The limits that are low: each with what is left of it, live. */
export function lowLimits(
  status: GatewayStatus,
  since: number,
  percent: number,
): Array<{ which: 'key' | 'team'; left: number; limit: GatewayBudget }> {
  if (percent <= 0) return [];
  return (
    [
      ['key', status.key],
      ['team', status.team],
    ] as const
  ).flatMap(([which, limit]) => {
    if (!limit || limit.limitUsd === undefined || limit.remainingUsd === undefined || limit.limitUsd <= 0) return [];
    const left = Math.max(0, limit.remainingUsd - since);
    return left / limit.limitUsd < percent / 100 ? [{ which, left, limit }] : [];
  });
}
