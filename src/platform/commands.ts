import * as vscode from 'vscode';
import { describeFailure, type Logger } from '../core';
import type { Commands } from './commandIds';
import type { Dialogs } from './dialogs';

export { Commands, LANGUAGE_MODEL_VENDOR } from './commandIds';

export type CommandId = (typeof Commands)[keyof typeof Commands];
// Arguments come from anyone (the palette, links, other extensions): each handler checks its own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandHandler = (...args: any[]) => unknown;
/** A feature's commands: each id with its named handler. */
export type CommandTable = Partial<Record<CommandId, CommandHandler>>;

/**
 * Registers a feature's command table. A command that fails tells the user what went wrong in
 * Switchboard's words and logs it, instead of VS Code's generic error toast; its caller gets undefined.
 */
export function registerCommands(table: CommandTable, log: Logger, dialogs: Dialogs): vscode.Disposable[] {
  return Object.entries(table).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        log.warn(`${id} failed`, error);
        void dialogs.error(`Switchboard: ${describeFailure(error)}`);
        return undefined;
      }
    }),
  );
}

/**
 * Commands registered now whose implementation loads when one of them first runs, keeping its code
 * out of what activation loads. `load`'s table must have a handler for every id (the compiler checks).
 */
export function lazyCommands<Id extends CommandId>(
  ids: readonly Id[],
  load: () => Promise<Record<Id, CommandHandler>>,
): Record<Id, CommandHandler> {
  let table: Promise<Record<Id, CommandHandler>> | undefined;
  const loaded = () => {
    table ??= load();
    // A failed load is not remembered: the next run tries again.
    table.catch(() => (table = undefined));
    return table;
  };
  return Object.fromEntries(
    ids.map((id) => [id, async (...args: unknown[]): Promise<unknown> => (await loaded())[id](...args)]),
  ) as Record<Id, CommandHandler>;
}
