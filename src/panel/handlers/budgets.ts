import * as vscode from 'vscode';
import { describeIssues, tokenCapSchema } from '../../core';
import { Commands } from '../../platform/commands';
import type { Handlers } from '../handler';

/** The budgets section: one budget per scope and period, saved through the Set Budget command; and the token caps. */
export const budgetHandlers: Handlers<'saveBudget' | 'removeBudget' | 'tokenCaps' | 'saveTokenCap' | 'removeTokenCap'> =
  {
    async saveBudget({ budget }, { cost }) {
      // A change to an existing budget keeps its id (it may come from the Set Budget command).
      const sameScope = cost
        .budgetUse()
        .find(
          (item) =>
            item.budget.period === budget.period && JSON.stringify(item.budget.scope) === JSON.stringify(budget.scope),
        );
      // The budget command checks it with the core's schema and records the change in the audit log.
      await vscode.commands.executeCommand(Commands.setBudget, { ...budget, id: sameScope?.budget.id ?? budget.id });
      return null;
    },
    async removeBudget({ budgetId }, { registry, dialogs, settings }) {
      // The list as written: removing one budget keeps the others, malformed ones included.
      const budgets = settings.raw('budgets');
      const named = (item: unknown) => (item as { id?: unknown } | null)?.id === budgetId;
      if (!budgets.some(named)) throw new Error(`No budget "${budgetId}".`);
      if (await dialogs.confirm(`Remove the budget "${budgetId}"?`, 'Remove')) {
        await settings.update(
          'budgets',
          budgets.filter((item) => !named(item)),
        );
        await registry.noteBudgetChange(`${budgetId} removed`);
      }
      return null;
    },
    tokenCaps(_params, { settings }) {
      return Promise.resolve(settings.current.tokenCaps);
    },
    async saveTokenCap({ cap }, { registry, settings }) {
      const parsed = tokenCapSchema.safeParse(cap);
      if (!parsed.success) throw new Error(`Token caps not saved: ${describeIssues(parsed.error).join('; ')}`);
      // One entry per provider; the others stay as written, malformed ones included.
      const others = settings.raw('tokenCaps').filter((item) => !forProvider(item, parsed.data.providerId));
      await settings.update('tokenCaps', [...others, parsed.data]);
      await registry.noteBudgetChange(`token caps of ${parsed.data.providerId}`);
      return null;
    },
    async removeTokenCap({ providerId }, { registry, dialogs, settings }) {
      const caps = settings.raw('tokenCaps');
      if (!caps.some((item) => forProvider(item, providerId))) throw new Error(`No token caps for "${providerId}".`);
      const name = registry.get(providerId)?.name ?? providerId;
      if (await dialogs.confirm(`Remove the token caps of ${name}?`, 'Remove')) {
        await settings.update(
          'tokenCaps',
          caps.filter((item) => !forProvider(item, providerId)),
        );
        await registry.noteBudgetChange(`token caps of ${providerId} removed`);
      }
      return null;
    },
  };

const forProvider = (item: unknown, providerId: string) =>
  (item as { providerId?: unknown } | null)?.providerId === providerId;
