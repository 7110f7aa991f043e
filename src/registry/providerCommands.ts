import * as vscode from 'vscode';
import {
  checkBaseUrl,
  exportRegistry,
  findTemplate,
  PROVIDER_TEMPLATES,
  RegistryError,
  type KeptCopy,
  type Registry,
} from '../core';
import { Commands } from '../platform/commands';
import { proposedFile, type Dialogs } from '../platform/dialogs';
import type { Services } from '../services';
import { addAzure, type AddArgs } from './addAzure';
import { askForKey, refuseCommandReference } from './keyPrompts';
import { announceChoice, chooseModels } from './modelChoice';
import { selectDefaultModel } from './modelPicker';

/**
 * The provider commands. Each also takes arguments, so it can be scripted without its prompts
 * (keys still only ever travel into secret storage); every destructive action asks, whoever runs
 * the command (another extension, a command link).
 */
export function providerCommands(services: Services) {
  const { registry, log, dialogs } = services;
  const confirm = (question: string, action: string) => dialogs.confirm(question, action);
  return {
    [Commands.addProvider]: (args?: AddArgs) => addProvider(services, args),
    [Commands.setApiKey]: async function setApiKey(args?: { providerId?: string; apiKey?: string }) {
      const id = args?.providerId ?? (await pickProvider(registry, dialogs, 'Set the API key of'));
      const entry = id && registry.get(id);
      if (!entry) return;
      const key =
        args?.apiKey === undefined
          ? await askForKey(dialogs, entry.template, entry.name)
          : refuseCommandReference(args.apiKey);
      if (key === undefined) return;
      await registry.setKey(entry.id, key);
      if (!args?.apiKey) void dialogs.info(`Saved the key for ${entry.name} in VS Code's secret storage.`);
    },
    [Commands.clearApiKey]: async function clearApiKey(args?: { providerId?: string }) {
      const id = args?.providerId ?? (await pickProvider(registry, dialogs, 'Clear the API key of'));
      const entry = id && registry.get(id);
      if (entry && (await confirm(`Remove the API key of ${entry.name}?`, 'Remove Key')))
        await registry.clearKey(entry.id);
    },
    [Commands.removeProvider]: async function removeProvider(args?: { providerId?: string }) {
      const id = args?.providerId ?? (await pickProvider(registry, dialogs, 'Remove', (entry) => !entry.readOnly));
      const entry = id && registry.get(id);
      if (!entry) return;
      if (await confirm(`Remove ${entry.name} and its key?`, 'Remove')) await registry.remove(entry.id);
    },
    [Commands.editProvider]: async function editProvider(args?: { providerId?: string }) {
      const id = args?.providerId ?? (await pickProvider(registry, dialogs, 'Edit', (entry) => !entry.readOnly));
      const entry = id && registry.get(id);
      if (!entry) return;
      if (entry.readOnly) {
        void dialogs.info(`${entry.name} comes from ${entry.source}: change it there.`);
        return;
      }
      const field = await dialogs.pick(
        [
          { label: 'Name', description: entry.name, field: 'name' as const },
          { label: 'Base URL', description: entry.baseUrl, field: 'baseUrl' as const },
          ...(entry.type === 'azure-openai'
            ? [{ label: 'API version', description: entry.apiVersion ?? 'default', field: 'apiVersion' as const }]
            : []),
          {
            label: 'Models',
            description: entry.models.length > 0 ? entry.models.map((model) => model.id).join(', ') : 'none chosen',
            field: 'models' as const,
          },
          {
            label: 'Advanced Settings',
            description: 'Headers, organization and project, sampling, timeouts, CA bundle (in the panel)',
            field: 'advanced' as const,
          },
          {
            label: entry.enabled ? 'Disable' : 'Enable',
            description: entry.enabled ? 'Keep it, but do not use it' : 'Use it again',
            field: 'enabled' as const,
          },
        ],
        { title: `Edit ${entry.name}` },
      );
      if (!field) return;
      if (field.field === 'enabled') return registry.setEnabled(entry.id, !entry.enabled);
      if (field.field === 'advanced')
        return vscode.commands.executeCommand(Commands.openPanel, { section: 'settings', providerId: entry.id });
      if (field.field === 'models') {
        const choice = await chooseModels(services, entry.id);
        if (choice) void dialogs.info(`${entry.name}: ${choice.chosen.join(', ')}.`);
        return choice?.chosen;
      }
      const value = await dialogs.input({
        title: `${entry.name}: ${field.label}`,
        value:
          field.field === 'name' ? entry.name : field.field === 'baseUrl' ? entry.baseUrl : (entry.apiVersion ?? ''),
        validateInput: (input) =>
          field.field === 'baseUrl' ? checkBaseUrl(input.trim()) : input.trim() ? undefined : 'Enter a value.',
        // A new origin does not carry the key over: it must be set again for the new address.
        prompt:
          field.field === 'baseUrl'
            ? 'A key is only ever sent to the address it was saved for: a new host needs the key set again.'
            : undefined,
      });
      if (value === undefined) return;
      await registry.update(entry.id, { [field.field]: value.trim() });
    },
    [Commands.exportConfiguration]: async function exportConfiguration(args?: { uri?: vscode.Uri }) {
      const uri =
        args?.uri ??
        (await dialogs.saveFile({
          filters: { JSON: ['json'] },
          defaultUri: proposedFile('switchboard-providers.json'),
          saveLabel: 'Export (without keys)',
        }));
      if (!uri) return;
      let text: string;
      try {
        text = exportRegistry(registry.state());
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        for (const problem of error.problems) log.warn(`export: ${problem}`);
        void dialogs.error(`Nothing was exported: ${error.problems[0]}`);
        return;
      }
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      if (!args?.uri) void dialogs.info(`Exported ${registry.state().providers.length} provider(s), without keys.`);
    },
    [Commands.importConfiguration]: async function importConfiguration(args?: { uri?: vscode.Uri }) {
      const uri = args?.uri ?? (await dialogs.openFile({ filters: { JSON: ['json'] }, openLabel: 'Import' }));
      if (!uri) return undefined;
      const result = await registry.importFile(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), {
        fileName: vscode.workspace.asRelativePath(uri),
        replaceExisting: (conflicts) =>
          confirm(
            `${
              conflicts.length > 5
                ? `${conflicts
                    .slice(0, 5)
                    .map((entry) => entry.id)
                    .join(', ')} and ${conflicts.length - 5} more`
                : conflicts.map((entry) => entry.id).join(', ')
            } already exist. Replace them?`,
            'Replace',
          ),
      });
      if (!result.ok) {
        for (const error of result.errors) log.warn(error);
        void dialogs.error(
          `Nothing was imported: ${result.errors[0]}${result.errors.length > 1 ? ` (and ${result.errors.length - 1} more problems, see the log)` : ''}`,
        );
        return { errors: result.errors };
      }
      const { ok: _ok, ...counts } = result;
      return counts;
    },
    [Commands.restoreProviders]: (args?: { key?: string }) => restoreProviders(registry, dialogs, args?.key),
    [Commands.clearAllKeys]: async function clearAllKeys() {
      if (await confirm('Remove every API key Switchboard stored?', 'Remove All Keys')) await registry.clearAllKeys();
    },
    [Commands.detectLocalProviders]: () => detectLocalProviders(services),
    [Commands.selectDefaultModel]: async function setDefaultModel(args?: {
      providerId: string;
      modelId: string;
      /** The panel's Make Default: say the difference per answer, and ask beyond the cost ratio. */
      askAboutCost?: boolean;
    }) {
      if (!args) return selectDefaultModel(services);
      const picked = { providerId: args.providerId, modelId: args.modelId };
      return selectDefaultModel(services, { picked, ask: args.askAboutCost === true });
    },
  };
}

