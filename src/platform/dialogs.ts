import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { withAbortSignal } from './cancellation';

/** Where a save dialog proposes a new file: the first workspace folder, else the home folder (never the filesystem root). */
export function proposedFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
  return vscode.Uri.joinPath(folder, name);
}

/** Rows that change while a quick pick shows them (lists arriving one by one). */
export interface LiveItems<T extends vscode.QuickPickItem> {
  readonly items: readonly T[];
  /** The ticked rows (with `canPickMany`). */
  readonly selected: readonly T[];
  /** Whether rows are still to come. */
  readonly busy: boolean;
  readonly onDidChange: vscode.Event<void>;
}

export interface LivePickOptions<T extends vscode.QuickPickItem> {
  title: string;
  placeholder?: string;
  matchOnDescription?: boolean;
  canPickMany?: boolean;
  /** The user ticked or unticked rows: the ticked ones among those on show. */
  onDidSelect?(selected: readonly T[], shown: readonly T[]): void;
  /** Whether accepting these rows answers the pick (a separator or a "Loading…" row does not). */
  accepts?(items: readonly T[]): boolean;
  /** Aborted: the pick closes with no answer. */
  signal?: AbortSignal;
}

/** A task's progress, as VS Code's notification shows it. */
export type ProgressReport = vscode.Progress<{ message?: string; increment?: number }>;

/**
 * Every question Switchboard's commands ask the user. Commands take it from the services, so the
 * integration tests answer through an implementation of their own instead of flags on the commands.
 */
export interface Dialogs {
  /** A modal question: true only when the user chose `action`. */
  confirm(question: string, action: string, detail?: string): Promise<boolean>;
  /** A notification with actions: the action chosen, or undefined when it was dismissed. */
  info(message: string, ...actions: string[]): Promise<string | undefined>;
  warn(message: string, ...actions: string[]): Promise<string | undefined>;
  error(message: string, ...actions: string[]): Promise<string | undefined>;
  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Promise<T | undefined>;
  /** A quick pick over rows that change while it is open: the accepted rows, or undefined when it was closed. */
  livePick<T extends vscode.QuickPickItem>(live: LiveItems<T>, options: LivePickOptions<T>): Promise<T[] | undefined>;
  /** Runs `task` under a progress notification; with `cancellable`, its Cancel button aborts `signal`. */
  progress<T>(
    title: string,
    cancellable: boolean,
    task: (progress: ProgressReport, signal: AbortSignal) => Promise<T>,
  ): Promise<T>;
  input(options: vscode.InputBoxOptions): Promise<string | undefined>;
  saveFile(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined>;
  openFile(options: vscode.OpenDialogOptions): Promise<vscode.Uri | undefined>;
}

/** The dialogs VS Code shows. */
export const vscodeDialogs: Dialogs = {
  confirm: async (question, action, detail) =>
    (await vscode.window.showWarningMessage(question, { modal: true, ...(detail ? { detail } : {}) }, action)) ===
    action,
  info: (message, ...actions) => Promise.resolve(vscode.window.showInformationMessage(message, ...actions)),
  warn: (message, ...actions) => Promise.resolve(vscode.window.showWarningMessage(message, ...actions)),
  error: (message, ...actions) => Promise.resolve(vscode.window.showErrorMessage(message, ...actions)),
  pick: (items, options) => Promise.resolve(vscode.window.showQuickPick(items, options)),
  livePick: showLivePick,
  progress: (title, cancellable, task) =>
    Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable },
        (progress, token) => withAbortSignal(token, (signal) => task(progress, signal)),
      ),
    ),
  input: (options) => Promise.resolve(vscode.window.showInputBox(options)),
  saveFile: (options) => Promise.resolve(vscode.window.showSaveDialog(options)),
  openFile: async (options) => (await vscode.window.showOpenDialog({ ...options, canSelectMany: false }))?.[0],
};

async function showLivePick<T extends vscode.QuickPickItem>(
  live: LiveItems<T>,
  options: LivePickOptions<T>,
): Promise<T[] | undefined> {
  const picker = vscode.window.createQuickPick<T>();
  picker.title = options.title;
  picker.placeholder = options.placeholder;
  picker.matchOnDescription = options.matchOnDescription ?? false;
  picker.canSelectMany = options.canPickMany ?? false;
  const render = () => {
    picker.items = live.items;
    picker.busy = live.busy;
    if (picker.canSelectMany) picker.selectedItems = live.selected;
  };
  render();
  const changes = live.onDidChange(render);
  picker.onDidChangeSelection((items) => picker.canSelectMany && options.onDidSelect?.(items, picker.items));
  const hide = () => picker.hide();
  options.signal?.addEventListener('abort', hide, { once: true });
  const picked = await new Promise<T[] | undefined>((resolve) => {
    picker.onDidAccept(() => {
      const items = picker.canSelectMany ? [...picker.selectedItems] : picker.selectedItems.slice(0, 1);
      if (options.accepts?.(items) ?? true) resolve(items);
    });
    picker.onDidHide(() => resolve(undefined));
    picker.show();
  });
  options.signal?.removeEventListener('abort', hide);
  changes.dispose();
  picker.dispose();
  return picked;
}

