import { exec } from 'node:child_process';
import * as vscode from 'vscode';
import { AuditLog, describeIssues, KeyStore, parseWorkspaceFile, Registry, RegistryStore, resolveDeclared, declaredProvider, type FallbackStep, type KeyReference, type Logger, type ProviderEntry, type Redactor, type SecretStore } from './core';
import { Commands } from './platform/commands';
import { MementoStore } from './platform/mementoStore';

export const WORKSPACE_FILE = '.vscode/switchboard.json';

/**
 * Reads a key reference. `${env:NAME}` comes from the extension host's environment; `${command:…}`
 * runs only when the user turned on `switchboard.keys.allowCommandReferences` (keys are stored by the
 * user's own action only, never read from workspace files, so a workspace cannot plant one).
 */
function resolveReference(log: Logger) {
  // A password manager's CLI takes a while and may prompt: its answer is reused for five minutes.
  const cache = new Map<string, { key: string; until: number }>();
  return async (reference: KeyReference): Promise<string | undefined> => {
    if (reference.kind === 'env') return process.env[reference.name];
    if (!vscode.workspace.getConfiguration('switchboard').get<boolean>('keys.allowCommandReferences', false)) {
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

/** The registry wired to VS Code: SecretStorage, globalState, settings and the workspace file. */
export function createRegistry(context: vscode.ExtensionContext, secrets: SecretStore, log: Logger, redactor: Redactor): Registry {
  // Both notices offer the way back: the log says what was wrong, the restore command lists the kept copies.
  const offer = (message: string) =>
    void vscode.window.showWarningMessage(message, 'Restore a Kept Copy', 'Show Log').then((choice) => {
      if (choice === 'Restore a Kept Copy') void vscode.commands.executeCommand(Commands.restoreProviders);
      else if (choice === 'Show Log') void vscode.commands.executeCommand(Commands.showLog);
    });
  const store = new RegistryStore(new MementoStore(context.globalState), (report) => {
    log.error(`the provider registry had unreadable data; kept as ${report.backupKey}: ${report.problems.join('; ')}`);
    offer(`Switchboard found provider settings it could not read and kept a copy of them (${report.problems.length} problem(s)). ${report.salvaged} provider(s) are still in use.`);
  });
  const keys = new KeyStore(secrets, redactor, resolveReference(log), new MementoStore(context.globalState));
  const registry = new Registry({
    store,
    keys,
    audit: new AuditLog(new MementoStore(context.globalState)),
    // The extension host's fetch: VS Code patches it for proxies, PAC and OS certificates.
    fetch: globalThis.fetch,
    readFile: async (path) => new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(path))),
  });
  void store.check().then((readOnly) => {
    if (!readOnly) return;
    log.error(`the provider registry is open read-only: ${readOnly.problem}`);
    offer(`Switchboard opened your providers read-only and changes nothing in them: ${readOnly.problem}. ${readOnly.readable} provider(s) can be used. Update Switchboard, or restore a kept copy.`);
  });

  // Watcher events come in bursts (create, then change): a reload that finishes after a newer one
  // began would put back what it read mid-write.
  let generation = 0;
  const reload = async () => {
    const mine = ++generation;
    const settings = declaredFromSettings(log);
    const workspaceFile = await declaredFromWorkspace(log);
    if (mine !== generation) return;
    registry.setDeclared({ settings: settings.user, workspace: [...settings.workspace, ...workspaceFile.providers], workspaceFallback: workspaceFile.fallback });
  };
  void reload();
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${WORKSPACE_FILE}`);
  context.subscriptions.push(
    watcher,
    watcher.onDidChange(reload),
    watcher.onDidCreate(reload),
    watcher.onDidDelete(reload),
    vscode.workspace.onDidGrantWorkspaceTrust(reload),
    vscode.workspace.onDidChangeWorkspaceFolders(reload),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('switchboard.providers')) void reload();
    }),
  );
  return registry;
}

/**
 * Providers declared in settings: the user's own settings form the settings layer; a workspace's
 * settings count as the workspace layer (below the user's) and only in trusted workspaces.
 */
function declaredFromSettings(log: Logger): { user: ProviderEntry[]; workspace: ProviderEntry[] } {
  const inspected = vscode.workspace.getConfiguration('switchboard').inspect<unknown[]>('providers');
  const problems: string[] = [];
  const read = (raw: unknown[] | undefined, where: string): ProviderEntry[] => {
    const valid = [];
    for (const [index, item] of (raw ?? []).entries()) {
      const parsed = declaredProvider.safeParse(item);
      if (parsed.success) valid.push(parsed.data);
      else problems.push(`${where} switchboard.providers[${index}] ignored: ${describeIssues(parsed.error).join('; ')}`);
    }
    const resolved = resolveDeclared(valid, `${where} switchboard.providers`);
    if (!resolved.ok) problems.push(...resolved.errors);
    return resolved.ok ? resolved.value : [];
  };
  const trusted = vscode.workspace.isTrusted;
  const declared = {
    user: read(inspected?.globalValue, 'user settings'),
    workspace: trusted ? [...read(inspected?.workspaceValue, 'workspace settings'), ...read(inspected?.workspaceFolderValue, 'folder settings')] : [],
  };
  for (const problem of problems) log.warn(problem);
  // Said where it was entered: a key in a setting is refused, and the user is told where keys belong.
  if (problems.length > 0) void vscode.window.showWarningMessage(`Switchboard: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more, see the log)` : ''}`);
  return declared;
}

/** Workspace providers are read only in trusted workspaces. */
async function declaredFromWorkspace(log: Logger): Promise<{ providers: ProviderEntry[]; fallback: FallbackStep[] }> {
  if (!vscode.workspace.isTrusted) return { providers: [], fallback: [] };
  const entries: ProviderEntry[] = [];
  const fallback: FallbackStep[] = [];
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
    } else {
      for (const error of parsed.errors) log.warn(error);
      void vscode.window.showWarningMessage(`Switchboard ignored ${vscode.workspace.asRelativePath(uri)}: ${parsed.errors[0]}`);
    }
  }
  return { providers: entries, fallback };
}
