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
 * out of what activation loads. The compiler checks that `ids` and the keys of `load`'s table are the
 * same: a handler for every id, and no handler left unregistered (`unregistered` names it).
 */
export function lazyCommands<const Ids extends readonly CommandId[], Table extends Record<Ids[number], CommandHandler>>(
  ids: Ids &
    ([Exclude<keyof Table, Ids[number]>] extends [never]
      ? unknown
      : { unregistered: Exclude<keyof Table, Ids[number]> }),
  load: () => Promise<Table>,
): Record<Ids[number], CommandHandler> {
  let table: Promise<Table> | undefined;
  const loaded = () => {
    if (table === undefined) {
      const loading = load();
      table = loading;
      // A failed load is not remembered: the next run tries again.
      loading.catch(() => {
        if (table === loading) table = undefined;
      });
    }
    return table;
  };
  return Object.fromEntries(
    ids.map((id) => [id, async (...args: unknown[]): Promise<unknown> => (await loaded())[id as Ids[number]](...args)]),
  ) as Record<Ids[number], CommandHandler>;
}
