import { counted, formatUsd as usd, type Registry, type Totals } from '../core';
import type { CostService, UsageText } from '../services';

/** The short version for chat (`@switchboard /usage`): spend, projection, top providers and models, budgets as bars. */
export function usageSummary(cost: CostService, registry: Registry, now = Date.now()): string {
  const date = new Date(now);
  const monthStart = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
  const today = cost.totals(now, now).get('all');
  const month = cost.totals(monthStart, now).get('all');
  const lines = [
    `**Today** ${usd(today?.usd ?? 0)} (${counted(today?.requests ?? 0, 'request')}) · **This month** ${usd(month?.usd ?? 0)} (${counted(month?.requests ?? 0, 'request')}) · on track for **${usd(cost.ledger.projectedMonthUsd(now))}**`,
  ];
  const top = (groupBy: 'provider' | 'model', name: (key: string) => string) =>
    [...cost.totals(monthStart, now, groupBy)]
      .sort((a, b) => b[1].usd - a[1].usd)
      .slice(0, 5)
      .map(
        ([key, totals]) =>
          `| ${name(key).replace(/[|\\`*_<>[\]]/g, '\\$&')} | ${usd(totals.usd)} | ${totals.requests} | ${(totals.inputTokens + totals.outputTokens).toLocaleString('en-US')} |`,
      );
  const providers = top('provider', (id) => registry.get(id)?.name ?? id);
  if (providers.length > 0) {
    const table = (title: string, rows: string[]) => [
      '',
      `| ${title} this month | Spend | Requests | Tokens |`,
      '| --- | ---: | ---: | ---: |',
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
  const line = (label: string, totals: Totals | undefined) =>
    `| ${label} | ${usd(totals?.usd ?? 0)} | ${totals?.requests ?? 0} | ${(totals?.inputTokens ?? 0).toLocaleString('en-US')} | ${(totals?.outputTokens ?? 0).toLocaleString('en-US')} |${totals?.unpricedRequests ? ` ${totals.unpricedRequests} without a price` : ''}`;
  const table = (rows: string[]) =>
    ['| | spend | requests | input tokens | output tokens |', '| --- | ---: | ---: | ---: | ---: |', ...rows].join(
      '\n',
    );
  const sections = [
    '# Switchboard usage',
    `On track for **${usd(cost.ledger.projectedMonthUsd(now))}** this month.`,
    table([
      line('Today', cost.totals(now, now).get('all')),
      line('This week', cost.totals(weekStart, now).get('all')),
      line('This month', cost.totals(monthStart, now).get('all')),
    ]),
    '## This month by provider',
    table(
      [...cost.totals(monthStart, now, 'provider')].map(([provider, totals]) =>
        line(registry.get(provider)?.name ?? provider, totals),
      ),
    ),
    '## This month by model',
    table([...cost.totals(monthStart, now, 'model')].map(([model, totals]) => line(model, totals))),
    '## Last 14 days',
    table(
      [...cost.totals(now - 13 * 86_400_000, now, 'day')]
        .sort((a, b) => b[0].localeCompare(a[0]))
        .map(([date, totals]) => line(date, totals)),
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

export function usageText(cost: CostService, registry: Registry): UsageText {
  return { summary: (now) => usageSummary(cost, registry, now), report: (now) => usageReport(cost, registry, now) };
}