/** A prepared answer: the first question whose text matches gets `reply`, once. */
interface Answer {
  question: RegExp;
  reply: string | boolean | undefined;
}

/**
 * For the extension's own integration tests (ExtensionMode.Test): questions they prepared an answer
 * for are answered; any other goes to VS Code, as it would for the user.
 */
export class AnsweringDialogs implements Dialogs {
  readonly #answers: Answer[] = [];
  /** Every question asked, answered or not, so tests can check what was asked. */
  readonly asked: string[] = [];
  /** What each save dialog was opened with (its proposed file, say). */
  readonly saved: vscode.SaveDialogOptions[] = [];
  /** What each open dialog was opened with. */
  readonly opened: vscode.OpenDialogOptions[] = [];

  constructor(private readonly fallback: Dialogs) {}

  /** `reply`: true/false for `confirm`, an action's title for notifications, undefined to dismiss. */
  answer(question: RegExp, reply: string | boolean | undefined): { dispose(): void } {
    const answer = { question, reply };
    this.#answers.push(answer);
    // An answer the command never needed must not answer a later, unrelated question.
    return {
      dispose: () => void (this.#answers.includes(answer) && this.#answers.splice(this.#answers.indexOf(answer), 1)),
    };
  }

  #take(question: string): Answer | undefined {
    this.asked.push(question);
    const index = this.#answers.findIndex((answer) => answer.question.test(question));
    return index < 0 ? undefined : this.#answers.splice(index, 1)[0];
  }

  confirm(question: string, action: string, detail?: string): Promise<boolean> {
    const answer = this.#take(question);
    return answer
      ? Promise.resolve(answer.reply === true || answer.reply === action)
      : this.fallback.confirm(question, action, detail);
  }

  #notify(kind: 'info' | 'warn' | 'error', message: string, actions: string[]): Promise<string | undefined> {
    const answer = this.#take(message);
    return answer
      ? Promise.resolve(typeof answer.reply === 'string' ? answer.reply : undefined)
      : this.fallback[kind](message, ...actions);
  }

  info(message: string, ...actions: string[]): Promise<string | undefined> {
    return this.#notify('info', message, actions);
  }

  warn(message: string, ...actions: string[]): Promise<string | undefined> {
    return this.#notify('warn', message, actions);
  }

  error(message: string, ...actions: string[]): Promise<string | undefined> {
    return this.#notify('error', message, actions);
  }

  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    const answer = this.#take(options.title ?? '');
    return answer
      ? Promise.resolve(items.find((item) => item.label === answer.reply))
      : this.fallback.pick(items, options);
  }

  /** The answer is a row's label; it waits for that row, as the user would, until no more rows are coming. */
  livePick<T extends vscode.QuickPickItem>(live: LiveItems<T>, options: LivePickOptions<T>): Promise<T[] | undefined> {
    const answer = this.#take(options.title);
    if (!answer) return this.fallback.livePick(live, options);
    return new Promise((resolve) => {
      const settle = () => {
        const item = live.items.find((row) => row.label === answer.reply);
        const picked = item && (options.accepts?.([item]) ?? true) ? [item] : undefined;
        if (!picked && live.busy && !options.signal?.aborted) return;
        resolve(options.signal?.aborted ? undefined : picked);
        changes.dispose();
        options.signal?.removeEventListener('abort', settle);
      };
      const changes = live.onDidChange(settle);
      options.signal?.addEventListener('abort', settle, { once: true });
      settle();
    });
  }

  progress<T>(
    title: string,
    cancellable: boolean,
    task: (progress: ProgressReport, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return this.fallback.progress(title, cancellable, task);
  }

  input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    const answer = this.#take(options.title ?? '');
    return answer
      ? Promise.resolve(typeof answer.reply === 'string' ? answer.reply : undefined)
      : this.fallback.input(options);
  }

  /** Answered by its label (`saveLabel`): a path saves there, undefined cancels. Each dialog's options are kept in `saved`. */
  saveFile(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> {
    this.saved.push(options);
    const answer = this.#take(options.saveLabel ?? options.title ?? '');
    return answer
      ? Promise.resolve(typeof answer.reply === 'string' ? vscode.Uri.file(answer.reply) : undefined)
      : this.fallback.saveFile(options);
  }

  /** Answered by its label (`openLabel`): a path opens that file, undefined cancels. Each dialog's options are kept in `opened`. */
  openFile(options: vscode.OpenDialogOptions): Promise<vscode.Uri | undefined> {
    this.opened.push(options);
    const answer = this.#take(options.openLabel ?? options.title ?? '');
    return answer
      ? Promise.resolve(typeof answer.reply === 'string' ? vscode.Uri.file(answer.reply) : undefined)
      : this.fallback.openFile(options);
  }
}
