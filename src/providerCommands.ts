import * as vscode from 'vscode';
import { checkBaseUrl, exportRegistry, findTemplate, PROVIDER_TEMPLATES, RegistryError, type KeptCopy, type Logger, type Registry, type StageResult } from './core';
import { Commands } from './platform/commands';
import type { CostHost } from './costHost';
import { selectDefaultModel } from './modelPicker';

/**
 * The provider commands. Each also takes arguments, so it can be scripted (and tested) without its
 * prompts; keys still only ever travel into secret storage.
 */
/**
 * `testMode` (ExtensionMode.Test only) lets arguments answer confirmations; otherwise every
 * destructive action asks, whoever runs the command (another extension, a command link).
 */
export function registerProviderCommands(registry: Registry, log: Logger, cost: CostHost, testMode: boolean): vscode.Disposable[] {
  const confirm = async (args: { confirmed?: boolean } | undefined, question: string, action: string) =>
    (testMode && args?.confirmed === true) || (await vscode.window.showWarningMessage(question, { modal: true }, action)) === action;
  return [
    vscode.commands.registerCommand(Commands.addProvider, (args?: { template?: string; name?: string; baseUrl?: string; apiKey?: string }) => addProvider(registry, args)),
    vscode.commands.registerCommand(Commands.setApiKey, async (args?: { providerId?: string; apiKey?: string }) => {
      const id = args?.providerId ?? (await pickProvider(registry, 'Set the API key of'));
      const entry = id && registry.get(id);
      if (!entry) return;
      const key = args?.apiKey === undefined ? await askForKey(entry.template, entry.name) : refuseCommandReference(args.apiKey);
      if (key === undefined) return;
      await registry.setKey(entry.id, key);
      if (!args?.apiKey) void vscode.window.showInformationMessage(`Saved the key for ${entry.name} in VS Code's secret storage.`);
    }),
    vscode.commands.registerCommand(Commands.clearApiKey, async (args?: { providerId?: string; confirmed?: boolean }) => {
      const id = args?.providerId ?? (await pickProvider(registry, 'Clear the API key of'));
      const entry = id && registry.get(id);
      if (entry && (await confirm(args, `Remove the API key of ${entry.name}?`, 'Remove Key'))) await registry.clearKey(entry.id);
    }),
    vscode.commands.registerCommand(Commands.removeProvider, async (args?: { providerId?: string; confirmed?: boolean }) => {
      const id = args?.providerId ?? (await pickProvider(registry, 'Remove', (entry) => !entry.readOnly));
      const entry = id && registry.get(id);
      if (!entry) return;
      if (await confirm(args, `Remove ${entry.name} and its key?`, 'Remove')) await registry.remove(entry.id);
    }),
    /** `announce`: say how the test went (always when the user picked the provider here). */
    vscode.commands.registerCommand(Commands.testConnection, async (args?: { providerId?: string; model?: string; announce?: boolean }) => {
      const id = args?.providerId ?? (await pickProvider(registry, 'Test the connection to'));
      const entry = id && registry.get(id);
      if (!entry) return undefined;
      let cancelled = false;
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Testing ${entry.name}`, cancellable: true },
        (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => {
            cancelled = true;
            controller.abort();
          });
          return registry.testConnection(entry.id, {
            model: args?.model,
            signal: controller.signal,
            onStage: (stage: StageResult) => progress.report({ message: `${stage.stage}: ${stage.status}${stage.ms === undefined ? '' : ` (${Math.round(stage.ms)} ms)`}` }),
            // The one-token chat is a real request: it counts against budgets and is recorded.
            wrapChat: (provider) => cost.meter(provider, entry.id, 'connection-test'),
          });
        },
      );
      const failed = report.stages.find((stage) => stage.status === 'fail');
      log.info(`connection test of ${entry.id}: ${report.stages.map((stage) => `${stage.stage} ${stage.status}${stage.ms === undefined ? '' : ` ${Math.round(stage.ms)} ms`}`).join(', ')}`);
      // A test the user cancelled needs no verdict.
      if (!cancelled && (!args?.providerId || args.announce)) {
        if (failed) void announceFailure(registry, entry, failed, entry.readOnly ? undefined : report.suggestedBaseUrl);
        else if (registry.defaultModel() === undefined) {
          // The next step of a first setup: a model to chat with.
          void vscode.window.showInformationMessage(`${entry.name} works. Choose the model to use?`, 'Select Default Model').then((choice) => choice && vscode.commands.executeCommand(Commands.selectDefaultModel));
        } else void vscode.window.showInformationMessage(`${entry.name} works.`);
      }
      return report;
    }),
    vscode.commands.registerCommand(Commands.editProvider, async (args?: { providerId?: string }) => {
      const id = args?.providerId ?? (await pickProvider(registry, 'Edit', (entry) => !entry.readOnly));
      const entry = id && registry.get(id);
      if (!entry) return;
      if (entry.readOnly) {
        void vscode.window.showInformationMessage(`${entry.name} comes from ${entry.source}: change it there.`);
        return;
      }
      const field = await vscode.window.showQuickPick(
        [
          { label: 'Name', description: entry.name, field: 'name' as const },
          { label: 'Base URL', description: entry.baseUrl, field: 'baseUrl' as const },
          ...(entry.type === 'azure-openai' ? [{ label: 'API version', description: entry.apiVersion ?? 'default', field: 'apiVersion' as const }] : []),
          { label: entry.enabled ? 'Disable' : 'Enable', description: entry.enabled ? 'Keep it, but do not use it' : 'Use it again', field: 'enabled' as const },
        ],
        { title: `Edit ${entry.name}` },
      );
      if (!field) return;
      if (field.field === 'enabled') return registry.setEnabled(entry.id, !entry.enabled);
      const value = await vscode.window.showInputBox({
        title: `${entry.name}: ${field.label}`,
        value: field.field === 'name' ? entry.name : field.field === 'baseUrl' ? entry.baseUrl : (entry.apiVersion ?? ''),
        validateInput: (input) => (field.field === 'baseUrl' ? checkBaseUrl(input.trim()) : input.trim() ? undefined : 'Enter a value.'),
        // A new origin does not carry the key over: it must be set again for the new address.
        prompt: field.field === 'baseUrl' ? 'A key is only ever sent to the address it was saved for: a new host needs the key set again.' : undefined,
      });
      if (value === undefined) return;
      await registry.update(entry.id, { [field.field]: value.trim() });
    }),
    vscode.commands.registerCommand(Commands.testAllConnections, async () => {
      const entries = registry.list().filter((entry) => entry.enabled);
      if (entries.length === 0) return [];
      const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing ${entries.length} provider(s)`, cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        let done = 0;
        try {
          const all = await Promise.all(
            entries.map(async (entry) => {
              try {
                const report = await registry.testConnection(entry.id, { signal: controller.signal, wrapChat: (provider) => cost.meter(provider, entry.id, 'connection-test') });
                return { providerId: entry.id, name: entry.name, ok: report.ok, failed: report.stages.find((stage) => stage.status === 'fail')?.message };
              } catch (error) {
                // One provider that cannot be tested (removed meanwhile, say) does not lose the others' results.
                return { providerId: entry.id, name: entry.name, ok: false, failed: error instanceof Error ? error.message : String(error) };
              } finally {
                progress.report({ message: `${++done} of ${entries.length} done`, increment: 100 / entries.length });
              }
            }),
          );
          // Cancelled: no verdicts (the stopped tests were not recorded either).
          return controller.signal.aborted ? undefined : all;
        } finally {
          cancel.dispose();
        }
      });
      if (!results) return [];
      for (const result of results) log.info(`connection test of ${result.providerId}: ${result.ok ? 'ok' : result.failed}`);
      const failing = results.filter((result) => !result.ok);
      if (failing.length === 0) void vscode.window.showInformationMessage(`All ${results.length} provider(s) work.`);
      else {
        void vscode.window.showWarningMessage(`${failing.map((result) => `${result.name}: ${result.failed ?? 'failed'}`).join(' · ')}`, 'Manage Providers').then((choice) => choice && vscode.commands.executeCommand(Commands.openPanel));
      }
      return results;
    }),
    vscode.commands.registerCommand(Commands.exportConfiguration, async (args?: { uri?: vscode.Uri }) => {
      const uri = args?.uri ?? (await vscode.window.showSaveDialog({ filters: { JSON: ['json'] }, defaultUri: vscode.Uri.file('switchboard-providers.json'), saveLabel: 'Export (without keys)' }));
      if (!uri) return;
      let text: string;
      try {
        text = exportRegistry(registry.state());
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        for (const problem of error.problems) log.warn(`export: ${problem}`);
        void vscode.window.showErrorMessage(`Nothing was exported: ${error.problems[0]}`);
        return;
      }
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      if (!args?.uri) void vscode.window.showInformationMessage(`Exported ${registry.state().providers.length} provider(s), without keys.`);
    }),
    vscode.commands.registerCommand(Commands.importConfiguration, async (args?: { uri?: vscode.Uri; replaceExisting?: boolean }) => {
      const uri = args?.uri ?? (await vscode.window.showOpenDialog({ filters: { JSON: ['json'] }, canSelectMany: false, openLabel: 'Import' }))?.[0];
      if (!uri) return undefined;
      const result = await registry.importFile(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), {
        fileName: vscode.workspace.asRelativePath(uri),
        replaceExisting: async (conflicts) =>
          (testMode ? args?.replaceExisting : undefined) ??
          (await vscode.window.showWarningMessage(`${conflicts.length > 5 ? `${conflicts.slice(0, 5).map((entry) => entry.id).join(', ')} and ${conflicts.length - 5} more` : conflicts.map((entry) => entry.id).join(', ')} already exist. Replace them?`, { modal: true }, 'Replace')) === 'Replace',
      });
      if (!result.ok) {
        for (const error of result.errors) log.warn(error);
        void vscode.window.showErrorMessage(`Nothing was imported: ${result.errors[0]}${result.errors.length > 1 ? ` (and ${result.errors.length - 1} more problems, see the log)` : ''}`);
        return { errors: result.errors };
      }
      const { ok: _ok, ...counts } = result;
      return counts;
    }),
    vscode.commands.registerCommand(Commands.restoreProviders, (args?: { key?: string; confirmed?: boolean }) => restoreProviders(registry, (question, action) => confirm(args, question, action), args?.key)),
    vscode.commands.registerCommand(Commands.clearAllKeys, async (args?: { confirmed?: boolean }) => {
      if (await confirm(args, 'Remove every API key Switchboard stored?', 'Remove All Keys')) await registry.clearAllKeys();
    }),
    vscode.commands.registerCommand(Commands.detectLocalProviders, () => detectLocalProviders(registry)),
    vscode.commands.registerCommand(Commands.selectDefaultModel, async (args?: { providerId: string; modelId: string }) => {
      if (!args) return selectDefaultModel(registry, log);
      await registry.setDefault(args.providerId, args.modelId);
      return args;
    }),
  ];
}

