import * as vscode from 'vscode';
import { budgetSchema, describeIssues, priceOf, usageCsv, type Budget } from '../core';
import { proposedFile } from '../platform/dialogs';
import { Commands } from '../platform/commands';
import type { Services } from '../services';
import type { CostStatusBar } from './statusBar';
import { askPrices, describePrice, modelsToPrice, savePrice } from './unknownPrices';

/** Show Usage, Set Budget, Set Model Price, Export Usage and Delete Usage Data. */
export function costCommands({ cost, usage, registry, dialogs, settings }: Services, statusBar: CostStatusBar) {
  return {
    [Commands.showUsage]: async function showUsage() {
      const document = await vscode.workspace.openTextDocument({ content: usage.report(), language: 'markdown' });
      await vscode.commands.executeCommand('markdown.showPreview', document.uri);
    },
    [Commands.setBudget]: async function setBudget(args?: Partial<Budget>) {
      let budget: unknown = args;
      if (!args) {
        const scopes = [
          { label: 'Overall', scope: { kind: 'overall' } },
          ...registry.list().map((entry) => ({ label: entry.name, scope: { kind: 'provider', providerId: entry.id } })),
        ];
        const scope = await dialogs.pick(scopes, { title: 'Budget for…' });
        if (!scope) return;
        const period = (await dialogs.pick([{ label: 'daily' }, { label: 'monthly' }], { title: 'Per…' }))?.label;
        if (!period) return;
        const limit = await dialogs.input({
          title: 'Limit in US dollars',
          validateInput: (value) => (Number(value) > 0 ? undefined : 'Enter an amount above 0.'),
        });
        if (!limit) return;
        const mode = await dialogs.pick(
          [
            { label: 'warn', detail: 'Tell me at 80% and at the limit' },
            { label: 'ask', detail: 'Ask before a request that would cross it' },
            { label: 'stop', detail: 'Refuse requests that would cross it' },
            { label: 'switch', detail: 'Move to a cheaper model in the fallback chain' },
          ],
          { title: 'When the budget would be crossed' },
        );
        if (!mode) return;
        budget = {
          id: `${scope.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${period}`,
          scope: scope.scope,
          period,
          limitUsd: Number(limit),
          mode: mode.label,
        };
      }
      const parsed = budgetSchema.safeParse(budget);
      if (!parsed.success) throw new Error(`Invalid budget: ${describeIssues(parsed.error).join('; ')}`);
      // Malformed budgets are kept as written: the user may be halfway through editing one.
      const others = settings.raw('budgets').filter((item) => (item as { id?: unknown } | null)?.id !== parsed.data.id);
      await settings.update('budgets', [...others, parsed.data]);
      await registry.noteBudgetChange(parsed.data.id);
    },
    [Commands.setModelPrice]: async function setModelPrice(args?: { providerId?: unknown; modelId?: unknown }) {
      // A model named by the caller (the chat's button), else picked: each with its price now.
      let target =
        typeof args?.providerId === 'string' && typeof args.modelId === 'string'
          ? { providerId: args.providerId, modelId: args.modelId }
          : undefined;
      if (!target) {
        const rows = await Promise.all(
          modelsToPrice(registry).map(async (model) => ({
            label: model.modelId,
            description: `${registry.get(model.providerId)?.name ?? model.providerId} · ${await describePrice(cost.pricing(model.providerId, model.modelId), model.modelId)}`,
            model,
          })),
        );
        if (rows.length === 0) {
          void dialogs.info('Switchboard: no models to price yet. Add a provider and choose its models first.');
          return;
        }
        target = (await dialogs.pick(rows, { title: 'Set the price of…', matchOnDescription: true }))?.model;
        if (!target) return;
      }
      const { providerId, modelId } = target;
      if (!registry.get(providerId)) throw new Error(`No provider "${providerId}".`);
      const quote = await priceOf(cost.pricing(providerId, modelId), modelId);
      const prices = await askPrices(
        dialogs,
        registry,
        providerId,
        modelId,
        quote.source === 'local' ? undefined : quote.prices,
      );
      if (!prices) return;
      await savePrice(registry, providerId, modelId, prices);
    },
    [Commands.exportUsage]: async function exportUsage(args?: { uri?: vscode.Uri; format?: 'csv' | 'json' }) {
      const format =
        args?.format ??
        (await dialogs.pick([{ label: 'csv' as const }, { label: 'json' as const }], { title: 'Export usage as…' }))
          ?.label;
      if (!format) return;
      const uri =
        args?.uri ??
        (await dialogs.saveFile({
          filters: { [format.toUpperCase()]: [format] },
          defaultUri: proposedFile(`switchboard-usage.${format}`),
          saveLabel: 'Export Usage',
        }));
      if (!uri) return;
      const rows = cost.ledger.rows();
      const text =
        format === 'csv'
          ? usageCsv(rows)
          : `${JSON.stringify({ exportedAt: new Date().toISOString(), rows, recentRequests: await cost.recentRequests() }, null, 2)}\n`;
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    },
    [Commands.deleteUsageData]: async function deleteUsageData() {
      if (!(await dialogs.confirm('Delete all of Switchboard’s usage records?', 'Delete'))) return;
      await cost.ledger.clear();
      statusBar.refresh();
    },
  };
}
