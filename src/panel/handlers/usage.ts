import * as vscode from 'vscode';
import { describeDisagreement, surfaceParts } from '../../core';
import { Commands } from '../../platform/commands';
import type { Handlers } from '../handler';

/** The usage section: spend by day, provider and model over the chosen range, and its export. */
export const usageHandlers: Handlers<'spend' | 'exportUsage' | 'compareGatewaySpend'> = {
  spend({ days }, { registry, cost }) {
    const data = cost.spendData(days);
    const ids = new Set(data.days.flatMap((day) => Object.keys(day.byProvider)));
    const empty = { usd: 0, requests: 0, failed: 0, inputTokens: 0, outputTokens: 0 };
    return Promise.resolve({
      days: data.days,
      providers: [...ids].map((providerId) => ({ id: providerId, name: registry.get(providerId)?.name ?? providerId })),
      models: data.models.map(({ model, totals }) => {
        // `provider/model`: a provider id holds no "/".
        const providerId = model.slice(0, Math.max(0, model.indexOf('/')));
        const billed = describeDisagreement(totals, registry.get(providerId)?.name ?? providerId);
        return {
          model,
          usd: totals.usd,
          requests: totals.requests,
          failed: totals.failedAttempts,
          inputTokens: totals.inputTokens,
          outputTokens: totals.outputTokens,
          unpriced: totals.unpricedRequests,
          ...(billed ? { billed } : {}),
        };
      }),
      totals: data.totals
        ? {
            usd: data.totals.usd,
            requests: data.totals.requests,
            failed: data.totals.failedAttempts,
            inputTokens: data.totals.inputTokens,
            outputTokens: data.totals.outputTokens,
          }
        : empty,
      surfaces: data.totals ? surfaceParts(data.totals) : [],
      todayUsd: data.todayUsd,
      monthUsd: data.monthUsd,
      projectedMonthUsd: data.projectedMonthUsd,
      budgets: data.budgets.map((item) => ({
        budget: item.budget,
        label: item.label,
        spentUsd: item.spentUsd,
        fraction: item.fraction,
      })),
      gateways: cost.gateways
        .gatewayProviders()
        .map(({ id, name, keepsSpendLog }) => ({ providerId: id, name, lines: cost.gateways.lines(id), keepsSpendLog }))
        .filter((gateway) => gateway.lines.length > 0),
    });
  },
  async exportUsage({ format }) {
    await vscode.commands.executeCommand(Commands.exportUsage, { format });
    return null;
  },
  async compareGatewaySpend({ providerId }) {
    await vscode.commands.executeCommand(Commands.compareGatewaySpend, { providerId });
    return null;
  },
};