const KEPT_BECAUSE: Record<KeptCopy['reason'], string> = {
  unreadable: 'Set aside because it could not be read',
  'before-restore': 'In use until a restore replaced it',
  'earlier-version': 'Set aside by an earlier Switchboard because it could not be read',
};

/** Lists the kept copies of the provider data (when, how many providers, why kept) and restores one the user confirms. */
async function restoreProviders(registry: Registry, confirm: (question: string, action: string) => Promise<boolean>, key?: string) {
  const copies = registry.keptCopies();
  if (copies.length === 0) {
    void vscode.window.showInformationMessage('Switchboard has kept no copies of your providers.');
    return undefined;
  }
  const when = (copy: KeptCopy) => new Date(copy.at).toLocaleString();
  const copy =
    key === undefined
      ? (
          await vscode.window.showQuickPick(
            copies.map((item) => ({
              label: when(item),
              description: `${item.providers} provider(s)`,
              detail: `${KEPT_BECAUSE[item.reason]}${item.detail ? `: ${item.detail}` : ''}${item.unrestorable ? ` · cannot be restored: ${item.unrestorable}` : ''}`,
              copy: item,
            })),
            { title: 'Restore Providers from a Kept Copy', placeHolder: 'Which copy? What is in use now is kept as a copy first.', matchOnDetail: true },
          )
        )?.copy
      : copies.find((item) => item.key === key);
  if (!copy) {
    if (key !== undefined) void vscode.window.showErrorMessage('That kept copy is gone.');
    return undefined;
  }
  if (copy.unrestorable) {
    void vscode.window.showErrorMessage(`That copy cannot be restored: ${copy.unrestorable}.`);
    return undefined;
  }
  const inUse = registry.state().providers.length;
  if (!(await confirm(`Replace the ${inUse} provider(s) in use with the ${copy.providers} provider(s) kept on ${when(copy)}? What is in use now is kept as a copy first.`, 'Restore'))) return undefined;
  const result = await registry.restore(copy.key);
  void vscode.window.showInformationMessage(
    `Restored ${result.providers} provider(s).${result.problems.length > 0 ? ` Entries that could not be read stay in the kept copy (${result.problems.length} problem(s)).` : ''}`,
  );
  return result;
}

