import * as vscode from 'vscode';

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
  input: (options) => Promise.resolve(vscode.window.showInputBox(options)),
  saveFile: (options) => Promise.resolve(vscode.window.showSaveDialog(options)),
  openFile: async (options) => (await vscode.window.showOpenDialog({ ...options, canSelectMany: false }))?.[0],
};

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

  input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    const answer = this.#take(options.title ?? '');
    return answer
      ? Promise.resolve(typeof answer.reply === 'string' ? answer.reply : undefined)
      : this.fallback.input(options);
  }

  saveFile(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> {
    return this.fallback.saveFile(options);
  }

  openFile(options: vscode.OpenDialogOptions): Promise<vscode.Uri | undefined> {
    return this.fallback.openFile(options);
  }
}
