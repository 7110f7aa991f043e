import * as vscode from 'vscode';
import { Commands } from '../../platform/commands';
import { providerEntry, writable, type Handlers } from '../handler';
import { entryRowSource, modelRows, panelReport } from '../rows';

/** The providers section: each card's test, switches and buttons. */
export const providerHandlers: Handlers<
  'testProvider' | 'listModels' | 'setEnabled' | 'setDefault' | 'setKey' | 'editProvider' | 'removeProvider'
> = {
  async testProvider({ providerId }, { registry, cost, prices, signal, onStage }) {
    const entry = providerEntry(registry, providerId);
    const report = await registry.testConnection(entry.id, {
      signal,
      onStage,
      wrapChat: (provider) => cost.meter(provider, entry.id, 'connection-test'),
    });
    return panelReport(entry.template ?? '', report, entryRowSource(registry, entry, prices.state.date));
  },
  async listModels({ providerId }, { registry, prices, signal }) {
    const entry = providerEntry(registry, providerId);
    const models = await registry.refreshModels(entry.id, { signal });
    return modelRows(models, entryRowSource(registry, entry, prices.state.date));
  },
  async setEnabled({ providerId, enabled }, { registry }) {
    const entry = writable(providerEntry(registry, providerId), ' and is read-only here.');
    await registry.setEnabled(entry.id, enabled);
    return null;
  },
  async setDefault({ providerId, modelId }, { registry }) {
    // Through the command: the difference per answer is said, and a change beyond the cost ratio asked about.
    await vscode.commands.executeCommand(Commands.selectDefaultModel, {
      providerId: providerEntry(registry, providerId).id,
      modelId,
      askAboutCost: true,
    });
    return null;
  },
  async setKey({ providerId }, { registry }) {
    await vscode.commands.executeCommand(Commands.setApiKey, { providerId: providerEntry(registry, providerId).id });
    return null;
  },
  async editProvider({ providerId }, { registry }) {
    const entry = writable(providerEntry(registry, providerId), ': change it there.');
    await vscode.commands.executeCommand(Commands.editProvider, { providerId: entry.id });
    return null;
  },
  async removeProvider({ providerId }, { registry, dialogs }) {
    const entry = writable(providerEntry(registry, providerId), ': remove it there.');
    if (await dialogs.confirm(`Remove ${entry.name} and its key?`, 'Remove')) await registry.remove(entry.id);
    return null;
  },
};