/** The failed stage in a sentence, with the one action that fixes it. */
async function announceFailure(registry: Registry, { id: providerId, name }: { id: string; name: string }, failed: StageResult, suggestedBaseUrl: string | undefined): Promise<void> {
  const useSuggested = suggestedBaseUrl && `Use ${suggestedBaseUrl}`;
  const actions = [...(useSuggested ? [useSuggested] : []), ...(failed.stage === 'auth' ? ['Set API Key'] : []), 'Open Log'];
  const choice = await vscode.window.showErrorMessage(`${name}: ${failed.message}`, ...actions);
  if (choice === useSuggested && suggestedBaseUrl) {
    await registry.update(providerId, { baseUrl: suggestedBaseUrl });
    await vscode.commands.executeCommand(Commands.testConnection, { providerId, announce: true });
  } else if (choice === 'Set API Key') await vscode.commands.executeCommand(Commands.setApiKey, { providerId });
  else if (choice === 'Open Log') await vscode.commands.executeCommand(Commands.showLog);
}

/** A key that runs a command can only be typed by the user, never passed in by another extension or a link. */
function refuseCommandReference(key: string): string {
  if (key.trim().startsWith('${command:')) throw new Error('A ${command:…} key can only be entered by hand, in Switchboard: Set API Key.');
  return key;
}

