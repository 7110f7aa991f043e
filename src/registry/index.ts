import type * as vscode from 'vscode';
import { Commands, lazyCommands, registerCommands } from '../platform/commands';
import type { Services } from '../services';
import { registerProvidersTree } from './providersView';
import type { RecommendArgs } from './recommend';

export { ModelChangeTracker } from './modelChanges';
export { createModelPicker, describeModel } from './modelPicker';
export { createRegistry } from './registryHost';

/** The provider commands, the connection test, the import from another tool and the activity-bar providers tree. */
export function register(context: vscode.ExtensionContext, services: Services): void {
  const log = services.log.child('providers');
  context.subscriptions.push(
    ...registerCommands(
      {
        // Each loads when first run: none of them is needed to start.
        ...lazyCommands(
          [
            Commands.addProvider,
            Commands.setApiKey,
            Commands.clearApiKey,
            Commands.removeProvider,
            Commands.editProvider,
            Commands.exportConfiguration,
            Commands.importConfiguration,
            Commands.restoreProviders,
            Commands.clearAllKeys,
            Commands.detectLocalProviders,
            Commands.selectDefaultModel,
          ],
          async () => (await import('./providerCommands')).providerCommands(services),
        ),
        ...lazyCommands([Commands.testConnection, Commands.testAllConnections], async () =>
          (await import('./connectionTest')).connectionTestCommands(services),
        ),
        [Commands.importFromTool]: async (args?: { uri?: vscode.Uri }) =>
          (await import('./importFromTool')).importFromTool(services, context.globalStorageUri, args?.uri),
        [Commands.recommendModel]: async (args?: RecommendArgs) =>
          (await import('./recommend')).recommendModel(services, args),
      },
      log,
      services.dialogs,
    ),
    registerProvidersTree(services.registry, services.routing),
  );
}
