import * as vscode from 'vscode';
import { Commands } from '../../platform/commands';
import type { Handlers } from '../handler';

/** The budgets section: one budget per scope and period, saved through the Set Budget command. */
export const budgetHandlers: Handlers<'saveBudget' | 'removeBudget'> = {
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
};
