import type * as vscode from 'vscode';
import { Commands, registerCommands } from '../platform/commands';
import type { Services } from '../services';
import { connectionTestCommands } from './connectionTest';
import { providerCommands } from './providerCommands';
import { registerProvidersTree } from './providersView';
import { recommendModel, type RecommendArgs } from './recommend';

export { ModelChangeTracker } from './modelChanges';
export { createModelPicker, describeModel } from './modelPicker';
export { createRegistry } from './registryHost';

/** The provider commands, the connection test, the import from another tool and the activity-bar providers tree. */
export function register(context: vscode.ExtensionContext, services: Services): void {
  const log = services.log.child('providers');
  context.subscriptions.push(
    ...registerCommands(
      {
        ...providerCommands(services),
        ...connectionTestCommands(services),
        // Loaded when first run: the import and its readers of four tools' files stay out of activation.
        [Commands.importFromTool]: async (args?: { uri?: vscode.Uri }) =>
          (await import('./importFromTool')).importFromTool(services, context.globalStorageUri, args?.uri),
        [Commands.recommendModel]: (args?: RecommendArgs) => recommendModel(services, args),
      },
      log,
      services.dialogs,
    ),
    registerProvidersTree(services.registry, services.routing),
  );
}
