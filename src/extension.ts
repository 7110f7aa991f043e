import * as vscode from 'vscode';
import { Redactor, type Logger, type Registry, type SecretStore } from './core';
import * as chat from './chat';
import * as cost from './cost';
import * as languageModels from './languageModels';
import type { PanelController } from './panel';
import { afterActivation } from './platform/afterActivation';
import { Commands, registerCommands } from './platform/commands';
import { AnsweringDialogs, vscodeDialogs } from './platform/dialogs';
import { createOutputLogger } from './platform/log';
import { MementoStore } from './platform/mementoStore';
import { VscodeSecretStore } from './platform/secrets';
import { Settings } from './platform/settings';
import * as registry from './registry';
import * as routing from './routing';
import type { ModelChanges, Services, UsageText } from './services';
import type { HostToWebview, PanelSection } from './shared/protocol';

/** Handed to the extension's own integration tests only (ExtensionMode.Test), never to other extensions. */
export interface TestingApi {
  secrets: SecretStore;
  log: Logger;
  redactor: Redactor;
  /** This extension's log folder in the extension host. */
  logUri: vscode.Uri;
  registry: Registry;
  cost: cost.CostService;
  usage: UsageText;
  statusBar: vscode.StatusBarItem;
  /** Shows the spend now rather than after the status bar's short debounce. */
  refreshStatusBar: () => void;
  routing: routing.RoutingService;
  /** The one reader of `switchboard.*` (the model picker's cost ratio). */
  settings: Settings;
  /** The price data in use (Refresh Prices, the daily download). */
  prices: cost.PriceUpdates;
  /** What changed in each provider's models since the user last looked. */
  changes: ModelChanges;
  /** Answers the questions commands ask, as the user would. */
  dialogs: AnsweringDialogs;
  /** To check, canary-style, that no key ever lands there. */
  globalState: vscode.Memento;
  /** The panel's host side with its messages collected by `post`, to drive it as the webview would. */
  panelController: (post: (message: HostToWebview) => Promise<boolean>) => Promise<PanelController>;
}

let activeCost: cost.CostService | undefined;

/** Builds the services once, wires them to each other here (and only here), then registers each feature. */
export function activate(context: vscode.ExtensionContext): { testing: TestingApi } | undefined {
  const started = performance.now();
  const version = (context.extension.packageJSON as { version: string }).version;
  const testMode = context.extensionMode === vscode.ExtensionMode.Test;
  const channel = vscode.window.createOutputChannel('Switchboard', { log: true });
  const redactor = new Redactor();
  const log = createOutputLogger(channel, redactor);
  const dialogs = testMode ? new AnsweringDialogs(vscodeDialogs) : vscodeDialogs;
  const secrets = new VscodeSecretStore(context.secrets);
  const memento = new MementoStore(context.globalState);
  const settings = new Settings(log.child('settings'), dialogs);
  const built = registry.createRegistry({ secrets, memento, settings, dialogs, log: log.child('registry'), redactor });
  const providers = built.registry;
  const spend = new cost.CostService(context, memento, providers, settings, dialogs, log.child('cost'));
  const router = new routing.RoutingService(providers, spend, settings, dialogs, log.child('routing'));
  const statusBar = new cost.CostStatusBar(spend, providers, settings);
  const prices = new cost.PriceUpdates(context.globalStorageUri, settings, log.child('prices'));
  // The status bar shows the providers' health (paused models, rate-limit headroom) the router keeps.
  // … and what team gateways say about the keys (LiteLLM proxy, OpenRouter), kept current by the cost service.
  statusBar.setHealthSource(() => [...router.healthLines(), ...spend.gateways.allLines()]);
  const changes = new registry.ModelChangeTracker(providers, prices, memento, log.child('model-changes'));
  const panelServices = {
    registry: providers,
    cost: spend,
    prices,
    changes,
    routing: router,
    settings,
    dialogs,
    log: log.child('panel'),
  };
  const services: Services = {
    extensionUri: context.extensionUri,
    version,
    log,
    redactor,
    settings,
    dialogs,
    registry: providers,
    models: registry.createModelPicker({
      registry: providers,
      log: log.child('models'),
      dialogs,
      prices,
      changes,
      cost: spend,
      settings,
    }),
    cost: spend,
    prices,
    changes,
    usage: cost.usageText(spend, providers),
    routing: router,
  };
  activeCost = spend;

  context.subscriptions.push(
    channel,
    settings,
    ...built.disposables,
    spend,
    statusBar,
    prices,
    changes,
    router,
    router.onDidChangeHealth(() => statusBar.refresh()),
    spend.gateways.onDidChange(() => statusBar.refresh()),
    // Commands that need a provider are hidden from the palette until there is one.
    providers.onDidChange(
      () => void vscode.commands.executeCommand('setContext', 'switchboard.hasProviders', providers.list().length > 0),
    ),
    ...registerCommands(
      {
        // The panel's host side loads when the panel first opens, not at activation.
        [Commands.openPanel]: async (args?: { section?: PanelSection; providerId?: string }) =>
          (await import('./panel')).ProviderPanel.show(
            context.extensionUri,
            version,
            panelServices,
            redactor,
            args?.section,
            args?.providerId,
          ),
        [Commands.showLog]: () => channel.show(),
      },
      log,
      dialogs,
    ),
  );
  registry.register(context, services);
  routing.register(context, services);
  cost.register(context, services, statusBar, prices);
  chat.register(context, services);
  languageModels.register(context, services);

  void vscode.commands.executeCommand('setContext', 'switchboard.hasProviders', providers.list().length > 0);
  log.info(`Switchboard ${version} activated in ${(performance.now() - started).toFixed(1)} ms`);
  // The adapters load, and the first answer's one-time work is done, once activation is over.
  afterActivation(context, log, () => providers.prepareRequests());
  if (!testMode) return undefined;
  return {
    testing: {
      secrets,
      log,
      redactor,
      logUri: context.logUri,
      registry: providers,
      cost: spend,
      usage: services.usage,
      statusBar: statusBar.item,
      refreshStatusBar: () => statusBar.refresh(),
      routing: router,
      settings,
      prices,
      changes,
      dialogs: dialogs as AnsweringDialogs,
      globalState: context.globalState,
      panelController: async (post) => new (await import('./panel')).PanelController(panelServices, version, post),
    },
  };
}

/** Writes the last second of usage records and gives up this window's reservations (VS Code waits for it). */
export async function deactivate(): Promise<void> {
  await activeCost?.ledger.dispose();
  activeCost = undefined;
}