async function pickProvider(registry: Registry, action: string, include: (entry: ReturnType<Registry['list']>[number]) => boolean = () => true): Promise<string | undefined> {
  const entries = registry.list().filter(include);
  if (entries.length === 0) {
    void vscode.window.showInformationMessage('No providers yet.', 'Add Provider').then((choice) => choice && vscode.commands.executeCommand(Commands.addProvider));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    entries.map((entry) => ({ label: entry.name, description: entry.source === 'user' ? entry.baseUrl : `${entry.baseUrl} · from ${entry.source}`, id: entry.id })),
    { title: `${action} which provider?` },
  );
  return picked?.id;
}

async function askForKey(templateId: string | undefined, name: string): Promise<string | undefined> {
  const template = findTemplate(templateId ?? '');
  return vscode.window.showInputBox({
    title: `API key for ${name}`,
    prompt: `Stored in VS Code's secret storage, sent only to this provider.${template?.keyUrl ? ` Get one at ${template.keyUrl}` : ''} You can also enter \${env:NAME}.`,
    password: true,
    ignoreFocusOut: true,
    placeHolder: template?.keyPrefix ? `${template.keyPrefix}…` : undefined,
    validateInput: (value) => {
      const key = value.trim();
      if (!key) return 'Enter a key.';
      if (template?.keyPrefix && !key.startsWith('${') && !key.startsWith(template.keyPrefix)) {
        return { message: `${template.name} keys usually start with "${template.keyPrefix}".`, severity: vscode.InputBoxValidationSeverity.Warning };
      }
      return undefined;
    },
  });
}

async function addProvider(registry: Registry, args?: { template?: string; name?: string; baseUrl?: string; apiKey?: string }) {
  const templateId =
    args?.template ??
    (
      await vscode.window.showQuickPick(
        PROVIDER_TEMPLATES.map((template) => ({ label: template.name, description: template.baseUrl ?? 'your endpoint', detail: template.local ? 'Runs on this machine; no key needed' : undefined, id: template.id })),
        { title: 'Add a provider', placeHolder: 'Which provider?' },
      )
    )?.id;
  const template = templateId && findTemplate(templateId);
  if (!template) return undefined;
  const baseUrl =
    args?.baseUrl ??
    (template.baseUrl && args
      ? template.baseUrl
      : await vscode.window.showInputBox({
          title: `${template.name}: base URL`,
          value: template.baseUrl ?? 'https://',
          validateInput: (value) => checkBaseUrl(value.trim()),
        }));
  if (!baseUrl) return undefined;
  const apiKey = args ? (args.apiKey === undefined ? undefined : refuseCommandReference(args.apiKey)) : template.key === 'none' ? undefined : await askForKey(template.id, template.name);
  const entry = await registry.add({ template: template.id, name: args?.name, baseUrl, apiKey });
  if (!args) {
    const choice = await vscode.window.showInformationMessage(`Added ${entry.name}.`, 'Test Connection');
    if (choice) await vscode.commands.executeCommand(Commands.testConnection, { providerId: entry.id, announce: true });
  }
  return entry.id;
}

/** Looks for Ollama and LM Studio on this machine and offers to add what answers. */
async function detectLocalProviders(registry: Registry): Promise<string[]> {
  const found: string[] = [];
  for (const [templateId, probe] of [
    ['ollama', 'http://127.0.0.1:11434/api/tags'],
    ['lmstudio', 'http://127.0.0.1:1234/v1/models'],
  ] as const) {
    try {
      const response = await fetch(probe, { signal: AbortSignal.timeout(1500) });
      if (response.ok && !registry.list().some((entry) => entry.template === templateId)) found.push(templateId);
      await response.body?.cancel();
    } catch {
      // not running
    }
  }
  if (found.length === 0) {
    void vscode.window.showInformationMessage('Neither Ollama (port 11434) nor LM Studio (port 1234) is running on this machine, or both are already added.');
    return [];
  }
  const names = found.map((id) => findTemplate(id)!.name).join(' and ');
  if ((await vscode.window.showInformationMessage(`Found ${names} on this machine. Add ${found.length > 1 ? 'them' : 'it'}?`, 'Add')) !== 'Add') return [];
  const added: string[] = [];
  for (const id of found) added.push((await registry.add({ template: id })).id);
  return added;
}
