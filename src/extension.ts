import * as vscode from 'vscode';
import { Redactor, type Logger, type Registry, type SecretStore } from './core';
import { registerChatParticipant } from './chatParticipant';
import { Commands } from './commands';
import { CostHost, registerCostCommands } from './costHost';
import { registerLanguageModels } from './languageModels';
import { createOutputLogger } from './log';
import { ProviderPanel } from './panel';
import { PanelController } from './panel';
import type { HostToWebview, PanelView } from './shared/protocol';
import { registerProviderCommands } from './providerCommands';
import { registerProvidersView } from './providersView';
import { createRegistry } from './registryHost';
import { registerRoutingCommands, RoutingHost } from './routingHost';
import { VscodeSecretStore } from './secrets';

/** Handed to the extension's own integration tests only (ExtensionMode.Test), never to other extensions. */
export interface TestingApi {
  secrets: SecretStore;
  log: Logger;
  redactor: Redactor;
  /** This extension's log folder in the extension host. */
  logUri: vscode.Uri;
  registry: Registry;
  cost: CostHost;
  routing: RoutingHost;
  /** To check, canary-style, that no key ever lands there. */
  globalState: vscode.Memento;
  /** The panel's host side with its messages collected by `post`, to drive it as the webview would. */
  panelController: (post: (message: HostToWebview) => Promise<boolean>) => PanelController;
}

let activeCost: CostHost | undefined;

export function activate(context: vscode.ExtensionContext): { testing: TestingApi } | undefined {
  const started = performance.now();
  const version = (context.extension.packageJSON as { version: string }).version;
  const channel = vscode.window.createOutputChannel('Switchboard', { log: true });
  const redactor = new Redactor();
  const log = createOutputLogger(channel, redactor);
  const secrets = new VscodeSecretStore(context.secrets);
  const registry = createRegistry(context, log.child('registry'), redactor);
  const cost = new CostHost(context, registry, log.child('cost'));
  const routing = new RoutingHost(registry, cost, log.child('routing'));
  const testMode = context.extensionMode === vscode.ExtensionMode.Test;
  activeCost = cost;

  context.subscriptions.push(
    channel,
    vscode.commands.registerCommand(Commands.openPanel, (args?: { view?: PanelView }) => {
      ProviderPanel.show(context.extensionUri, version, registry, cost, routing, log.child('panel'), redactor, args?.view);
    }),
    // Commands that need a provider are hidden from the palette until there is one.
    registry.onDidChange(() => void vscode.commands.executeCommand('setContext', 'switchboard.hasProviders', registry.list().length > 0)),
    ...registerProviderCommands(registry, log.child('providers'), cost, testMode),
    cost,
    ...registerCostCommands(cost, registry, testMode),
    routing,
    ...registerRoutingCommands(routing, registry),
    vscode.commands.registerCommand(Commands.showLog, () => channel.show()),
    registerChatParticipant(context.extensionUri, registry, routing, cost, log.child('chat')),
    ...registerLanguageModels(registry, routing, log.child('language-models')),
    registerProvidersView(registry),
  );

  void vscode.commands.executeCommand('setContext', 'switchboard.hasProviders', registry.list().length > 0);
  log.info(`Switchboard ${version} activated in ${(performance.now() - started).toFixed(1)} ms`);
  return testMode ? { testing: { secrets, log, redactor, logUri: context.logUri, registry, cost, routing, globalState: context.globalState, panelController: (post) => new PanelController(registry, cost, routing, log.child('panel'), version, post) } } : undefined;
}

/** Writes the last second of usage records and gives up this window's reservations (VS Code waits for it). */
export async function deactivate(): Promise<void> {
  await activeCost?.ledger.dispose();
  activeCost = undefined;
}
