import * as vscode from 'vscode';
import type { Logger } from '../core';
import type { Dialogs } from './dialogs';
import { readSettings, type SwitchboardSettings } from './settingsSchema';

export type { SwitchboardSettings } from './settingsSchema';

/** The one reader of `switchboard.*`: checked once per change, problems logged and told once. */
export class Settings implements vscode.Disposable {
  #current: SwitchboardSettings | undefined;
  /** Problems already told: a setting left as it is is not complained about on every read. */
  #told = new Set<string>();
  readonly #changed = new vscode.EventEmitter<vscode.ConfigurationChangeEvent | undefined>();
  readonly #subscriptions: vscode.Disposable[];

  constructor(
    private readonly log: Logger,
    private readonly dialogs: Dialogs,
  ) {
    const invalidate = (event?: vscode.ConfigurationChangeEvent) => {
      this.#current = undefined;
      this.#changed.fire(event);
    };
    this.#subscriptions = [
      this.#changed,
      vscode.workspace.onDidChangeConfiguration(
        (event) => event.affectsConfiguration('switchboard') && invalidate(event),
      ),
      // Workspace layers count only once the workspace is trusted.
      vscode.workspace.onDidGrantWorkspaceTrust(() => invalidate()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => invalidate()),
    ];
  }

  get current(): SwitchboardSettings {
    if (this.#current) return this.#current;
    const config = vscode.workspace.getConfiguration('switchboard');
    const { settings, problems } = readSettings(
      {
        get: (key) => config.get(key),
        layers: (key) => {
          const inspected = config.inspect(key);
          return {
            user: inspected?.globalValue,
            workspace: inspected?.workspaceValue,
            folder: inspected?.workspaceFolderValue,
          };
        },
      },
      { trusted: vscode.workspace.isTrusted },
    );
    this.#current = settings;
    this.#tell(problems);
    return settings;
  }

  /** Called when any of `sections` (e.g. `fallback`, `circuit`) may have changed. */
  onDidChange(sections: ReadonlyArray<keyof SwitchboardSettings>, listener: () => void): vscode.Disposable {
    return this.#changed.event((event) => {
      if (!event || sections.some((section) => event.affectsConfiguration(`switchboard.${section}`))) listener();
    });
  }

  /** Writes a user setting (Switchboard's settings are the user's, never a workspace's). */
  async update(
    key:
      | 'fallback.chain'
      | 'budgets'
      | 'fallback.automatic'
      | 'fallback.askBeforeSwitchingProviders'
      | 'fallback.maxCostRatio'
      | 'tokenCaps',
    value: unknown,
  ): Promise<void> {
    await vscode.workspace.getConfiguration('switchboard').update(key, value, vscode.ConfigurationTarget.Global);
  }

  /** The list as written, malformed entries included: an edit keeps what it does not change. */
  raw(key: 'budgets' | 'tokenCaps'): unknown[] {
    const value = vscode.workspace.getConfiguration('switchboard').get<unknown>(key);
    return Array.isArray(value) ? value : [];
  }

  #tell(problems: string[]): void {
    const fresh = problems.filter((problem) => !this.#told.has(problem));
    this.#told = new Set(problems);
    if (fresh.length === 0) return;
    for (const problem of fresh) this.log.warn(problem);
    // Said where it was entered: a key in a setting is refused, and the user is told where keys belong.
    void this.dialogs.warn(
      `Switchboard: ${fresh[0]}${fresh.length > 1 ? ` (and ${fresh.length - 1} more, see the log)` : ''}`,
    );
  }

  dispose(): void {
    for (const subscription of this.#subscriptions) subscription.dispose();
  }
}
