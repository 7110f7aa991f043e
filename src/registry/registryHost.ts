import { exec } from 'node:child_process';
import * as vscode from 'vscode';
import {
  AuditLog,
  KeyStore,
  ModelListStore,
  parseWorkspaceFile,
  Registry,
  RegistryStore,
  type FallbackStep,
  type KeyReference,
  type KeyValueStore,
  type Logger,
  type ProviderEntry,
  type Redactor,
  type SecretStore,
  type TeamPolicy,
} from '../core';
import { Commands } from '../platform/commands';
import type { Dialogs } from '../platform/dialogs';
import type { Settings } from '../platform/settings';

export const WORKSPACE_FILE = '.vscode/switchboard.json';
const WORKSPACE_FOLDER = '.vscode';
/** How long after a .vscode folder arrives its files are read again. */
const FOLDER_SETTLE_MS = 1000;

/**
 * Reads a key reference. `${env:NAME}` comes from the extension host's environment; `${command:…}`
 * runs only when the user turned on `switchboard.keys.allowCommandReferences` (keys are stored by the
 * user's own action only, never read from workspace files, so a workspace cannot plant one).
 */
function resolveReference(log: Logger, settings: Settings) {
  // A password manager's CLI takes a while and may prompt: its answer is reused for five minutes.
  const cache = new Map<string, { key: string; until: number }>();
  return async (reference: KeyReference): Promise<string | undefined> => {
    if (reference.kind === 'env') return process.env[reference.name];
    if (!settings.current.keys.allowCommandReferences) {
      log.warn('a key references a command, but switchboard.keys.allowCommandReferences is off');
      return undefined;
    }
    const cached = cache.get(reference.command);
    if (cached && cached.until > Date.now()) return cached.key;
    return new Promise((resolve) => {
      // The platform's shell (sh, or cmd.exe on Windows), as the user would type the command.
      exec(reference.command, { timeout: 15_000, maxBuffer: 64 * 1024, windowsHide: true }, (error, stdout) => {
        if (error) log.warn(`the key command failed (exit ${String(error.code ?? error.signal)})`);
        const key = error ? undefined : stdout.trim() || undefined;
        if (key) cache.set(reference.command, { key, until: Date.now() + 5 * 60_000 });
        resolve(key);
      });
    });
  };
}

/** What the registry is built on: the stores and services activate() made once. */
export interface RegistryDeps {
  secrets: SecretStore;
  memento: KeyValueStore;
  settings: Settings;
  dialogs: Dialogs;
  log: Logger;
  redactor: Redactor;
}

/**
 * The registry wired to VS Code: SecretStorage, globalState, settings and the workspace file. Like
 * every feature, it hands its watchers back to activate() rather than registering them itself.
 */
