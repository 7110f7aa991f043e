import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { AuditLog, KeyStore, parseWorkspaceFile, Registry, RegistryStore, resolveDeclared, declaredProvider, type KeyReference, type Logger, type ProviderEntry, type Redactor } from './core';
import { MementoStore } from './mementoStore';
import { VscodeSecretStore } from './secrets';

export const WORKSPACE_FILE = '.vscode/switchboard.json';

/**
 * Reads a key reference. `${env:NAME}` comes from the extension host's environment; `${command:…}`
 * runs only when the user turned on `switchboard.keys.allowCommandReferences` (keys are stored by the
 * user's own action only, never read from workspace files, so a workspace cannot plant one).
 */
function resolveReference(log: Logger) {
  return async (reference: KeyReference): Promise<string | undefined> => {
    if (reference.kind === 'env') return process.env[reference.name];
    if (!vscode.workspace.getConfiguration('switchboard').get<boolean>('keys.allowCommandReferences', false)) {
      log.warn('a key references a command, but switchboard.keys.allowCommandReferences is off');
      return undefined;
    }
    return new Promise((resolve) => {
      execFile('/bin/sh', ['-c', reference.command], { timeout: 15_000, maxBuffer: 64 * 1024 }, (error, stdout) => {
        if (error) log.warn(`the key command failed: ${error.message}`);
        resolve(error ? undefined : stdout.trim() || undefined);
      });
    });
  };
}

/** The registry wired to VS Code: SecretStorage, globalState, settings and the workspace file. */
export function createRegistry(context: vscode.ExtensionContext, log: Logger, redactor: Redactor): Registry {
  const store = new RegistryStore(new MementoStore(context.globalState), (report) => {
    log.error(`the provider registry had unreadable data; kept as ${report.backupKey}: ${report.problems.join('; ')}`);
    void vscode.window.showWarningMessage(
      `Switchboard found provider settings it could not read and kept them aside (${report.problems.length} problem(s)). ${report.salvaged} provider(s) are still in use.`,
      'Show Log',
    ).then((choice) => choice && vscode.commands.executeCommand('switchboard.showLog'));
  });
  const keys = new KeyStore(new VscodeSecretStore(context.secrets), redactor, resolveReference(log));
  const registry = new Registry({
    store,
    keys,
    audit: new AuditLog(new MementoStore(context.globalState)),
    // The extension host's fetch: VS Code patches it for proxies, PAC and OS certificates.
    fetch: globalThis.fetch,
    readFile: async (path) => new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(path))),
  });
  void store.check();

  const reload = async () => registry.setDeclared({ settings: declaredFromSettings(log), workspace: await declaredFromWorkspace(log) });
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

function declaredFromSettings(log: Logger): ProviderEntry[] {
  const raw = vscode.workspace.getConfiguration('switchboard').get<unknown[]>('providers', []);
  const valid = [];
  for (const [index, item] of raw.entries()) {
    const parsed = declaredProvider.safeParse(item);
    if (parsed.success) valid.push(parsed.data);
    else log.warn(`settings switchboard.providers[${index}] ignored: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const resolved = resolveDeclared(valid, 'settings switchboard.providers');
  if (!resolved.ok) for (const error of resolved.errors) log.warn(error);
  return resolved.ok ? resolved.value : [];
}

/** Workspace providers are read only in trusted workspaces. */
async function declaredFromWorkspace(log: Logger): Promise<ProviderEntry[]> {
  if (!vscode.workspace.isTrusted) return [];
  const entries: ProviderEntry[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, WORKSPACE_FILE);
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      continue;
    }
    const parsed = parseWorkspaceFile(text, vscode.workspace.asRelativePath(uri));
    if (parsed.ok) entries.push(...parsed.value.providers);
    else {
      for (const error of parsed.errors) log.warn(error);
      void vscode.window.showWarningMessage(`Switchboard ignored ${vscode.workspace.asRelativePath(uri)}: ${parsed.errors[0]}`);
    }
  }
  return entries;
}
