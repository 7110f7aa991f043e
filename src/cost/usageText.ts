import {
  counted,
  describeDisagreement,
  describeSurfaces,
  formatUsd as usd,
  surfaceParts,
  type Registry,
  type Totals,
} from '../core';
import type { CostService, UsageText } from '../services';

/** The short version for chat (`@switchboard /usage`): spend, projection, top providers and models, budgets as bars. */
export function usageSummary(cost: CostService, registry: Registry, now = Date.now()): string {
  const date = new Date(now);
  const monthStart = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
  const today = cost.totals(now, now).get('all');
  const month = cost.totals(monthStart, now).get('all');
  const lines = [
    `**Today** ${usd(today?.usd ?? 0)} (${requests(today)}) · **This month** ${usd(month?.usd ?? 0)} (${requests(month)}) · on track for **${usd(cost.ledger.projectedMonthUsd(now))}**`,
  ];
  // Who spent it: VS Code's chat and other extensions, @switchboard, tests.
  const who = [
    describeSurfaces(today) && `${describeSurfaces(today)} today`,
    describeSurfaces(month) && `${describeSurfaces(month)} this month`,
  ].filter(Boolean);
  if (who.length > 0) lines.push('', `**Who spent it** ${who.join('; ')}`);
  const top = (groupBy: 'provider' | 'model', name: (key: string) => string) =>
    [...cost.totals(monthStart, now, groupBy)]
      .sort((a, b) => b[1].usd - a[1].usd)
      .slice(0, 5)
      .map(
        ([key, totals]) =>
          `| ${escape(name(key))} | ${usd(totals.usd)} | ${totals.requests} | ${totals.failedAttempts} | ${(totals.inputTokens + totals.outputTokens).toLocaleString('en-US')} | ${escape(notes(totals, reporter(cost, registry, monthStart, now, groupBy === 'provider' ? key : providerOf(key))))} |`,
      );
  const providers = top('provider', (id) => registry.get(id)?.name ?? id);
  if (providers.length > 0) {
    const table = (title: string, rows: string[]) => [
      '',
      `| ${title} this month | Spend | Requests | Failed attempts | Tokens | Notes |`,
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...rows,
    ];
    lines.push(
      ...table('Provider', providers),
      ...table(
        'Model',
        top('model', (model) => model),
      ),
    );
  }
  const use = cost.budgetUse(now);
  lines.push('', use.length === 0 ? 'No budgets set.' : '**Budgets**', '');
  for (const item of use) {
    const filled = Math.min(10, Math.round(item.fraction * 10));
    lines.push(
      `- \`${'▓'.repeat(filled)}${'░'.repeat(10 - filled)}\` ${Math.round(item.fraction * 100)}% of the ${cost.describeBudget(item.budget)} (${usd(item.spentUsd)} of ${usd(item.budget.limitUsd)}, ${item.budget.mode} at the limit)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The usage summary as a Markdown document (the panel's usage view supersedes it later). */
export function usageReport(cost: CostService, registry: Registry, now = Date.now()): string {
  const date = new Date(now);
  const monthStart = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
  const weekStart = now - ((date.getDay() + 6) % 7) * 86_400_000;
  const line = (label: string, totals: Totals | undefined, reportedBy: string) =>
    `| ${escape(label)} | ${usd(totals?.usd ?? 0)} | ${totals?.requests ?? 0} | ${totals?.failedAttempts ?? 0} | ${(totals?.inputTokens ?? 0).toLocaleString('en-US')} | ${(totals?.outputTokens ?? 0).toLocaleString('en-US')} | ${totals ? escape(notes(totals, reportedBy)) : ''} |`;
  const table = (rows: string[]) =>
    [
      '| | spend | requests | failed attempts | input tokens | output tokens | notes |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
      ...rows,
    ].join('\n');
  const period = (label: string, from: number, to: number) =>
    line(label, cost.totals(from, to).get('all'), reporter(cost, registry, from, to));
  const sections = [
    '# Switchboard usage',
    `On track for **${usd(cost.ledger.projectedMonthUsd(now))}** this month.`,
    table([period('Today', now, now), period('This week', weekStart, now), period('This month', monthStart, now)]),
    '## Who spent it',
    bySurface(cost.totals(now, now).get('all'), cost.totals(monthStart, now).get('all')),
    '## This month by provider',
    table(
      [...cost.totals(monthStart, now, 'provider')].map(([provider, totals]) =>
        line(registry.get(provider)?.name ?? provider, totals, registry.get(provider)?.name ?? provider),
      ),
    ),
    '## This month by model',
    table(
      [...cost.totals(monthStart, now, 'model')].map(([model, totals]) =>
        line(model, totals, registry.get(providerOf(model))?.name ?? providerOf(model)),
      ),
    ),
    '## Last 14 days',
    table(
      [...cost.totals(now - 13 * 86_400_000, now, 'day')]
        .sort((a, b) => b[0].localeCompare(a[0]))
        .map(([day, totals]) => {
          const at = new Date(`${day}T12:00:00`).getTime();
          return line(day, totals, reporter(cost, registry, at, at));
        }),
    ),
    '## Budgets',
    cost.budgets().length === 0
      ? 'None. Add one with **Switchboard: Set Budget**.'
      : cost
          .budgetUse(now)
          .map(
            (item) =>
              `- ${cost.describeBudget(item.budget)} (${item.budget.mode}): ${usd(item.spentUsd)} of ${usd(item.budget.limitUsd)}`,
          )
          .join('\n'),
  ];
  return `${sections.join('\n\n')}\n`;
}

/**
 * Spend per surface today and this month: VS Code's chat and other extensions (vscode.lm, which
 * does not tell them apart), @switchboard, tests, and what was recorded before the surface was.
 */
function bySurface(today: Totals | undefined, month: Totals | undefined): string {
  const rows = month ? surfaceParts(month) : [];
  if (rows.length === 0) return 'Nothing recorded this month.';
  const todayOf = (name: string) => (today ? surfaceParts(today) : []).find((part) => part.name === name);
  return [
    '| | today | this month | attempts this month |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map(
      (part) => `| ${escape(part.name)} | ${usd(todayOf(part.name)?.usd ?? 0)} | ${usd(part.usd)} | ${part.attempts} |`,
    ),
  ].join('\n');
}

/** Answered requests, and failed attempts apart: "3 requests, 1 failed attempt". */
function requests(totals: Totals | undefined): string {
  const answered = counted(totals?.requests ?? 0, 'request');
  return totals?.failedAttempts ? `${answered}, ${counted(totals.failedAttempts, 'failed attempt')}` : answered;
}

/**
 * What a row's figures leave out or guess: requests without a price (counted at $0), estimated ones
 * (tokens counted here, or priced as the closest known model); the provider's bill beside the list
 * price where they part.
 */
function notes(totals: Totals, reportedBy: string): string {
  return [
    totals.unpricedRequests ? `${totals.unpricedRequests} without a price (counted at $0)` : undefined,
    totals.estimatedRequests ? `${totals.estimatedRequests} estimated` : undefined,
    describeDisagreement(totals, reportedBy),
  ]
    .filter(Boolean)
    .join('; ');
}

/** The provider of a by-model key (`provider/model`; a provider id holds no "/"). */
const providerOf = (key: string) => key.slice(0, Math.max(0, key.indexOf('/')));

/** Who reported the costs in a range (or for one provider): its name when one provider did, else "the providers". */
function reporter(cost: CostService, registry: Registry, from: number, to: number, providerId?: string): string {
  const reporting = providerId
    ? [providerId]
    : [...cost.totals(from, to, 'provider')].filter(([, totals]) => totals.comparedRequests > 0).map(([id]) => id);
  return reporting.length === 1 ? (registry.get(reporting[0]!)?.name ?? reporting[0]!) : 'the providers';
}

/** Text for a Markdown table cell: nothing in a name or model id can break the table or format. */
const escape = (text: string) => text.replace(/[|\\`*_<>[\]]/g, '\\$&');

export function usageText(cost: CostService, registry: Registry): UsageText {
  return { summary: (now) => usageSummary(cost, registry, now), report: (now) => usageReport(cost, registry, now) };
}