export function createRegistry({ secrets, memento, settings, dialogs, log, redactor }: RegistryDeps): {
  registry: Registry;
  disposables: vscode.Disposable[];
} {
  // Both notices offer the way back: the log says what was wrong, the restore command lists the kept copies.
  const offer = (message: string) =>
    void dialogs.warn(message, 'Restore a Kept Copy', 'Show Log').then((choice) => {
      if (choice === 'Restore a Kept Copy') void vscode.commands.executeCommand(Commands.restoreProviders);
      else if (choice === 'Show Log') void vscode.commands.executeCommand(Commands.showLog);
    });
  const store = new RegistryStore(memento, (report) => {
    log.error(`the provider registry had unreadable data; kept as ${report.backupKey}: ${report.problems.join('; ')}`);
    offer(
      `Switchboard found provider settings it could not read and kept a copy of them (${report.problems.length} problem(s)). ${report.salvaged} provider(s) are still in use.`,
    );
  });
  const keys = new KeyStore(secrets, redactor, resolveReference(log, settings), memento);
  const registry = new Registry({
    store,
    keys,
    audit: new AuditLog(memento),
    // Each provider's last model list (its prices, its loaded context), kept in globalState between sessions.
    modelLists: new ModelListStore(memento),
    // The extension host's fetch: VS Code patches it for proxies, PAC and OS certificates.
    fetch: globalThis.fetch,
    readFile: async (path) => new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(path))),
  });
  void store.check().then((readOnly) => {
    if (!readOnly) return;
    log.error(`the provider registry is open read-only: ${readOnly.problem}`);
    offer(
      `Switchboard opened your providers read-only and changes nothing in them: ${readOnly.problem}. ${readOnly.readable} provider(s) can be used. Update Switchboard, or restore a kept copy.`,
    );
  });

  // Watcher events come in bursts (create, then change): a reload that finishes after a newer one
  // began would put back what it read mid-write.
  let generation = 0;
  const reload = async () => {
    const mine = ++generation;
    const declared = settings.current.providers;
    const workspaceFile = await declaredFromWorkspace(log, dialogs);
    if (mine !== generation) return;
    registry.setDeclared({
      settings: declared.user,
      workspace: [...declared.workspace, ...workspaceFile.providers],
      workspaceFallback: workspaceFile.fallback,
      teamPolicy: workspaceFile.policy,
    });
  };
  void reload();
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${WORKSPACE_FILE}`);
  // A .vscode folder that arrives with the file in it (a pull, a checkout): the file watcher can miss
  // a file created in a folder it has only just learnt of (seen in about one test run in four), so
  // the folder's arrival reads the file too, at once and again a moment later, as a checkout writes
  // the folder's files one after another. A folder deleted is reported as the folder alone.
  const folders = vscode.workspace.createFileSystemWatcher(`**/${WORKSPACE_FOLDER}`, false, true, false);
  const isWorkspaceFileFolder = (uri: vscode.Uri) =>
    (vscode.workspace.workspaceFolders ?? []).some(
      (folder) => vscode.Uri.joinPath(folder.uri, WORKSPACE_FOLDER).toString() === uri.toString(),
    );
  let settling: ReturnType<typeof setTimeout> | undefined;
  const folderArrived = (uri: vscode.Uri) => {
    if (!isWorkspaceFileFolder(uri)) return;
    void reload();
    clearTimeout(settling);
    settling = setTimeout(() => void reload(), FOLDER_SETTLE_MS);
  };
  return {
    registry,
    disposables: [
      watcher,
      watcher.onDidChange(reload),
      watcher.onDidCreate(reload),
      watcher.onDidDelete(reload),
      folders,
      folders.onDidCreate(folderArrived),
      folders.onDidDelete((uri) => isWorkspaceFileFolder(uri) && void reload()),
      { dispose: () => clearTimeout(settling) },
      // Saved in the editor: read at once rather than when the file watcher gets to it.
      vscode.workspace.onDidSaveTextDocument(
        (document) => document.uri.path.endsWith(`/${WORKSPACE_FILE}`) && void reload(),
      ),
      // Trust and folders change what settings count, and which workspace files are read.
      settings.onDidChange(['providers'], () => void reload()),
    ],
  };
}

/** Workspace providers are read only in trusted workspaces. */
async function declaredFromWorkspace(
  log: Logger,
  dialogs: Dialogs,
): Promise<{ providers: ProviderEntry[]; fallback: FallbackStep[]; policy: TeamPolicy }> {
  if (!vscode.workspace.isTrusted) return { providers: [], fallback: [], policy: {} };
  const entries: ProviderEntry[] = [];
  const fallback: FallbackStep[] = [];
  const policy: TeamPolicy = {};
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, WORKSPACE_FILE);
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      continue;
    }
    const parsed = parseWorkspaceFile(text, vscode.workspace.asRelativePath(uri));
    if (parsed.ok) {
      entries.push(...parsed.value.providers);
      fallback.push(...parsed.value.fallback);
      // The first folder that sets a provider's policy holds it: a second cannot loosen it.
      for (const [id, rules] of Object.entries(parsed.value.policy)) policy[id] ??= rules;
    } else {
      for (const error of parsed.errors) log.warn(error);
      void dialogs.warn(`Switchboard ignored ${vscode.workspace.asRelativePath(uri)}: ${parsed.errors[0]}`);
    }
  }
  return { providers: entries, fallback, policy };
}