const KEPT_BECAUSE: Record<KeptCopy['reason'], string> = {
  unreadable: 'Set aside because it could not be read',
  'before-restore': 'In use until a restore replaced it',
  'earlier-version': 'Set aside by an earlier Switchboard because it could not be read',
};

/** Lists the kept copies of the provider data (when, how many providers, why kept) and restores one the user confirms. */
async function restoreProviders(registry: Registry, dialogs: Dialogs, key?: string) {
  const copies = registry.keptCopies();
  if (copies.length === 0) {
    void dialogs.info('Switchboard has kept no copies of your providers.');
    return undefined;
  }
  const when = (copy: KeptCopy) => new Date(copy.at).toLocaleString();
  const copy =
    key === undefined
      ? (
          await dialogs.pick(
            copies.map((item) => ({
              label: when(item),
              description: `${item.providers} provider(s)`,
              detail: `${KEPT_BECAUSE[item.reason]}${item.detail ? `: ${item.detail}` : ''}${item.unrestorable ? ` · cannot be restored: ${item.unrestorable}` : ''}`,
              copy: item,
            })),
            {
              title: 'Restore Providers from a Kept Copy',
              placeHolder: 'Which copy? What is in use now is kept as a copy first.',
              matchOnDetail: true,
            },
          )
        )?.copy
      : copies.find((item) => item.key === key);
  if (!copy) {
    if (key !== undefined) void dialogs.error('That kept copy is gone.');
    return undefined;
  }
  if (copy.unrestorable) {
    void dialogs.error(`That copy cannot be restored: ${copy.unrestorable}.`);
    return undefined;
  }
  const inUse = registry.state().providers.length;
  if (
    !(await dialogs.confirm(
      `Replace the ${inUse} provider(s) in use with the ${copy.providers} provider(s) kept on ${when(copy)}? What is in use now is kept as a copy first.`,
      'Restore',
    ))
  )
    return undefined;
  const result = await registry.restore(copy.key);
  void dialogs.info(
    `Restored ${result.providers} provider(s).${result.problems.length > 0 ? ` Entries that could not be read stay in the kept copy (${result.problems.length} problem(s)).` : ''}`,
  );
  return result;
}

export async function pickProvider(
  registry: Registry,
  dialogs: Dialogs,
  action: string,
  include: (entry: ReturnType<Registry['list']>[number]) => boolean = () => true,
): Promise<string | undefined> {
  const entries = registry.list().filter(include);
  if (entries.length === 0) {
    void dialogs
      .info('No providers yet.', 'Add Provider')
      .then((choice) => choice && vscode.commands.executeCommand(Commands.addProvider));
    return undefined;
  }
  const picked = await dialogs.pick(
    entries.map((entry) => ({
      label: entry.name,
      description: entry.source === 'user' ? entry.baseUrl : `${entry.baseUrl} · from ${entry.source}`,
      id: entry.id,
    })),
    { title: `${action} which provider?` },
  );
  return picked?.id;
}

async function addProvider(services: Services, args?: AddArgs) {
  const { registry, dialogs } = services;
  const templateId =
    args?.template ??
    (
      await dialogs.pick(
        PROVIDER_TEMPLATES.map((template) => ({
          label: template.name,
          description: template.baseUrl ?? 'your endpoint',
          detail: template.local ? 'Runs on this machine; no key needed' : undefined,
          id: template.id,
        })),
        { title: 'Add a provider', placeHolder: 'Which provider?' },
      )
    )?.id;
  const template = templateId && findTemplate(templateId);
  if (!template) return undefined;
  if (template.type === 'azure-openai') return addAzure(services, template, args);
  const baseUrl =
    args?.baseUrl ??
    (template.baseUrl && args
      ? template.baseUrl
      : await dialogs.input({
          title: `${template.name}: base URL`,
          value: template.baseUrl ?? 'https://',
          validateInput: (value) => checkBaseUrl(value.trim()),
        }));
  if (!baseUrl) return undefined;
  const apiKey = args
    ? args.apiKey === undefined
      ? undefined
      : refuseCommandReference(args.apiKey)
    : template.key === 'none'
      ? undefined
      : await askForKey(dialogs, template.id, template.name);
  const entry = await registry.add({ template: template.id, name: args?.name, baseUrl, apiKey });
  // Asked for everything: the models too, as every way of adding a provider ends (scripted adds choose none).
  // The closing notification is not waited for: the command is done when the models are saved.
  if (!args) void announceChoice(services, entry.id, await chooseModels(services, entry.id));
  return entry.id;
}

/** Looks for Ollama and LM Studio on this machine and offers to add what answers. */
async function detectLocalProviders(services: Services): Promise<string[]> {
  const { registry, dialogs } = services;
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
    void dialogs.info(
      'Neither Ollama (port 11434) nor LM Studio (port 1234) is running on this machine, or both are already added.',
    );
    return [];
  }
  const names = found.map((id) => findTemplate(id)!.name).join(' and ');
  if ((await dialogs.info(`Found ${names} on this machine. Add ${found.length > 1 ? 'them' : 'it'}?`, 'Add')) !== 'Add')
    return [];
  const added: string[] = [];
  for (const id of found) added.push((await registry.add({ template: id })).id);
  // Each ends with its models chosen, as a provider added any other way.
  for (const id of added) void announceChoice(services, id, await chooseModels(services, id));
  return added;
}
